"""End to end, hosted for a team: a real OpenID Connect provider on loopback, Streamlit's own
`st.login`, the allow-list and the owner checks of the store, driven in Chromium.

The provider is `oidc-provider-mock` (a real OIDC server: discovery, authorization form,
tokens signed with its own key, userinfo, end-session), started in a subprocess on a free
loopback port. The app is started exactly as in production (`streamlit run app.py`), with
`ui/auth.py` unchanged; only its secrets come from a temporary file given with Streamlit's
`--secrets.files` option, so nothing is written into the project's own `.streamlit/`.

Alice and Bob are on the allow-list, Carol is not. Each signs in in their own browser
context (their own cookies), by typing their address on the provider's authorization form.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from kpi.store.workspaces import Store
from tests.e2e.conftest import OUTPUT, ROOT, download, free_port, seeded_home, wait_for_app_run, wait_healthy

pytestmark = pytest.mark.e2e

FRENCH = ROOT / "tests" / "fixtures" / "app" / "abonnements_fr.csv"
ALICE, BOB, CAROL = "alice@acme.io", "bob@acme.io", "carol@elsewhere.example"
DEMO = "Plumeo (demo company)"
WAIT = 60_000


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def provider():
    """oidc-provider-mock on a free loopback port; any client id and secret are accepted and the
    subject typed on its form becomes the `email` claim."""
    if importlib.util.find_spec("oidc_provider_mock") is None:
        message = "the sign-in test needs oidc-provider-mock (pip install -r requirements-dev.txt)"
        if os.environ.get("CI"):
            pytest.fail(message)  # never silently skipped in CI
        pytest.skip(message)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    log = (OUTPUT / f"oidc-provider-{port}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"oidc-provider-mock exited with status {process.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("oidc-provider-mock did not start within 30 s") from None
                time.sleep(0.2)
        yield url
    finally:
        _stop(process)
        log.close()


@pytest.fixture(scope="module")
def hosted(provider, tmp_path_factory):
    """The app as a team hosts it: `[auth]` pointing at the provider, an allow-list, its own
    database; started with `streamlit run app.py` on a free loopback port."""
    base = tmp_path_factory.mktemp("hosted")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    secrets_file = base / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "kpi-workbench"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        "\n[access]\n"
        f'emails = ["{ALICE}", "{BOB}"]\n',
        encoding="utf-8",
    )
    env = {**os.environ, "KPI_WORKBENCH_HOME": str(seeded_home(base / "home"))}
    env.pop("KPI_DATABASE_URL", None)
    log = (OUTPUT / f"server-oidc-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--secrets.files", str(secrets_file)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    try:
        wait_healthy(url, process)
        yield Hosted(url, base / "home", secrets_file)
    finally:
        _stop(process)
        log.close()


@dataclass(frozen=True)
class Hosted:
    url: str
    home: Path  # its database: home / "workbench.db"
    secrets_file: Path | None = None  # the file given with --secrets.files (Streamlit reloads it when it changes)

    def store(self) -> Store:
        return Store(f"sqlite:///{self.home / 'workbench.db'}")


# ── what a person does ─────────────────────────────────────────────────────────────────────


def provider_claims(provider: str, subject: str, claims: dict) -> None:
    """What the provider puts in the ID token of `subject` from now on (its `PUT /users/<sub>`)."""
    request = urllib.request.Request(f"{provider}/users/{subject}", data=json.dumps(claims).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 204


def sign_in(page, app: str, email: str, path: str = "", claims: dict | None = None) -> None:
    """Open the app, press "Sign in", type the address on the provider's form, come back.

    The provider vouches for the address (`email_verified: true`, as Google or Entra do) unless
    `claims` says otherwise."""
    page.goto(f"{app}/{path}")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_placeholder("sub").wait_for(timeout=WAIT)  # the provider's authorization form
    assert urlparse(page.url).path == "/oauth2/authorize"
    origin = urlparse(page.url)
    provider_claims(f"{origin.scheme}://{origin.netloc}", email,
                    {"email": email, "email_verified": True} if claims is None else claims)
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(app)), timeout=WAIT)


def signed_in(page, email: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {email}").wait_for(timeout=WAIT)


def sidebar_workspace(page) -> str:
    """The name of the workspace the sidebar shows (the bold line under "Workspace")."""
    sidebar = page.get_by_test_id("stSidebarUserContent")
    sidebar.get_by_text("Workspace", exact=True).wait_for(timeout=WAIT)
    return sidebar.get_by_test_id("stMarkdownContainer").locator("strong").first.inner_text()


def linked_workspace(page) -> str | None:
    return parse_qs(urlparse(page.url).query).get("ws", [None])[0]


def workspace_options(page) -> list[str]:
    """The choices of "Open a workspace" on the Workspaces page."""
    page.get_by_role("heading", name="Workspaces").wait_for(timeout=WAIT)
    page.get_by_role("combobox", name="Open a workspace").click()
    page.get_by_role("option").first.wait_for(timeout=WAIT)
    names = [option.inner_text().strip() for option in page.get_by_role("option").all()]
    page.keyboard.press("Escape")
    return names


def go_to(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()


def own_workspaces_page(page, app: str, email: str) -> str:
    """Sign `email` in, open Workspaces (where the owner's share form is) and return the id of
    the workspace the link names."""
    sign_in(page, app, email, "workspaces")
    signed_in(page, email)
    page.goto(f"{app}/workspaces")
    signed_in(page, email)
    page.get_by_label("Share with (e-mail)").wait_for(timeout=WAIT)
    return linked_workspace(page)


def sign_out(page, app: str) -> None:
    """Sign out in the sidebar; the provider's end-session page confirms, then the app shows
    its sign-in page again."""
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").wait_for(timeout=WAIT)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(re.compile(re.escape(app)), timeout=WAIT)
    page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT)


# ── the test ───────────────────────────────────────────────────────────────────────────────


def test_two_users_signed_in_see_only_their_own_workspaces_until_one_shares(hosted, browser, tmp_path):
    server, hosted = hosted, hosted.url
    contexts = [browser.new_context(viewport={"width": 1440, "height": 1500}) for _ in range(3)]
    alice, bob, carol = (context.new_page() for context in contexts)
    try:
        # nobody gets past the sign-in page, whatever the link asks for
        alice.goto(f"{hosted}/workspaces?ws=1")
        alice.get_by_role("button", name="Sign in").wait_for(timeout=WAIT)
        assert alice.get_by_test_id("stSidebarNav").count() == 0

        # Alice signs in and uploads her file as a named workspace
        sign_in(alice, hosted, ALICE, "upload")
        signed_in(alice, ALICE)
        alice.goto(f"{hosted}/upload")
        alice.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(FRENCH)])
        alice.get_by_text("Read 1 of 1 file(s).").wait_for(timeout=WAIT)
        alice.get_by_label("Workspace name").fill("Alice's subscriptions")
        alice.get_by_label("Workspace name").press("Enter")
        alice.get_by_role("button", name="Open these files as my workspace").click()
        alice.get_by_role("heading", name="Map columns").wait_for(timeout=WAIT)
        alice.wait_for_function("() => new URL(location.href).searchParams.get('ws')", timeout=WAIT)
        alice_ws = linked_workspace(alice)
        assert alice_ws and alice_ws.isdigit()
        assert sidebar_workspace(alice) == "Alice's subscriptions"
        go_to(alice, "Workspaces")
        assert workspace_options(alice) == ["Alice's subscriptions", DEMO]
        alice.screenshot(path=str(OUTPUT / "oidc_alice_workspaces.png"), full_page=True)

        # Bob signs in in his own browser context: only his own (demo) workspace
        sign_in(bob, hosted, BOB, "workspaces")
        signed_in(bob, BOB)
        bob.goto(f"{hosted}/workspaces")
        signed_in(bob, BOB)
        assert workspace_options(bob) == [DEMO]
        bob_ws = linked_workspace(bob)
        assert bob_ws != alice_ws

        # Alice's link does not open Alice's workspace for Bob: he lands on his own
        bob.goto(f"{hosted}/?ws={alice_ws}")
        signed_in(bob, BOB)
        assert sidebar_workspace(bob) == DEMO
        bob.wait_for_function(f"() => new URL(location.href).searchParams.get('ws') !== '{alice_ws}'", timeout=WAIT)
        assert linked_workspace(bob) != alice_ws
        assert bob.get_by_text("Alice's subscriptions").count() == 0
        go_to(bob, "Workspaces")
        assert workspace_options(bob) == [DEMO]
        bob.screenshot(path=str(OUTPUT / "oidc_bob_refused_link.png"), full_page=True)

        # Alice shares her workspace with Bob
        alice.get_by_label("Share with (e-mail)").fill(BOB)
        alice.get_by_label("Share with (e-mail)").press("Enter")
        alice.get_by_role("button", name="Share", exact=True).click()
        alice.get_by_text(BOB, exact=True).wait_for(timeout=WAIT)

        # now the same link opens it for Bob
        bob.goto(f"{hosted}/?ws={alice_ws}")
        signed_in(bob, BOB)
        bob.get_by_test_id("stSidebarUserContent").get_by_text("Alice's subscriptions").wait_for(timeout=WAIT)
        assert sidebar_workspace(bob) == "Alice's subscriptions"
        assert linked_workspace(bob) == alice_ws
        go_to(bob, "Workspaces")
        assert workspace_options(bob) == ["Alice's subscriptions", DEMO]
        bob.screenshot(path=str(OUTPUT / "oidc_bob_shared.png"), full_page=True)

        # the zip Bob exports is logged under his name (it is made on click, outside his script run)
        download(bob, "Export this workspace (zip)", tmp_path)
        with server.store() as store:
            exports = [e for e in store.audit_log(int(alice_ws), by=ALICE) if e.action == "export"]
        assert [e.who for e in exports] == [BOB]

        # Carol is not on the allow-list: refused, whatever she asks for
        sign_in(carol, hosted, CAROL, f"?ws={alice_ws}")
        carol.get_by_role("heading", name="Access refused").wait_for(timeout=WAIT)
        carol.get_by_text(f"{CAROL} is not on this workbench's allow-list").wait_for(timeout=WAIT)
        assert carol.get_by_test_id("stSidebarNav").count() == 0
        assert carol.get_by_text("Alice's subscriptions").count() == 0
        carol.goto(f"{hosted}/workspaces?ws={alice_ws}")
        carol.get_by_role("heading", name="Access refused").wait_for(timeout=WAIT)
        assert carol.get_by_text("Alice's subscriptions").count() == 0
        carol.screenshot(path=str(OUTPUT / "oidc_carol_refused.png"), full_page=True)
        sign_out(carol, hosted)

        # signing out ends the session: the link shows the sign-in page again
        sign_out(bob, hosted)
        bob.goto(f"{hosted}/?ws={alice_ws}")
        bob.get_by_role("button", name="Sign in").wait_for(timeout=WAIT)
        assert bob.get_by_text("Alice's subscriptions").count() == 0
        assert bob.get_by_test_id("stSidebarNav").count() == 0
    finally:
        for context in contexts:
            context.close()


def test_a_guest_who_duplicates_a_shared_workspace_gets_a_copy_he_can_open(hosted, browser):
    """Bob is Alice's guest on "Pricing study"; he duplicates it to try something of his own.
    The copy must be his (he can open it, it is in his list), and Alice's stays hers."""
    with hosted.store() as store:
        shared = store.create_workspace("Pricing study", owner=ALICE, files={FRENCH.name: FRENCH.read_bytes()})
        store.share(shared, BOB, by=ALICE)
    context = browser.new_context(viewport={"width": 1440, "height": 1500})
    bob = context.new_page()
    try:
        sign_in(bob, hosted.url, BOB)
        signed_in(bob, BOB)
        bob.goto(f"{hosted.url}/workspaces?ws={shared}")
        bob.get_by_text("“Pricing study”").wait_for(timeout=WAIT)
        # a guest works in it, but renaming, deleting and sharing it are Alice's
        bob.get_by_text(f"Shared with you by {ALICE}").wait_for(timeout=WAIT)
        assert bob.get_by_role("button", name="Delete…").is_disabled()
        assert bob.get_by_role("button", name="Rename").is_disabled()
        assert bob.get_by_label("Share with (e-mail)").count() == 0
        bob.get_by_role("button", name="Duplicate").click()
        bob.wait_for_timeout(3000)
        assert bob.get_by_test_id("stException").count() == 0, bob.get_by_test_id("stException").first.inner_text()
        bob.get_by_text("“Pricing study (copy)”").wait_for(timeout=WAIT)
        assert sidebar_workspace(bob) == "Pricing study (copy)"
        wait_for_app_run(bob)
        bob.get_by_label("Share with (e-mail)").wait_for(timeout=WAIT)  # drawn once the copy's page has run
        assert bob.get_by_role("button", name="Delete…").is_enabled()  # his copy is his
        assert bob.get_by_label("Share with (e-mail)").count() == 1
    finally:
        context.close()
    with hosted.store() as store:
        mine = {w.name: w.owner for w in store.list_workspaces(BOB)}
        assert mine.get("Pricing study (copy)") == BOB
        assert store.load(shared, by=ALICE).owner == ALICE


# ── refusals that need a real cookie or a real provider (docs/security.md, "Sign-in") ─────────

SHOTS = Path(os.environ.get("KPI_SHOTS", OUTPUT))  # where the refusals' screenshots go


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def user_cookie(url: str, claims: dict, secret: str) -> str:
    """Streamlit's `_streamlit_user` cookie for `claims`, signed as its server signs it (itsdangerous,
    salted with the cookie's name) with `secret`."""
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    payload = json.dumps({**claims, "origin": url, "is_logged_in": True, "provider": "default"})
    return create_signed_value(secret, "_streamlit_user", payload).decode()


def who_is_it(browser, url: str, cookie: str, name: str) -> str:
    """Open the Overview in a fresh browser whose only cookie is `cookie`: "signed out" (the sign-in
    page, no navigation) or the address the sidebar says is signed in."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    host = urlparse(url)
    context.add_cookies([{"name": "_streamlit_user", "value": cookie, "domain": host.hostname, "path": "/",
                          "httpOnly": True, "sameSite": "Lax"}])
    page = context.new_page()
    try:
        page.goto(f"{url}/overview")
        page.get_by_role("button", name="Sign in").or_(page.get_by_text("Signed in as")).first.wait_for(timeout=WAIT)
        shot(page, name)
        if page.get_by_role("button", name="Sign in").count():
            assert page.get_by_test_id("stSidebarNav").count() == 0 and page.get_by_test_id("stMetric").count() == 0
            return "signed out"
        return page.get_by_text("Signed in as").inner_text().removeprefix("Signed in as ").replace("\\", "")
    finally:
        context.close()


def test_a_cookie_signed_with_another_secret_is_signed_out(hosted, browser):
    import tomllib

    real = tomllib.loads(hosted.secrets_file.read_text(encoding="utf-8"))["auth"]["cookie_secret"]
    alice = {"email": ALICE, "email_verified": True}
    assert who_is_it(browser, hosted.url, user_cookie(hosted.url, alice, real), "cookie_real_secret.png") == ALICE
    forged = user_cookie(hosted.url, alice, secrets.token_hex(32))
    assert who_is_it(browser, hosted.url, forged, "cookie_other_secret.png") == "signed out"


def test_a_tampered_cookie_is_signed_out(hosted, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, hosted.url, ALICE)
        signed_in(page, ALICE)
        cookie = next(c["value"] for c in context.cookies() if c["name"] == "_streamlit_user")
    finally:
        context.close()
    assert who_is_it(browser, hosted.url, cookie, "cookie_untouched.png") == ALICE  # the control: it travels
    payload, timestamp, signature = cookie.rsplit(".", 2)  # a compressed payload starts with "."
    middle = len(payload) // 2
    flipped = payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1:]
    assert who_is_it(browser, hosted.url, ".".join([flipped, timestamp, signature]), "cookie_tampered.png") \
        == "signed out"


@pytest.mark.parametrize("verified", [False, None], ids=["email_verified false", "email_verified missing"])
def test_an_address_the_provider_has_not_verified_is_refused(hosted, browser, verified):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    claims = {"email": ALICE} if verified is None else {"email": ALICE, "email_verified": verified}
    try:
        sign_in(page, hosted.url, ALICE, "overview", claims=claims)
        page.get_by_role("heading", name="Access refused").wait_for(timeout=WAIT)
        page.get_by_text(f"Your provider has not verified this address ({ALICE}).").wait_for(timeout=WAIT)
        assert page.get_by_test_id("stSidebarNav").count() == 0 and page.get_by_test_id("stMetric").count() == 0
        shot(page, f"unverified_{'false' if verified is False else 'missing'}.png")
    finally:
        context.close()


def test_a_user_removed_from_the_allow_list_is_refused_at_the_next_click_in_every_open_session(hosted, browser):
    """Alice and Bob have the app open; the administrator removes Bob from secrets.toml. Streamlit
    reloads the file; Bob's next click is refused; Alice carries on. (Several sessions of one
    user: tests/security/test_sign_in.py.)"""
    listed = hosted.secrets_file.read_text(encoding="utf-8")
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    alice, bob = (context.new_page() for context in contexts)
    try:
        for page, who in [(alice, ALICE), (bob, BOB)]:
            sign_in(page, hosted.url, who, "overview")
            signed_in(page, who)
        hosted.secrets_file.write_text(listed.replace(f'emails = ["{ALICE}", "{BOB}"]', f'emails = ["{ALICE}"]'),
                                       encoding="utf-8")
        assert BOB not in hosted.secrets_file.read_text(encoding="utf-8")
        time.sleep(2)  # Streamlit polls the secrets file (every 0.2 s) and reloads it
        shot(bob, "removed_before_click.png")
        go_to(bob, "Revenue")
        bob.get_by_role("heading", name="Access refused").wait_for(timeout=WAIT)
        bob.get_by_text(f"{BOB} is not on this workbench's allow-list").wait_for(timeout=WAIT)
        assert bob.get_by_test_id("stSidebarNav").count() == 0 and bob.get_by_test_id("stMetric").count() == 0
        shot(bob, "removed_from_allow_list.png")
        go_to(alice, "Revenue")
        alice.get_by_role("heading", name="Revenue").first.wait_for(timeout=WAIT)
        signed_in(alice, ALICE)
    finally:
        hosted.secrets_file.write_text(listed, encoding="utf-8")
        time.sleep(2)
        for context in contexts:
            context.close()
