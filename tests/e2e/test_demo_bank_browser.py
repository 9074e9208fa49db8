"""End to end: the demo's bank export and 2026 budget, on a fresh server's demo workspace, are
read as a cash table and a wide plan with every row used, and Map columns shows their columns."""

import os
from pathlib import Path

import pytest

from kpi.demo import DEMO_DIR, load_demo
from tests.e2e.conftest import OUTPUT, Server, wait_for_app_run

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("KPI_SCREENSHOTS") or OUTPUT)  # where the screenshots go to be looked at
BANK, BUDGET = "qonto_bank_export.csv", "finance.xlsx:Budget 2026"


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("home"))  # a first start: the demo workspace from today's files
    yield server.start()
    server.stop()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def section(page, name: str):
    return page.get_by_test_id("stExpander").filter(has_text=name)


def test_map_columns_reads_the_bank_export_and_the_budget_with_every_row_used(url, page):
    bank_rows = len((DEMO_DIR / BANK).read_text(encoding="utf-8").splitlines()) - 1
    plan_rows = load_demo().quality[BUDGET].rows_read
    page.goto(f"{url}/mapping")
    page.get_by_role("heading", name="Map columns").wait_for(timeout=120_000)
    wait_for_app_run(page)

    bank, budget = section(page, BANK), section(page, BUDGET)
    assert bank.locator("summary").inner_text().strip().endswith(f"{BANK} → Cash · {bank_rows:,} rows")
    assert budget.locator("summary").inner_text().strip().endswith(f"{BUDGET} → Plan · {plan_rows:,} rows")
    assert "rejected" not in bank.locator("summary").inner_text() + budget.locator("summary").inner_text()

    bank.locator("summary").click()
    bank.get_by_role("combobox", name="Date *").wait_for(timeout=60_000)
    assert bank.get_by_role("combobox", name="Date *").input_value() == "Date de la valeur (UTC)"
    assert bank.get_by_role("combobox", name="Account").input_value() == "Nom du compte"
    assert bank.get_by_role("combobox", name="Label").input_value() == "Nom de la contrepartie"
    bank.scroll_into_view_if_needed()
    shot(page, "map-columns-bank-export.png")

    budget.locator("summary").click()
    wait_for_app_run(page)
    budget.scroll_into_view_if_needed()
    shot(page, "map-columns-budget.png")


def test_data_quality_lists_both_with_no_warning(url, page):
    page.goto(f"{url}/data_quality")
    page.get_by_role("heading", name="Data quality").wait_for(timeout=120_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    wait_for_app_run(page)
    warnings = page.get_by_test_id("stAlert").all_inner_texts()
    assert not [w for w in warnings if BANK in w or "Budget 2026" in w], warnings
    shot(page, "data-quality-with-bank-and-budget.png")
