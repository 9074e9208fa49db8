"""End to end: the MRR per customer and month is written when its button is clicked (a callable
given to `st.download_button`), and the file the browser saves is the report's, byte for byte,
on Revenue and on Definitions & settings."""

import os
from pathlib import Path

import pytest

from kpi.demo import load_demo
from kpi.report.build import build_report
from tests.e2e.conftest import OUTPUT, download, wait_for_app_run
from ui.data import mrr_csv

pytestmark = pytest.mark.e2e
LABEL = "Download MRR per customer and month (CSV)"
SHOTS = Path(os.environ.get("KPI_SHOTS", OUTPUT))  # where the screenshots go (tests/output by default)


@pytest.mark.parametrize("slug", ["revenue", "settings"])
def test_the_mrr_csv_made_on_click_is_the_reports(server, page, tmp_path, slug):
    page.goto(f"{server}/{slug}")
    page.get_by_role("button", name=LABEL).wait_for(timeout=90_000)
    wait_for_app_run(page)
    report = build_report(load_demo())
    saved = download(page, LABEL, tmp_path)
    assert saved.name == f"mrr_by_customer_{report.as_of}.csv"
    assert saved.read_bytes() == mrr_csv(report)

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("button", name=LABEL).scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the charts' first paint
    shot = SHOTS / f"mrr_csv_{slug}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
