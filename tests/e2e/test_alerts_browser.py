"""End to end in Chromium: the demo's May 2026 spike — Overview's alert banner, a click through to
the Alerts page, and a click on a customer behind the churn spike that opens its story.

One server for the module, with its own home. Screenshots go to tests/output/ (alerts_*.png), or to
the folder named by ALERTS_SHOTS."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from kpi.demo import load_demo
from kpi.report.alerts import evaluate_alerts
from kpi.report.build import build_report
from tests.e2e.conftest import OUTPUT, Server, wait_for_app_run

pytestmark = pytest.mark.e2e
WAIT = 60_000
SPIKE = pd.Period("2026-05", freq="M")
SHOTS = Path(os.environ.get("ALERTS_SHOTS") or OUTPUT)


@pytest.fixture(scope="module")
def alerts_server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("alerts_home"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def alerts():
    return evaluate_alerts(build_report(load_demo()), SPIKE)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let the charts finish their first paint
    page.screenshot(path=str(SHOTS / f"alerts_{name}.png"), full_page=True)


def click_first_link(page, table) -> None:
    """Click the first row's Customer cell (the grid draws on a canvas: a click where a person clicks)."""
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    header = row = 35  # Streamlit's default header and row heights
    x, y = box["x"] + 40, box["y"] + header + row / 2
    page.mouse.move(x, y)  # the grid underlines the link under the pointer first, as for a person
    page.wait_for_timeout(500)
    page.mouse.click(x, y)


def test_the_spike_shows_a_banner_that_leads_to_the_customers(alerts_server, page, alerts):
    spike = next(a for a in alerts if a.customers)
    page.goto(f"{alerts_server}/?as_of={SPIKE}")
    banner = page.get_by_test_id("stAlertContentWarning").filter(has_text="alerts in May 2026")
    expect(banner).to_be_visible(timeout=WAIT)
    expect(banner).to_contain_text(f"{len(alerts)} alerts in May 2026: logo churn spike")
    wait_for_app_run(page)
    shot(page, "overview_banner")

    page.get_by_role("link", name="See the alerts and the customers behind them").click()
    page.get_by_role("heading", name="Alerts", exact=True).wait_for(timeout=WAIT)
    page.get_by_role("heading", name="May 2026").wait_for(timeout=WAIT)
    grids = page.get_by_test_id("stDataFrame")
    expect(grids).to_have_count(3, timeout=WAIT)  # the two churn spikes' customers, the 12 months
    wait_for_app_run(page)
    first = grids.first
    expect(first.locator("[role=gridcell]").first).to_be_attached(timeout=WAIT)
    link = first.locator("[role=gridcell]").first.inner_text()  # the grid's accessible copy holds the link itself
    assert link.startswith("customers?") and f"customer={spike.customers[0].customer_id}&" in link
    shot(page, "page")
    history = page.get_by_role("heading", name="The last 12 months")
    history.scroll_into_view_if_needed()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(1, timeout=WAIT)  # alerts per month
    shot(page, "history")

    with page.context.expect_page(timeout=WAIT) as opened:
        click_first_link(page, first)
    story = opened.value
    story.get_by_role("heading", name="One customer").wait_for(timeout=WAIT)
    wait_for_app_run(story)
    customer = spike.customers[0]
    expect(story.get_by_role("combobox", name="Customer")).to_have_value(f"{customer.name} · {customer.customer_id}",
                                                                         timeout=WAIT)
    assert f"customer={customer.customer_id}" in story.url and f"as_of={SPIKE}" in story.url
    story.get_by_test_id("stPlotlyChart").first.wait_for(timeout=WAIT)  # the customer's MRR timeline
    shot(story, "customer_story")
