"""Sign-in refusals: who is kept out of a hosted workbench, and what they see.

The decisions are pure functions (`ui.sign_in_rules`), tested here case by case; the gate that
draws them (`ui.auth.gate`, called by app.py before any page is registered) is run in AppTest with
Streamlit's own simulated `st.user` and secrets. What needs a real signed cookie (another secret, a
tampered byte, a provider that does not verify the address, an allow-list rewritten on disk) is in
tests/e2e/test_oidc_browser.py, against a real OpenID provider. docs/security.md ("Sign-in") lists
every case with what the user sees and its test.
"""

from __future__ import annotations

import re
import secrets

import pytest

from kpi.store.model import DEMO_NAME
from kpi.store.workspaces import Store
from kpi.text import escape_markdown
from tests.security.conftest import ACCESS, ALICE, BOB, PAGES, ROOT, auth_section, everything_shown, gated
from ui.sign_in_rules import allowed, cookie_secret_problem, plain_address, refusal, verification_required

# what no signed-out visitor may read: KPI names, the demo's name, page headings, a sidebar control
NEVER_SHOWN = ("MRR", "ARR", "NPS", "churn", "Plumeo", DEMO_NAME, "Workspace", "As of", "Revenue", "Overview")


# ── the catalogue: every refused account, decided by `refusal` ─────────────────────────────────────

VERIFIED = {"email_verified": True}
REFUSED_ACCOUNTS = {  # case → (ID-token claims, [access] section, the refusal's code)
    "email_verified false": ({"email": ALICE, "email_verified": False}, ACCESS, "unverified"),
    "email_verified missing": ({"email": ALICE}, ACCESS, "unverified"),
    "email_verified the text 'false'": ({"email": ALICE, "email_verified": "false"}, ACCESS, "unverified"),
    "a Cyrillic а in the domain": ({"email": "alice@\u0430cme.io", **VERIFIED}, {"domains": ["acme.io"]},
                                   "not-an-address"),
    "a Cyrillic а in the local part": ({"email": "\u0430lice@acme.io", **VERIFIED}, ACCESS, "not-an-address"),
    "a full-width ＠": ({"email": "alice\uff20acme.io", **VERIFIED}, ACCESS, "not-an-address"),
    "the listed domain followed by another": ({"email": "alice@acme.io.evil.com", **VERIFIED},
                                              {"domains": ["acme.io"]}, "not-listed"),
    "a subdomain of a listed domain": ({"email": "alice@sub.acme.io", **VERIFIED}, {"domains": ["acme.io"]},
                                       "not-listed"),
    "a trailing space": ({"email": "alice@acme.io ", **VERIFIED}, ACCESS, "not-an-address"),
    "a leading space": ({"email": " alice@acme.io", **VERIFIED}, ACCESS, "not-an-address"),
    "%40 for @": ({"email": "alice%40acme.io", **VERIFIED}, ACCESS, "not-an-address"),
    "%40 and another domain": ({"email": "alice%40acme.io@evil.com", **VERIFIED}, ACCESS, "not-listed"),
    "a +tag when only the address is listed": ({"email": "alice+ceo@acme.io", **VERIFIED}, ACCESS, "not-listed"),
    "two @": ({"email": "alice@evil.com@acme.io", **VERIFIED}, {"domains": ["acme.io"]}, "not-an-address"),
    "a quoted local part": ({"email": '"alice@acme.io"@acme.io', **VERIFIED}, {"domains": ["acme.io"]},
                            "not-an-address"),
    "a trailing dot in the domain": ({"email": "alice@acme.io.", **VERIFIED}, {"domains": ["acme.io"]},
                                     "not-an-address"),
    "a line break in the address": ({"email": "alice@acme.io\nbob@acme.io", **VERIFIED}, ACCESS, "not-an-address"),
    "no email claim": (dict(VERIFIED), ACCESS, "not-an-address"),
    "an email claim that is a list": ({"email": [ALICE], **VERIFIED}, ACCESS, "not-an-address"),
    "not on the allow-list": ({"email": "carol@elsewhere.example", **VERIFIED}, ACCESS, "not-listed"),
    "an empty allow-list": ({"email": ALICE, **VERIFIED}, {}, "not-listed"),
}
LET_IN = {  # the controls: these must pass, or the refusals above prove nothing
    "the listed address": ({"email": ALICE, **VERIFIED}, ACCESS, ALICE),
    "the same address in upper case": ({"email": "ALICE@ACME.IO", **VERIFIED}, ACCESS, ALICE),
    "an address at a listed domain": ({"email": "dave@acme.io", **VERIFIED}, {"domains": ["@ACME.io "]},
                                      "dave@acme.io"),
    "a +tag at a listed domain": ({"email": "alice+ceo@acme.io", **VERIFIED}, {"domains": ["acme.io"]},
                                  "alice+ceo@acme.io"),
    "the text 'true' for email_verified": ({"email": ALICE, "email_verified": "true"}, ACCESS, ALICE),
    "no email_verified, verification switched off": ({"email": ALICE}, {**ACCESS, "require_verified_email": False},
                                                     ALICE),
    "an internationalised domain in its xn-- form": ({"email": "anna@xn--caf-dma.fr", **VERIFIED},
                                                    {"domains": ["xn--caf-dma.fr"]}, "anna@xn--caf-dma.fr"),
}

