"""Sign-in for a hosted app: Streamlit's native OIDC (`st.login`), an allow-list, and who owns what.

Configured by an `[auth]` section in `.streamlit/secrets.toml` (redirect_uri, cookie_secret,
client_id, client_secret, server_metadata_url) and an allow-list:

    [access]
    emails = ["founder@acme.io"]
    domains = ["acme.io"]

Without `[auth]`, the app is for local use: no sign-in, and workspaces have no owner. With it,
nobody gets past the sign-in page, an address outside the allow-list is refused (an empty
allow-list refuses everyone: a hosted app never opens to the whole internet by mistake), and
every workspace belongs to the signed-in e-mail address. The decisions themselves (a safe
`cookie_secret`, a plain and verified address, the allow-list) are pure functions in
`ui.sign_in_rules`; this module draws what they decide.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from kpi.text import escape_markdown
from ui.sign_in_rules import cookie_secret_problem, plain_address, refusal

_LOG = logging.getLogger(__name__)


def _secrets() -> Mapping:
    try:
        return st.secrets
    except Exception:  # no secrets.toml: local use
        return {}


def configured() -> bool:
    try:
        return "auth" in _secrets()
    except Exception:  # a secrets.toml that does not parse: treated as not configured, and said so
        return False


def secret_refused(auth: Mapping) -> str | None:
    """The one sentence shown on every page while `[auth] cookie_secret` is unsafe, or None."""
    problem = cookie_secret_problem(auth)
    if problem is None:
        return None
    return (f"Sign-in is closed until `[auth] cookie_secret` in secrets.toml is a long random value ({problem}): "
            "ask this workbench's administrator.")


APP_PAGES = Path(__file__).resolve().parents[1] / "app_pages"


def _only(draw) -> None:
    """Draw `draw` as the app's one, hidden page and stop: a session that was signed in a moment
    ago loses its page list too (the browser keeps the last navigation it was sent)."""
    paths = sorted(page.stem for page in APP_PAGES.glob("*.py"))  # a link to any page lands here, not on
    # Streamlit's "Page not found" dialog, which would cover the page (and its Sign out button)
    st.navigation([st.Page(draw, title="KPI workbench", url_path="sign-in", default=True)]
                  + [st.Page(draw, title="KPI workbench", url_path=path) for path in paths],
                  position="hidden").run()
    st.stop()


def gate() -> str | None:
    """The signed-in user's e-mail (None for local use without sign-in). Draws the sign-in or
    refusal page and stops the script for anyone not allowed in. Runs on every rerun of every
    session, so a change of the allow-list applies at each user's next click."""
    if not configured():
        return None
    secrets = _secrets()
    closed = secret_refused(secrets.get("auth") or {})
    if closed:  # before st.user: a cookie signed with a guessable secret proves nothing
        _LOG.error("sign-in closed: [auth] cookie_secret is unsafe")
        st.error(closed, icon=":material/lock:")
        st.stop()
    if not st.user.is_logged_in:
        st.title("KPI workbench")
        st.text("Sign in with your company account to open your workspaces.")
        st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)
        st.stop()
    refused = refusal(st.user.to_dict(), secrets.get("access") or {})
    if refused is not None:
        def access_refused() -> None:
            st.title("Access refused")
            st.text(refused.sentence)
            st.button("Sign out", on_click=st.logout)

        _only(access_refused)
    email = str(plain_address(st.user.get("email")))
    with st.sidebar:
        st.caption(escape_markdown(f"Signed in as {email}"))
        st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign_out")
    return email
