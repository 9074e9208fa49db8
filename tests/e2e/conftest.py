"""The real server in a subprocess and Debian's Chromium driven by Playwright.

On a machine without /usr/bin/chromium the end-to-end tests are skipped with a message
saying how to install it — except in CI (`CI` set), where a missing browser is a failure:
an end-to-end test must never be silently skipped there.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "tests" / "output"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]


@functools.cache
def _demo_tables_seed() -> Path:
    """A folder holding the demo's tables as the app keeps them between starts
    (`kpi.demo.cached_demo_tables`), built once per test process from the same files, the
    mapping as the store gives it back, and the same readers as the app's demo workspace."""
    from kpi.demo import cached_demo_tables, demo_files, demo_mapping
    from kpi.ingest.io import read_bytes
    from kpi.ingest.mapping import build_tables, mapping_to_json, parse_mapping
    from kpi.store.model import DEMO_NAME
    from ui.choices import Workspace

    files = {path.name: path.read_bytes() for path in demo_files()}
    mapping = parse_mapping(mapping_to_json(demo_mapping()))
    key = Workspace(DEMO_NAME, files, mapping).key
    folder = Path(tempfile.mkdtemp(prefix="kpi-demo-seed-"))
    atexit.register(shutil.rmtree, folder, True)  # removed when the test process ends
    cached_demo_tables(folder, key, lambda: build_tables(
        [sheet for name, data in files.items() for sheet in read_bytes(name, data, trusted=True)], mapping))
    return folder


def seeded_home(home: Path) -> Path:
    """`home` (created) with the demo's tables already kept in it, as after the app's first start:
    each server a test starts would otherwise read and parse the demo's files again (about 5 s of
    CPU). The app still checks the kept tables' key (files, mapping, code version) before using
    them. A test about the cold start itself uses a bare home instead."""
    home.mkdir(parents=True, exist_ok=True)
    from kpi.demo import CACHE_PREFIX

    for kept in _demo_tables_seed().glob(f"{CACHE_PREFIX}*.pickle"):
        shutil.copyfile(kept, home / kept.name)
    return home


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not answer on {url} within {timeout:.0f} s")


class Server:
    """`streamlit run app.py` on a free port with a given home (database, remembered layouts)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> str:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        OUTPUT.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "KPI_WORKBENCH_HOME": str(seeded_home(self.home))}
        env.pop("KPI_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=(OUTPUT / f"server-{port}.log").open("wb"), stderr=subprocess.STDOUT, env=env,
        )
        wait_healthy(self.url, self.process)
        return self.url

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


def wait_for_app_run(page, timeout: float = 120_000) -> None:
    """Wait until the app's script run is over (Streamlit marks its root with the run state).

    A click on a deferred download button while a rerun is in flight may hold an id the rerun
    has just revoked, and its download never starts: tests, like a person, wait for the page to
    settle first.
    """
    page.wait_for_timeout(300)  # a rerun asked for by the last action may not have started yet
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=timeout)


CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'


def wait_connected(page, timeout: float = 60_000) -> None:
    """Wait until the page's websocket is connected, reloading the page once if it is not.

    Streamlit disables every widget while its connection is down and reconnects by itself; a
    server starved of CPU by a parallel test may drop a connection for long enough that a click
    times out on a disabled button. A person reloads the page then, and so does this helper, once;
    a connection still down after that fails with the states seen (a crashed server stays down).
    """
    app = page.locator('[data-testid="stApp"]')
    try:
        page.locator(CONNECTED).wait_for(timeout=timeout)
        return
    except Exception:  # playwright's TimeoutError
        before = app.get_attribute("data-test-connection-state")
    try:
        page.reload()
        page.locator(CONNECTED).wait_for(timeout=timeout)
    except Exception as error:  # the reload refused (the server is gone) or the connection still down
        raise AssertionError(f"the page's connection is down: {before!r} for {timeout / 1000:.0f} s, then "
                             f"a reload did not connect ({type(error).__name__}: {str(error).splitlines()[0]})"
                             ) from error
    wait_for_app_run(page)


def download(page, label: str, folder: Path, attempts: int = 3) -> Path:
    """Click the download button `label` once the page is settled and save the file in `folder`.

    A click that lands while a rerun replaces the button's deferred file gives no download; a
    person clicks again, and so does this helper (at most `attempts` times).
    """
    for attempt in range(1, attempts + 1):
        wait_for_app_run(page)
        wait_connected(page)
        try:
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name=label).click()
        except Exception as error:  # playwright's TimeoutError: no download started
            if attempt == attempts:
                state = page.locator('[data-testid="stApp"]').get_attribute("data-test-connection-state")
                raise AssertionError(f"no download from {label!r} after {attempts} clicks "
                                     f"(the page's connection: {state!r})") from error
            continue
        path = folder / info.value.suggested_filename
        info.value.save_as(path)
        return path
    raise AssertionError("unreachable")


@pytest.fixture
def restartable_server(tmp_path):
    server = Server(tmp_path / "home")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app as a user starts it (`streamlit run app.py`), on a free loopback port, with its
    remembered layouts in a temporary home."""
    port = free_port()
    env = {**os.environ, "KPI_WORKBENCH_HOME": str(seeded_home(tmp_path_factory.mktemp("home")))}
    url = f"http://127.0.0.1:{port}"
    log = (OUTPUT / "server.log")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, env=env,
        )
        try:
            wait_healthy(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def need_chromium() -> None:
    """Skip without /usr/bin/chromium, with how to install it; in CI (`CI` set) fail instead."""
    if not CHROMIUM.exists():
        message = "end-to-end tests need Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def playwright():
    """Playwright's sync API, started once per test process (it cannot be started twice at once)."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def returning_browser(playwright, tmp_path_factory):
    """One Chromium with one profile for the tests' `page`: a tab per test, in a browser that keeps
    Streamlit's scripts in its cache, compiled, as a returning user's does. A fresh context
    (`browser.new_context()`) fetches and compiles them again on every page load: about 4.7 s of
    Chromium's CPU per load against 2.8 s here. Tests that need their own cookies (sign-in, guests)
    or settings (dark theme) make their own context from `browser`."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path_factory.mktemp("chromium-profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
        headless=True, viewport={"width": 1440, "height": 1500}, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def page(returning_browser):
    """A new tab (its own Streamlit session); the cookies and local storage a test leaves are
    cleared after it, so the next test starts as a new visitor with a warm cache."""
    page = returning_browser.new_page()
    yield page
    for tab in returning_browser.pages:  # the test's tab and any it opened
        try:
            tab.evaluate("() => { try { localStorage.clear(); } catch (e) {} }")
        except Exception:  # a tab on about:blank or already closing
            pass
        tab.close()
    returning_browser.clear_cookies()