DOCS_SECRETS = re.findall(r'cookie_secret = "([^"]*)"', (ROOT / "docs" / "hosting.md").read_text(encoding="utf-8"))
REFUSED_SECRETS = {  # case → [auth] section with that cookie_secret
    "missing": {k: v for k, v in auth_section().items() if k != "cookie_secret"},
    "empty": auth_section(cookie_secret=""),
    "change-me": auth_section(cookie_secret="change-me"),
    "xxx (Streamlit's own examples)": auth_section(cookie_secret="xxx"),
    "CHANGE-ME in capitals, with spaces": auth_section(cookie_secret="  CHANGE-ME "),
    "an unfilled template": auth_section(cookie_secret="<your-cookie-secret>"),
    "a shell command never run": auth_section(cookie_secret="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"),
    "31 random characters": auth_section(cookie_secret=secrets.token_hex(16)[:31]),
    "64 times the same character": auth_section(cookie_secret="a" * 64),
    "a short word repeated to 40 characters": auth_section(cookie_secret="changeme" * 5),
    "the client secret again": (lambda s: auth_section(cookie_secret=s, client_secret=s))(secrets.token_hex(32)),
    **{f"docs/hosting.md's example {value!r}": auth_section(cookie_secret=value) for value in DOCS_SECRETS},
}


@pytest.mark.parametrize("case", REFUSED_ACCOUNTS)
def test_an_account_is_refused_with_its_reason(case):
    claims, access, code = REFUSED_ACCOUNTS[case]
    refused = refusal(claims, access)
    assert refused is not None and refused.code == code, (case, refused)


@pytest.mark.parametrize("case", LET_IN)
def test_an_allowed_account_is_let_in_as_one_lower_case_address(case):
    claims, access, owner = LET_IN[case]
    assert refusal(claims, access) is None, case
    assert plain_address(claims["email"]) == owner


@pytest.mark.parametrize("case", REFUSED_SECRETS)
def test_an_unsafe_cookie_secret_is_named(case):
    assert cookie_secret_problem(REFUSED_SECRETS[case]) is not None, case


def test_docs_example_secrets_are_all_refused():
    assert DOCS_SECRETS, "docs/hosting.md shows the [auth] section with a cookie_secret"
    assert all(cookie_secret_problem(auth_section(cookie_secret=value)) for value in DOCS_SECRETS)


def test_generated_secrets_are_accepted():
    """What docs/hosting.md tells an administrator to run, 200 times each, never refused."""
    draws = [secrets.token_hex(32) for _ in range(200)] + [secrets.token_urlsafe(32) for _ in range(200)]
    assert [d for d in draws if cookie_secret_problem(auth_section(cookie_secret=d))] == []
    assert cookie_secret_problem(auth_section(cookie_secret="9f86d081884c7d659a2feaa0c55ad015")) is None  # 32 hex


