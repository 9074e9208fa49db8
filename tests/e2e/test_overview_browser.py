"""End to end: the real server, the demo company, headless Chromium."""

import pytest
from playwright.sync_api import expect

from kpi.demo import load_demo
from kpi.report.build import build_report
from tests.e2e.conftest import OUTPUT, wait_for_app_run
from ui import cards

pytestmark = pytest.mark.e2e


def test_overview_cards_show_the_demo_kpis(server, page):
    page.goto(server)
    metrics = page.get_by_test_id("stMetric")
    metrics.first.wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetric]').length >= 17", timeout=60_000)
    page.get_by_test_id("stPlotlyChart").first.wait_for(timeout=60_000)
    wait_for_app_run(page)

    report = build_report(load_demo())
    expected = {cards.CARDS[key].label: cards.CARDS[key].show(report.metric(key).value, report.currency)
                for key in cards.OVERVIEW + cards.OVERVIEW_FINANCE}  # the demo has a bank export
    shown = {}
    for index in range(metrics.count()):
        metric = metrics.nth(index)
        label = metric.get_by_test_id("stMetricLabel").inner_text().strip()
        shown[label] = metric.get_by_test_id("stMetricValue").inner_text().strip()
    assert shown == expected

    OUTPUT.mkdir(parents=True, exist_ok=True)
    screenshot = OUTPUT / "overview.png"
    page.wait_for_timeout(500)  # let the chart finish its first paint
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"\nscreenshot: {screenshot}")
    assert screenshot.stat().st_size > 20_000


def test_as_of_month_from_the_link_is_applied(server, page):
    report = build_report(load_demo())
    earlier = report.as_of - 3
    page.goto(f"{server}/?as_of={earlier}")
    page.get_by_text(f"month-end snapshot of {earlier.strftime('%B %Y')}").wait_for(timeout=60_000)
    mrr = build_report(load_demo(), str(earlier)).metric("mrr")
    expected = cards.CARDS["mrr"].show(mrr.value, report.currency)
    wait_for_app_run(page)
    first_value = page.get_by_test_id("stMetric").first.get_by_test_id("stMetricValue")  # found anew at each poll
    try:
        expect(first_value).to_have_text(expected, timeout=60_000)
    except AssertionError:
        page.screenshot(path=str(OUTPUT / "as_of_link_failure.png"), full_page=True)  # what the browser showed
        raise
