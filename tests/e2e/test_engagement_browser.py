"""End to end: the Engagement page on the demo company in headless Chromium — the DAU/MAU card
as a person reads it, its Formula popover, and the segment tables."""

import pytest
from playwright.sync_api import expect

from kpi import formatting as fmt
from kpi.demo import load_demo
from kpi.report.build import build_report
from tests.e2e.conftest import OUTPUT, wait_for_app_run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def report():
    return build_report(load_demo())


def open_engagement(server, page):
    page.goto(f"{server}/engagement")
    page.get_by_role("heading", name="Engagement", level=1).wait_for(timeout=60_000)
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    wait_for_app_run(page)
    current = page.get_by_test_id("stSidebarNav").locator('a[aria-current="page"]').inner_text()
    assert current.endswith("Engagement"), current


def card(page, label: str):
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))


def test_dau_mau_card_reads_the_engines_value(server, page, report):
    open_engagement(server, page)
    dau_mau = card(page, "DAU / MAU")
    expect(dau_mau.get_by_test_id("stMetricValue")).to_have_text(fmt.percent(report.engagement.dau_mau),
                                                                 timeout=30_000)
    ttfv = report.engagement.ttfv
    expect(card(page, "Time to first value").get_by_test_id("stMetricValue")).to_have_text(
        f"{ttfv.median_days:.1f} days")
    assert page.get_by_test_id("stException").count() == 0
    page.get_by_test_id("stPlotlyChart").nth(1).wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # let the charts finish their first paint
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "engagement.png"), full_page=True)


def test_formula_popover_shows_this_months_dau_mau_computation(server, page, report):
    open_engagement(server, page)
    page.get_by_role("button", name="Formula").first.click()
    popover = page.get_by_test_id("stPopoverBody")
    expect(popover).to_contain_text("DAU / MAU", timeout=30_000)
    expect(popover).to_contain_text(f"{fmt.count(report.engagement.mau)} monthly users = "
                                    f"{fmt.percent(report.engagement.dau_mau)}")
    page.screenshot(path=str(OUTPUT / "engagement_formula.png"), full_page=False)


def test_segment_tables_are_drawn_with_their_plain_labels(server, page):
    open_engagement(server, page)
    page.get_by_text("Segments compared", exact=True).first.wait_for(timeout=30_000)
    tables = page.get_by_test_id("stDataFrame")
    expect(tables.first).to_be_visible(timeout=30_000)
    assert tables.count() >= 2  # segment, plan… one table per customer attribute
