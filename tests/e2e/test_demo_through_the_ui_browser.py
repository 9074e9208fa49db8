"""End to end: upload the demo company's files through the UI, map them, visit every page,
click a bridge bar and a cohort cell, and keep a screenshot of each page."""

import re
from pathlib import Path

import pytest

from kpi.demo import demo_files, load_demo
from kpi.report.build import build_report
from tests.e2e.conftest import OUTPUT, wait_for_app_run
from ui import cards

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PAGES = re.findall(r'st\.Page\("app_pages/([a-z_]+)\.py", title="([^"]+)"', (ROOT / "app.py").read_text())


def no_exception(page) -> None:
    errors = page.get_by_test_id("stException")
    assert errors.count() == 0, errors.first.inner_text()


def test_upload_map_visit_and_drill(server, page):
    page.goto(f"{server}/upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(p) for p in demo_files()])
    page.get_by_text(f"Read {len(demo_files())} of {len(demo_files())} file(s).").wait_for(timeout=120_000)
    # the demo's own files on the demo would update it by default: this test makes a workspace of them
    page.get_by_test_id("stRadio").get_by_text("Create a new workspace").click()
    page.get_by_role("button", name="Open these files as my workspace").click()
    page.get_by_role("heading", name="Map columns").wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('[data-testid=stAlertContentSuccess]').length >= 8",
                           timeout=120_000)
    no_exception(page)

    expected = build_report(load_demo())
    for slug, title in PAGES:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
        wait_for_app_run(page)
        page.wait_for_timeout(1000)  # let charts finish their first paint
        no_exception(page)
        page.screenshot(path=str(OUTPUT / f"uploaded_{slug}.png"), full_page=True)
        if slug == "overview":
            mrr = page.get_by_test_id("stMetric").first.get_by_test_id("stMetricValue").inner_text().strip()
            assert mrr == cards.CARDS["mrr"].show(expected.metric("mrr").value, expected.currency)
        if slug == "revenue":  # a bridge bar lists the customers behind it
            bar = page.get_by_test_id("stPlotlyChart").first.locator(".waterfalllayer .point").nth(5)  # churn
            box = bar.bounding_box()  # plotly's drag layer takes the click, as it does a person's
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            dialog = page.get_by_role("dialog")  # the customers behind the bar open over the chart
            dialog.get_by_test_id("stText").filter(has_text="churn:").wait_for(timeout=30_000)
            churned = int(expected.revenue.series.loc[expected.as_of, "churned_customers"])
            assert dialog.get_by_test_id("stText").first.inner_text().startswith(f"churn: {churned} customers")
            dialog.get_by_role("button", name="Close").click()
        if slug == "retention":  # a cohort cell lists its customers
            chart = page.locator(".js-plotly-plot:has(g.hm)").first
            chart.scroll_into_view_if_needed()
            box = chart.locator(".nsewdrag").first.bounding_box()
            # 36 monthly cohorts open by quarter: 13 quarterly cohorts (ages 0–12), then the Average row
            page.mouse.click(box["x"] + 3.5 * box["width"] / 13, box["y"] + 6.5 * box["height"] / 14)
            page.wait_for_function("document.querySelector('input[aria-label=Cohort]').value === '2025 Q2'",
                                   timeout=30_000)
            assert page.get_by_test_id("stText").filter(has_text="customers active").count() == 1
