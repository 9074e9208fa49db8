"""End to end: drop a French export on the Upload page, check its mapping, see its numbers."""

from pathlib import Path

import pytest

from tests.e2e.conftest import OUTPUT, wait_for_app_run

pytestmark = pytest.mark.e2e
FRENCH = "tests/fixtures/app/abonnements_fr.csv"


def test_upload_map_and_see_the_overview(server, page):
    page.goto(f"{server}/upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([FRENCH])
    page.get_by_text("Read 1 of 1 file(s).").wait_for(timeout=60_000)
    page.get_by_test_id("stDataFrame").first.wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUTPUT / "upload.png"), full_page=True)
    page.get_by_label("Workspace name").fill("Abonnements (upload test)")
    page.get_by_role("button", name="Open these files as my workspace").click()

    page.get_by_role("heading", name="Map columns").wait_for(timeout=60_000)
    page.get_by_text("3 of 5 rows count as subscriptions").wait_for(timeout=60_000)
    page.screenshot(path=str(OUTPUT / "mapping.png"), full_page=True)

    page.get_by_role("link", name="Overview").click()
    page.get_by_test_id("stMetric").first.wait_for(timeout=60_000)
    page.get_by_text("Abonnements (upload test) · month-end snapshot of May 2024").wait_for(timeout=60_000)
    wait_for_app_run(page)
    mrr = page.get_by_test_id("stMetric").first.get_by_test_id("stMetricValue").inner_text().strip()
    assert mrr == "159"


def test_a_corrected_mapping_is_remembered_for_next_months_file(server, page, tmp_path):
    page.goto(f"{server}/upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([FRENCH])
    page.get_by_role("button", name="Open these files as my workspace").click()
    page.get_by_role("heading", name="Map columns").wait_for(timeout=60_000)
    end_date = page.get_by_role("combobox", name="End date", exact=True)
    assert end_date.input_value() == "Date de fin"
    # the founder says the end date column is not to be used
    end_date.click()
    page.get_by_role("option", name="— not used —").click()
    page.wait_for_function("() => document.querySelector('input[aria-label=\"End date\"]').value.includes('not used')")
    wait_for_app_run(page)  # the page reruns and remembers

    next_month = tmp_path / "abonnements_novembre.csv"
    next_month.write_bytes(Path(FRENCH).read_bytes().replace(b"C-005", b"C-006"))
    page.goto(f"{server}/upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(next_month)])
    page.get_by_text("Read 1 of 1 file(s).").wait_for(timeout=60_000)
    page.get_by_role("button", name="Open these files as my workspace").click()
    page.get_by_role("heading", name="Map columns").wait_for(timeout=60_000)
    page.get_by_text("3 of 5 rows count as subscriptions").wait_for(timeout=60_000)
    assert page.get_by_role("combobox", name="End date", exact=True).input_value() == "— not used —"
    assert page.get_by_role("combobox", name="Amount *").input_value() == "Montant HT (€)"


def test_what_the_reader_adapted_is_said_on_the_upload_page(server, page):
    page.goto(f"{server}/upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        ["tests/fixtures/ragged_rows.csv", "tests/fixtures/chargebee_subscriptions.csv"])
    page.get_by_text("Read 2 of 2 file(s).").wait_for(timeout=60_000)
    warning = page.get_by_test_id("stAlertContentWarning").filter(has_text="ragged_rows.csv")
    warning.wait_for(timeout=30_000)
    assert "more cells than the header" in warning.inner_text()
    wait_for_app_run(page)
    page.wait_for_timeout(500)  # the table's canvas paints after the run
    page.screenshot(path=str(OUTPUT / "upload_warnings.png"), full_page=True)
    page.get_by_role("button", name="Open these files as my workspace").click()
    page.get_by_role("heading", name="Map columns").wait_for(timeout=60_000)
    cents = page.get_by_role("switch", name="Amounts are in cents (2900 means 29.00)")
    cents.first.wait_for(timeout=60_000)
    assert cents.count() == 1 and cents.is_checked()  # only Chargebee's sheet is in cents
    page.get_by_text("but no end date").first.wait_for(timeout=30_000)  # its cancelled rows have no date
    wait_for_app_run(page)
    page.screenshot(path=str(OUTPUT / "mapping_chargebee.png"), full_page=True)
