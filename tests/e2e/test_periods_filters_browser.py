"""End to end: a quarter's cards on Overview and a segment filter with its cost rule, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from kpi.demo import load_demo
from kpi.report.build import build_report, filter_tables
from kpi.report.periods import period_metric
from tests.e2e.conftest import OUTPUT, wait_for_app_run
from ui import cards

pytestmark = pytest.mark.e2e


def shown_cards(page) -> dict[str, str]:
    metrics = page.get_by_test_id("stMetric")
    return {metrics.nth(i).get_by_test_id("stMetricLabel").inner_text().strip():
            metrics.nth(i).get_by_test_id("stMetricValue").inner_text().strip() for i in range(metrics.count())}


def test_a_whole_quarter_and_a_quarter_to_date_on_overview(server, page):
    tables = load_demo()
    page.goto(f"{server}/?as_of=2026-09&granularity=quarter")
    page.get_by_text(re.compile(r"· Q3 2026, compared with Q2 2026")).wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetric]').length >= 17", timeout=60_000)
    wait_for_app_run(page)
    report = build_report(tables, "2026-09")
    shown_keys = cards.OVERVIEW + cards.OVERVIEW_FINANCE  # the demo has a bank export
    expected = {cards.label(key, "quarter"): cards.CARDS[key].show(period_metric(report, key, "quarter").value,
                                                                   report.currency) for key in shown_keys}
    assert shown_cards(page) == expected
    page.screenshot(path=str(OUTPUT / "overview_quarter.png"), full_page=True)

    page.get_by_test_id("stSidebar").get_by_role("radio", name="Year").click()  # 2026 to date: January–September
    expect(page.get_by_text(re.compile(r"2026 to date \(January–September\), compared with 2025 to date"))
           ).to_be_visible(timeout=60_000)
    expect(page.get_by_text("is a partial year: 9 of its months so far")).to_be_visible(timeout=60_000)
    wait_for_app_run(page)
    churn = period_metric(report, "logo_churn_rate", "year")
    shown = shown_cards(page)
    assert shown["Logo churn"] == cards.CARDS["logo_churn_rate"].show(churn.value, report.currency)
    page.screenshot(path=str(OUTPUT / "overview_year_to_date.png"), full_page=True)


def test_a_segment_filter_says_how_costs_are_charged(server, page):
    tables = load_demo()
    company = build_report(tables)
    smb = build_report(filter_tables(tables, {"segment": ["SMB"]}), company=company.revenue.series)
    page.goto(f"{server}/economics?segment=SMB")
    page.get_by_role("heading", name="Unit economics").wait_for(timeout=60_000)
    expect(page.get_by_text(re.compile(r"Segment filter: company-wide costs allocated to the segment by its share "
                                       r"of MRR \(October 2026: \d+\.\d%\)"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile(r"filtered: segment: SMB"))).to_be_visible()
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetric]').length >= 6", timeout=60_000)
    wait_for_app_run(page)
    page.screenshot(path=str(OUTPUT / "economics_smb.png"), full_page=True)
    shown = shown_cards(page)
    assert shown.get("LTV : CAC") == cards.CARDS["ltv_cac"].show(smb.unit_economics.ltv_cac, None), shown
