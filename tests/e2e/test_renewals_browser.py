"""End to end: the renewal rate and the annual plans' anniversaries on Revenue, CS ROI on Unit economics.

Screenshots go to tests/output, or to the folder named by KPI_SCREENSHOTS."""

import os
from pathlib import Path

import pytest

from kpi import formatting as fmt
from kpi.demo import load_demo
from kpi.report.build import build_report
from tests.e2e.conftest import OUTPUT, wait_for_app_run

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("KPI_SCREENSHOTS") or OUTPUT)


@pytest.fixture(scope="module")
def report():
    return build_report(load_demo())


def cards_of(page) -> dict[str, str]:
    metrics = page.get_by_test_id("stMetric")
    return {metrics.nth(i).get_by_test_id("stMetricLabel").inner_text().strip():
            metrics.nth(i).get_by_test_id("stMetricValue").inner_text().strip() for i in range(metrics.count())}


def formula_of(page, label: str):
    """The Formula button in the column of the card `label`."""
    card = page.get_by_test_id("stMetric").filter(has_text=label)
    return page.get_by_test_id("stColumn").filter(has=card).last.get_by_role("button", name="Formula")


def test_revenue_shows_the_renewal_rate_its_formula_and_the_annual_plans(server, page, report):
    page.goto(f"{server}/revenue")
    heading = page.get_by_role("heading", name="Renewals")
    heading.wait_for(timeout=90_000)
    page.get_by_test_id("stMetric").filter(has_text="Renewal rate").wait_for(timeout=60_000)  # drawn after the heading
    wait_for_app_run(page)
    rate = report.metric("renewal_rate")
    assert cards_of(page)["Renewal rate"] == fmt.percent(rate.value)
    annual = report.revenue.annual_renewals.loc[report.as_of - 11:report.as_of]
    summary = f"{fmt.count(annual['renewed'].sum())} renewed of {fmt.count(annual['renewing'].sum())} renewing"
    page.get_by_text(summary).wait_for(timeout=30_000)
    heading.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "revenue-renewals.png"), full_page=True)

    formula_of(page, "Renewal rate").click()
    row = report.revenue.renewals.loc[report.as_of]
    formula = page.get_by_text(f"{fmt.count(row['renewed'])} renewed of {fmt.count(row['renewing'])} renewing "
                               "customers")
    formula.wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "revenue-renewal-formula.png"), full_page=False)


def test_unit_economics_shows_cs_roi_next_to_crc_with_its_formula(server, page, report):
    page.goto(f"{server}/economics")
    page.get_by_role("heading", name="Unit economics").wait_for(timeout=90_000)
    page.get_by_text("CS ROI", exact=True).first.wait_for(timeout=60_000)
    wait_for_app_run(page)
    shown = cards_of(page)
    assert shown["CS ROI"] == fmt.percent(report.unit_economics.cs_roi)
    labels = list(shown)
    assert labels.index("CS ROI") == labels.index("Retention cost (CRC)") + 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "economics-cs-roi.png"), full_page=True)
    formula_of(page, "CS ROI").click()
    page.get_by_text(f"= {fmt.percent(report.unit_economics.cs_roi)} (").wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "economics-cs-roi-formula.png"), full_page=False)
