"""End to end: Cash & runway on the demo company in headless Chromium — the cards as a founder reads
them, the runway sentence, the cash chart, plan vs actual, the forecast drawn as one, and the
Overview's cash cards."""

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


def open_page(server, page, path: str, title: str):
    page.goto(f"{server}/{path}")
    page.get_by_role("heading", name=title, level=1).wait_for(timeout=60_000)
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    wait_for_app_run(page)


def card(page, label: str):
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))


def test_cards_runway_sentence_and_charts_read_the_engines_numbers(server, page, report):
    open_page(server, page, "cash", "Cash & runway")
    finance = report.finance
    expect(card(page, "Cash").get_by_test_id("stMetricValue")).to_have_text(
        fmt.money(finance.value("cash"), report.currency), timeout=30_000)
    expect(card(page, "Runway").get_by_test_id("stMetricValue")).to_have_text(
        f"{finance.value('runway_months'):.1f} mo")
    expect(card(page, "Burn multiple").get_by_test_id("stMetricValue")).to_have_text(
        fmt.ratio(finance.value("burn_multiple")))
    zero = finance.cash_zero_month.strftime("%B %Y")
    expect(page.get_by_text(f"cash runs out in {zero}", exact=False).first).to_be_visible()
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts).to_have_count(3, timeout=60_000)  # cash and burn, plan against actual, forecast
    expect(page.get_by_text("Forecast (median)").first).to_be_visible(timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
    page.wait_for_timeout(1500)  # let the charts finish their first paint
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "cash_and_runway.png"), full_page=True)


def test_plan_table_names_what_was_missed(server, page, report):
    open_page(server, page, "cash", "Cash & runway")
    table = page.get_by_test_id("stDataFrame").filter(has_text="Attainment")
    expect(table).to_be_visible(timeout=60_000)
    missed = sorted(report.plan.missed().index)
    assert "customers" in missed  # the demo's budget planned 617 paying customers for October


def test_runway_formula_popover_shows_the_months_numbers(server, page, report):
    open_page(server, page, "cash", "Cash & runway")
    column = page.get_by_test_id("stColumn").filter(has=card(page, "Runway")).last  # the card's own column
    column.get_by_role("button", name="Formula").click()
    popover = page.get_by_test_id("stPopoverBody")
    expect(popover).to_contain_text("Cash ÷ net burn averaged over the last 3 months", timeout=30_000)
    expect(popover).to_contain_text(f"{report.finance.value('runway_months'):.1f} months")
    page.screenshot(path=str(OUTPUT / "cash_runway_formula.png"), full_page=False)


def test_overview_shows_cash_runway_and_burn_multiple(server, page, report):
    open_page(server, page, "", "Overview")
    expect(card(page, "Cash").get_by_test_id("stMetricValue")).to_have_text(
        fmt.money(report.finance.value("cash"), report.currency), timeout=60_000)
    expect(card(page, "Runway")).to_be_visible()
    expect(card(page, "Burn multiple")).to_be_visible()
