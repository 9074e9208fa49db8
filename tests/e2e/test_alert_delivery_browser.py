"""End to end: a hosted team's Alert delivery — the real server on a team database
(KPI_DATABASE_URL), subscribers saved in the browser, `python -m kpi alerts --workspace` sending to a
real SMTP server and webhook receiver, and the page's "Last sent" list."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from kpi.store.workspaces import Store
from tests.e2e.conftest import OUTPUT, ROOT, free_port, seeded_home, wait_for_app_run, wait_healthy
from tests.kpi.test_cli_alerts import Inbox, Receiver

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("KPI_SHOTS_DIR") or OUTPUT / "alert-delivery")  # PNGs, out of the repo


@pytest.fixture
def team_server(tmp_path):
    """`streamlit run app.py` on a team database (a SQLite file named by KPI_DATABASE_URL), with
    SMTP configured in its environment."""
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    receiver = Receiver(200)
    port = free_port()
    env = {**os.environ, "KPI_WORKBENCH_HOME": str(seeded_home(tmp_path / "home")),
           "KPI_DATABASE_URL": f"sqlite:///{tmp_path / 'team.db'}", "KPI_SMTP_HOST": "127.0.0.1",
           "KPI_SMTP_PORT": str(smtp.port), "KPI_SMTP_FROM": "kpi@acme.io"}
    OUTPUT.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=(OUTPUT / f"server-{port}.log").open("wb"), stderr=subprocess.STDOUT, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        yield url, env, inbox, receiver
    finally:
        process.terminate()
        process.wait(timeout=10)
        smtp.stop()
        receiver.server.shutdown()


def delivery_section(page):
    heading = page.get_by_role("heading", name="Alert delivery")
    heading.wait_for(timeout=90_000)
    wait_for_app_run(page)
    heading.scroll_into_view_if_needed()
    return heading


def test_subscribers_saved_in_the_browser_receive_the_alert_once_and_the_page_lists_it(team_server, page):
    url, env, inbox, receiver = team_server
    page.goto(f"{url}/settings")
    delivery_section(page)
    page.get_by_label("Email addresses (one per line)").fill("cs@acme.io")
    page.get_by_label("Webhook URLs (one per line)").fill(receiver.url)
    page.get_by_role("button", name="Save the alert subscribers").click()
    expect(page.get_by_text("Saved: 1 email address, 1 webhook.")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("SMTP now: 127.0.0.1:")).to_be_visible()
    expect(page.get_by_text("Last sent: nothing yet.")).to_be_visible()

    with Store(env["KPI_DATABASE_URL"]) as store:
        [workspace_id] = store.workspaces_with_subscribers()
    for _ in range(2):  # the scheduler runs twice: the second run sends nothing
        done = subprocess.run([sys.executable, "-m", "kpi", "alerts", "--workspace", str(workspace_id), "--format",
                               "text"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 3, done.stderr
    assert len(inbox.messages) == 1 and len(receiver.bodies) == 1
    assert done.stdout.count("already sent") == 2

    page.reload()
    delivery_section(page)
    table = page.get_by_test_id("stDataFrame").last
    table.wait_for(timeout=60_000)
    expect(page.get_by_text("Last sent", exact=True)).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)
    shot = SHOTS / "alert-delivery.png"
    page.screenshot(path=str(shot), full_page=True)
    top = page.evaluate("() => [...document.querySelectorAll('h3')].find(h => h.innerText.includes('Alert "
                        "delivery')).getBoundingClientRect().top + window.scrollY")
    page.screenshot(path=str(SHOTS / "alert-delivery-section.png"), full_page=True,
                    clip={"x": 0, "y": max(top - 20, 0), "width": 1440, "height": 820})
    print(f"\nscreenshots: {shot}")
    assert shot.stat().st_size > 20_000
