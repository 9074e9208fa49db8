"""Who may pass the sign-in gate, decided from plain values: no Streamlit, no network.

`ui.auth.gate` hands these functions the secrets' `[auth]` and `[access]` sections and the claims
of the provider's ID token (what `st.user` exposes), so every decision is tested as a pure
function. The rules (docs/security.md, "Sign-in"):

- `cookie_secret_problem`: the `[auth] cookie_secret` that signs Streamlit's sign-in cookie must be
  a long random value; a placeholder, a short or repetitive one is named, and the app then lets
  nobody in (anyone who guesses it could sign a cookie with any address).
- `plain_address`: the `email` claim is used only when it is one plain ASCII address
  (`local@domain`, dot-separated labels); upper case is folded, nothing else is rewritten — no
  trimming, no decoding of `%40`, no dropping of a `+tag`, no Unicode look-alike.
- `email_verified` must be true unless `[access] require_verified_email = false`.
- `allowed`: the exact address, or an address whose domain is exactly a listed domain (a
  subdomain is not included: list it too).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10  # a random 32-character hex string has about 14 different characters
PLACEHOLDER_SECRETS = frozenset({
    "", "…", "...", "xxx", "change-me", "changeme", "change_me", "changethis", "secret", "cookie_secret",
    "cookie-secret", "your-secret", "your_secret", "yoursecret", "replace-me", "replaceme", "todo", "local-only",
    "password", "example", "test", "default",
})

_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class Refusal:
    """Why a signed-in account is not let in: a stable `code` and the one sentence shown."""

    code: str  # "not-an-address", "unverified" or "not-listed"
    sentence: str


def cookie_secret_problem(auth: Mapping) -> str | None:
    """What is wrong with `auth["cookie_secret"]`, in a few words, or None when it will do.

    Refused, first match wins: missing or not text; a placeholder (`PLACEHOLDER_SECRETS`, compared
    in lower case without surrounding spaces, or a template left unfilled: `<…>`, `${…}`, `$(…)`);
    fewer than 32 characters; fewer than 10 different characters (`aaaa…`, `abab…`); the same value
    as `client_secret`.
    """
    secret = auth.get("cookie_secret")
    if not isinstance(secret, str) or not secret.strip():
        return "it is missing"
    folded = secret.strip().lower()
    if folded in PLACEHOLDER_SECRETS or folded.startswith(("<", "${", "$(")) or folded.endswith(">"):
        return "it is a placeholder"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"it has {len(secret)} characters, fewer than {MIN_SECRET_LENGTH}"
    if len(set(secret)) < MIN_SECRET_DISTINCT:
        return f"it repeats {len(set(secret))} different characters"
    if secret == auth.get("client_secret"):
        return "it is the same as client_secret"
    return None


def plain_address(claim: object) -> str | None:
    """The `email` claim in lower case when it is one plain ASCII address, else None.

    Plain: text of printable ASCII with no white space anywhere, exactly one `@`, a local part of
    RFC 5322 atoms separated by single dots, and a domain of at least two dot-separated labels
    (letters, digits, inner hyphens; an internationalised domain in its `xn--` form), 254
    characters at most. `ALICE@ACME.IO` is `alice@acme.io`; `alice@acme.io `, `alice%40acme.io`,
    `alice@acme.io.`, `"a@b"@acme.io` and any non-ASCII character (a Cyrillic `а`) are None.
    """
    if not isinstance(claim, str) or not claim or len(claim) > 254:
        return None
    if any(ch not in string.printable or ch in string.whitespace for ch in claim):
        return None
    address = claim.lower()
    if address.count("@") != 1:
        return None
    local, domain = address.split("@")
    labels = domain.split(".")
    if not _LOCAL.fullmatch(local) or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return address


def verification_required(access: Mapping) -> bool:
    """Whether `email_verified` must be true: yes unless `require_verified_email` is the boolean
    false (a string "false" keeps the requirement)."""
    return access.get("require_verified_email", True) is not False


def verified(claims: Mapping) -> bool:
    """Whether the provider says it verified the address: `email_verified` is true (the boolean,
    or the text "true" some providers send)."""
    flag = claims.get("email_verified")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


def _entries(access: Mapping, key: str) -> set[str]:
    values = access.get(key, [])
    if isinstance(values, str):
        values = [values]
    return {str(value).strip().lower().lstrip("@") for value in values}


def allowed(address: str, access: Mapping) -> bool:
    """On the allow-list: `address` (already `plain_address`) is one of `access["emails"]`, or its
    domain is exactly one of `access["domains"]`; entries are compared in lower case without
    surrounding spaces (and a domain without a leading `@`). An empty allow-list lets nobody in."""
    domain = address.rsplit("@", 1)[-1]
    return address in _entries(access, "emails") or domain in _entries(access, "domains")


def refusal(claims: Mapping, access: Mapping) -> Refusal | None:
    """Why the signed-in account with these ID-token `claims` may not come in, or None.

    First match wins: the `email` claim is not a plain address (`not-an-address`); it is not
    verified while verification is required (`unverified`); it is not on the allow-list
    (`not-listed`). An unverified address is refused before the allow-list is consulted, so the
    answer says nothing of who is listed.
    """
    address = plain_address(claims.get("email"))
    if address is None:
        return Refusal("not-an-address", "This account has no plain e-mail address this workbench can use. "
                                         "Sign in with your company account.")
    if verification_required(access) and not verified(claims):
        return Refusal("unverified", f"Your provider has not verified this address ({address}).")
    if not allowed(address, access):
        return Refusal("not-listed", f"{address} is not on this workbench's allow-list. Ask its administrator to "
                                     "add your address or your company's domain.")
    return None
