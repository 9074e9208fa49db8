"""Sign-in for a hosted app: Streamlit's native OIDC (`st.login`), an allow-list, and who owns what.

Configured by an `[auth]` section in `.streamlit/secrets.toml` (redirect_uri, cookie_secret,
client_id, client_secret, server_metadata_url) and an allow-list:

    [access]
    emails = ["founder@acme.io"]
    domains = ["acme.io"]

Without `[auth]`, the app is for local use: no sign-in, and workspaces have no owner. With it,
nobody gets past the sign-in page, an address outside the allow-list is refused (an empty
allow-list refuses everyone: a hosted app never opens to the whole internet by mistake), and
every workspace belongs to the signed-in e-mail address.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from kpi.text import escape_markdown


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


def allowed(email: str, access: Mapping) -> bool:
    """On the allow-list: the exact address, or an address at one of the listed domains."""
    email = email.strip().lower()
    emails = {e.strip().lower() for e in access.get("emails", [])}
    domains = {d.strip().lower().lstrip("@") for d in access.get("domains", [])}
    return email in emails or ("@" in email and email.rsplit("@", 1)[1] in domains)


def gate() -> str | None:
    """The signed-in user's e-mail (None for local use without sign-in). Draws the sign-in or
    refusal page and stops the script for anyone not allowed in."""
    if not configured():
        return None
    if not st.user.is_logged_in:
        st.title("KPI workbench")
        st.text("Sign in with your company account to open your workspaces.")
        st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)
        st.stop()
    email = str(st.user.get("email") or "").strip().lower()
    if not email or not allowed(email, _secrets().get("access", {})):
        st.title("Access refused")
        st.text(f"{email or 'This account'} is not on this workbench's allow-list. Ask its administrator to "
                "add your address or your company's domain.")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    with st.sidebar:
        st.caption(escape_markdown(f"Signed in as {email}"))
        st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign_out")
    return email