def test_an_unverified_address_is_refused_before_the_allow_list_is_consulted():
    listed = refusal({"email": ALICE}, ACCESS)
    unlisted = refusal({"email": "mallory@evil.example"}, ACCESS)
    assert listed.code == unlisted.code == "unverified"
    assert "allow-list" not in listed.sentence and "not verified" in listed.sentence


@pytest.mark.parametrize("setting", ["false", 0, None, "no"])
def test_only_the_boolean_false_switches_verification_off(setting):
    assert verification_required({"require_verified_email": setting})
    assert not verification_required({"require_verified_email": False})


def test_a_homoglyph_allow_list_entry_never_matches_an_ascii_address():
    assert not allowed(ALICE, {"emails": ["\u0430lice@acme.io"], "domains": ["\u0430cme.io"]})


# ── the gate in the app (AppTest: Streamlit's simulated st.user and st.secrets) ───────────────────


def test_the_registry_lists_every_page():
    assert len(PAGES) == 16 and len(set(PAGES)) == 16
    assert {f"app_pages/{p.name}" for p in (ROOT / "app_pages").glob("*.py")} == set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_url_signed_out_shows_only_the_sign_in_page(page):
    app = gated(page, {"is_logged_in": False}, ws="1", as_of="2026-06")
    assert [b.label for b in app.button] == ["Sign in"]
    assert [t.value for t in app.title] == ["KPI workbench"]
    assert not app.metric and not app.dataframe and not app.sidebar.children
    shown = everything_shown(app)
    assert not [word for word in NEVER_SHOWN if word in shown], shown


@pytest.mark.parametrize("page", PAGES)
def test_a_placeholder_cookie_secret_closes_every_page_with_one_sentence(page):
    """Signed in and listed, but `cookie_secret = "change-me"`: whoever guessed it could sign any
    address, so even a valid-looking session gets one sentence naming the setting, and no data."""
    app = gated(page, {"is_logged_in": True, "email": ALICE, "email_verified": True},
                auth=auth_section(cookie_secret="change-me"))
    assert [e.value for e in app.error] == [
        "Sign-in is closed until `[auth] cookie_secret` in secrets.toml is a long random value (it is a "
        "placeholder): ask this workbench's administrator."]
    assert not app.button and not app.title and not app.metric and not app.sidebar.children
    shown = everything_shown(app)
    assert not [word for word in NEVER_SHOWN if word in shown]


@pytest.mark.parametrize("case", [c for c in REFUSED_SECRETS if c != "change-me"])
def test_every_unsafe_cookie_secret_closes_the_app(case):
    app = gated(None, {"is_logged_in": True, "email": ALICE, "email_verified": True}, auth=REFUSED_SECRETS[case])
    assert len(app.error) == 1 and "`[auth] cookie_secret`" in app.error[0].value
    assert not app.metric and not app.sidebar.children


@pytest.mark.parametrize(("claims", "sentence"), [
    ({"email_verified": False}, f"Your provider has not verified this address ({ALICE})."),
    ({}, f"Your provider has not verified this address ({ALICE})."),
])
def test_an_unverified_address_sees_one_sentence(claims, sentence):
    app = gated("app_pages/overview.py", {"is_logged_in": True, "email": ALICE, **claims})
    assert [t.value for t in app.title] == ["Access refused"]
    assert [t.value for t in app.text] == [sentence]
    assert [b.label for b in app.button] == ["Sign out"]
    assert not app.metric and not app.sidebar.children


def test_a_provider_that_never_sends_the_claim_can_be_trusted_explicitly():
    app = gated("app_pages/overview.py", {"is_logged_in": True, "email": ALICE},
                access={**ACCESS, "require_verified_email": False})
    assert app.session_state["user"] == ALICE
    assert len(app.metric) >= 14


