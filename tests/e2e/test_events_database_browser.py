"""End to end: a server started with the team's events database (KPI_EVENTS_DATABASE_URL and
KPI_EVENTS_TABLE in its environment, a real SQLite file of the demo's product events); the owner
chooses it on Definitions & settings, and the Engagement page shows DAU/MAU and time to first
value counted by the database — the numbers of the events file — naming the source."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from kpi import formatting as fmt
from kpi.demo import DEMO_DIR, load_demo
from kpi.report.build import build_report
from kpi.report.segments import filter_tables
from tests.e2e.conftest import OUTPUT, wait_for_app_run

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("KPI_SHOTS", OUTPUT / "shots"))  # screenshots stay out of the repository


@pytest.fixture
def events_server(restartable_server, tmp_path, monkeypatch):
    """The app with the demo's events in a SQLite database configured in its environment."""
    with sqlite3.connect(tmp_path / "warehouse.db") as conn:
        pd.read_csv(DEMO_DIR / "product_events.csv", dtype=str).to_sql("product_events", conn, index=False)
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", f"sqlite:///{tmp_path / 'warehouse.db'}")
    monkeypatch.setenv("KPI_EVENTS_TABLE", "product_events")
    return restartable_server.start()


def test_the_owner_opts_in_and_engagement_is_counted_by_the_database(events_server, page):
    report = build_report(load_demo())  # the events file's numbers
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{events_server}/settings")
    page.get_by_role("heading", name="Definitions & settings", level=1).wait_for(timeout=60_000)
    wait_for_app_run(page)
    choice = page.get_by_text("Counted by the team's events database (table product_events of sqlite:")
    choice.scroll_into_view_if_needed()
    choice.click()
    page.get_by_role("button", name="Apply to every page").click()
    wait_for_app_run(page)
    picked = page.get_by_role("radio", name="Counted by the team's events database", exact=False)
    expect(picked).to_be_checked(timeout=30_000)
    page.get_by_text("Product events of this workspace").scroll_into_view_if_needed()
    wait_for_app_run(page)
    page.wait_for_timeout(1000)  # the rerun's fade-out
    page.screenshot(path=str(SHOTS / "settings-events-database.png"), full_page=False)

    page.get_by_test_id("stSidebarNav").get_by_text("Engagement", exact=True).click()
    page.get_by_role("heading", name="Engagement", level=1).wait_for(timeout=60_000)
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    wait_for_app_run(page)
    expect(page.get_by_text("Product events counted by the team's events database: table product_events of "
                            "sqlite:", exact=False)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("aggregate rows received", exact=False)).to_be_visible()
    dau_mau = page.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(
        "DAU / MAU", exact=True))
    expect(dau_mau.get_by_test_id("stMetricValue")).to_have_text(fmt.percent(report.engagement.dau_mau))
    ttfv = page.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(
        "Time to first value", exact=True))
    expect(ttfv.get_by_test_id("stMetricValue")).to_have_text(f"{report.engagement.ttfv.median_days:.1f} days")
    assert page.get_by_test_id("stException").count() == 0
    page.get_by_test_id("stPlotlyChart").nth(1).wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # the charts' first paint
    page.screenshot(path=str(SHOTS / "engagement-events-database.png"), full_page=True)

    page.reload()  # a new session: the choice was saved with the workspace
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    wait_for_app_run(page)
    expect(page.get_by_text("Product events counted by the team's events database", exact=False)).to_be_visible(
        timeout=30_000)

    page.goto(f"{events_server}/engagement?segment=SMB")  # a segment: its customers' counts, and the page says so
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    wait_for_app_run(page)
    expect(page.get_by_text("Under the segment filter, DAU / MAU adds up the database's counts per customer",
                            exact=False)).to_be_visible(timeout=30_000)
    smb = build_report(filter_tables(load_demo(), {"segment": ["SMB"]}))
    expect(dau_mau.get_by_test_id("stMetricValue")).to_have_text(fmt.percent(smb.engagement.dau_mau))
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "engagement-events-database-smb.png"), full_page=False)


@pytest.fixture
def unreachable_server(restartable_server, monkeypatch):
    """The app with an events database that does not answer (nothing listens on port 9), its
    URL holding a password."""
    monkeypatch.setenv("KPI_EVENTS_DATABASE_URL", "postgresql+psycopg://reader:s3cret-pw@127.0.0.1:9/events")
    monkeypatch.setenv("KPI_EVENTS_TABLE", "analytics.events")
    return restartable_server.start()


def test_a_database_that_does_not_answer_is_one_sentence_and_overview_still_shows(unreachable_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{unreachable_server}/settings")
    page.get_by_role("heading", name="Definitions & settings", level=1).wait_for(timeout=60_000)
    wait_for_app_run(page)
    page.get_by_text("Counted by the team's events database (table analytics.events of postgresql").click()
    page.get_by_role("button", name="Apply to every page").click()
    wait_for_app_run(page)
    expect(page.get_by_role("radio", name="Counted by the team's events database", exact=False)).to_be_checked(
        timeout=30_000)
    option = page.get_by_text("Counted by the team's events database (table analytics.events of postgresql")
    expect(option).to_contain_text("reader:***@127.0.0.1:9/events")  # the password as ***, not markup
    assert "s3cret" not in page.content()
    option.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    option.screenshot(path=str(SHOTS / "settings-events-database-password-hidden.png"))

    page.get_by_test_id("stSidebarNav").get_by_text("Engagement", exact=True).click()
    page.get_by_role("heading", name="Engagement", level=1).wait_for(timeout=60_000)
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("The events table analytics.events of postgresql+psycopg://reader:***@127.0.0.1:9/"
                                  "events could not be read", timeout=60_000)
    wait_for_app_run(page)
    assert "s3cret" not in page.content()
    assert page.get_by_test_id("stException").count() == 0 and page.get_by_test_id("stMetric").count() == 0
    page.screenshot(path=str(SHOTS / "engagement-events-database-error.png"), full_page=False)

    page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True).click()
    page.get_by_role("heading", name="Overview", level=1).wait_for(timeout=60_000)
    wait_for_app_run(page)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=60_000)
    assert page.get_by_test_id("stMetric").count() >= 10 and page.get_by_test_id("stException").count() == 0
