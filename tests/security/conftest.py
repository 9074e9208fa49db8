"""Helpers shared by the security tests that run app.py under AppTest with sign-in configured
(test_sign_in.py, test_isolation_matrix.py): Streamlit's simulated `st.user` and secrets.

No shared browser fixture here: the Chromium checks in test_hostile_inputs.py start their own
Playwright on a thread of their own. (Re-exporting tests/e2e's session `browser` fixture here would
create a second sync Playwright in the same thread as tests/e2e's, which Playwright refuses.)"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
ALICE, BOB = "alice@acme.io", "bob@acme.io"
ACCESS = {"emails": [ALICE, BOB], "domains": []}
# the app's page registry, as app.py declares it to st.navigation
PAGES = re.findall(r'st\.Page\("(app_pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8"))


def auth_section(**changes: str) -> dict[str, str]:
    """An `[auth]` section as a team writes it, with a strong random cookie secret."""
    return {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": secrets.token_hex(32),
            "client_id": "kpi-workbench", "client_secret": secrets.token_hex(16),
            "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration", **changes}


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def everything_shown(app: AppTest) -> str:
    """The text of every element the run drew (their protobufs), sidebar included."""
    return "\n".join(str(node.proto) for node in walk(app._tree) if getattr(node, "proto", None) is not None)


def gated(page: str | None, user: dict, access: dict = ACCESS, auth: dict | None = None,
          more_secrets: dict | None = None, **query) -> AppTest:
    """app.py with sign-in configured, `user` as st.user, opened on `page` as its direct URL;
    `more_secrets` (e.g. `KPI_DATABASE_URL`) are added to st.secrets."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.secrets["auth"] = auth or auth_section()
    app.secrets["access"] = access
    for name, value in (more_secrets or {}).items():
        app.secrets[name] = value
    app.user = user
    app.query_params.update(query)
    if page:
        app.switch_page(page)  # before the first run: the page of the URL, as a browser asks for it
    app.run()
    assert not app.exception, app.exception
    return app