def test_an_upper_case_address_is_the_same_owner(workbench_home):
    with Store(f"sqlite:///{workbench_home / 'workbench.db'}") as store:
        mine = store.create_workspace("Alice's numbers", owner=ALICE, files={})
    app = gated("app_pages/overview.py", {"is_logged_in": True, "email": "ALICE@ACME.IO", "email_verified": True},
                ws=str(mine))
    assert app.session_state["user"] == ALICE
    assert escape_markdown("Signed in as alice@acme.io") in [c.value for c in app.sidebar.caption]
    assert app.session_state["workspace"].id == mine


@pytest.mark.parametrize("claim", ["alice@\u0430cme.io", "alice@acme.io ", "alice%40acme.io", "alice@sub.acme.io"])
def test_a_look_alike_address_is_refused_by_the_gate(claim):
    app = gated("app_pages/overview.py", {"is_logged_in": True, "email": claim, "email_verified": True},
                access={"domains": ["acme.io"]})
    assert [t.value for t in app.title] == ["Access refused"]
    assert not app.metric and not app.sidebar.children


def test_another_users_workspace_id_is_answered_as_a_missing_one(workbench_home):
    """Bob follows a link to Alice's workspace: he gets exactly what a link to an id that does
    not exist gives him — his own workspace — and nothing of Alice's."""
    with Store(f"sqlite:///{workbench_home / 'workbench.db'}") as store:
        alices = store.create_workspace("Alice's secret numbers", owner=ALICE, files={})
        store.ensure_demo(owner=BOB)
        missing = max(alices, *(w.id for w in store.list_workspaces(BOB))) + 1000
    bob = {"is_logged_in": True, "email": BOB, "email_verified": True}
    to_alices = gated("app_pages/workspaces.py", bob, ws=str(alices))
    to_missing = gated("app_pages/workspaces.py", bob, ws=str(missing))
    def same_everywhere(text: str) -> str:  # a download's file id is new at every run
        return re.sub(r'(file_id|url): "[^"]*"', r'\1: …', text)

    assert same_everywhere(everything_shown(to_alices)) == same_everywhere(everything_shown(to_missing))
    assert to_alices.session_state["workspace"].name == DEMO_NAME
    assert "Alice's secret numbers" not in everything_shown(to_alices)


def test_a_user_removed_from_the_allow_list_is_refused_at_the_next_interaction_in_every_session():
    """Alice and Bob each have a session open; the administrator removes Bob. Streamlit reloads
    the secrets for every session (one st.secrets per server); the gate runs on each rerun, so
    Bob's next click is refused, in each of his sessions, and Alice carries on."""
    sessions = {name: gated("app_pages/overview.py", {"is_logged_in": True, "email": who, "email_verified": True})
                for name, who in [("alice", ALICE), ("bob", BOB), ("bob's other tab", BOB)]}
    assert all(len(app.metric) >= 14 for app in sessions.values())
    for app in sessions.values():
        app.secrets["access"] = {"emails": [ALICE]}
    for app in sessions.values():
        app.run()  # the next interaction
    assert len(sessions["alice"].metric) >= 14
    assert "Access refused" not in [t.value for t in sessions["alice"].title]
    for name in ("bob", "bob's other tab"):
        assert [t.value for t in sessions[name].title] == ["Access refused"], name
        assert not sessions[name].metric and not sessions[name].sidebar.children


def test_the_refusals_are_counted(capsys):
    """Every refused case of the catalogue, through the same functions as the gate."""
    accounts = [refusal(claims, access) is not None for claims, access, _ in REFUSED_ACCOUNTS.values()]
    unsafe = [cookie_secret_problem(auth) is not None for auth in REFUSED_SECRETS.values()]
    let_in = [refusal(claims, access) is None for claims, access, _ in LET_IN.values()]
    cases, refused = len(accounts) + len(unsafe), sum(accounts) + sum(unsafe)
    with capsys.disabled():
        print(f"\nsign-in refusals: {cases} cases, {refused} refused "
              f"({len(accounts)} accounts, {len(unsafe)} cookie secrets); {sum(let_in)} of {len(let_in)} controls let in")
    assert refused == cases >= 15 and all(let_in)
