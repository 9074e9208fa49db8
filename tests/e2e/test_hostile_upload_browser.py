"""End to end: crafted workbooks dropped on the Upload page are refused with one line each, next
to a good file that is read — in the real server, through the sandbox, in Chromium."""

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import wait_for_app_run
from tests.fixtures.hostile import generators

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("KPI_SHOTS", "/tmp/shots/h12"))  # screenshots stay out of the repository


def test_crafted_workbooks_are_refused_on_the_upload_page_and_a_good_file_is_read(server, page, tmp_path):
    files = {"billion_laughs.xlsx": generators.billion_laughs_sheet(),
             "cell_at_XFD1048576.xlsx": generators.cell_at_far_corner(),
             "sparse_corner.ods": generators.ods_sparse_corner()}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    page.goto(f"{server}/upload")
    dropzone = page.get_by_test_id("stFileUploaderDropzoneInput")
    dropzone.wait_for(state="attached", timeout=120_000)  # the first page of a fresh server, on a busy machine
    dropzone.set_input_files(
        [str(tmp_path / name) for name in files] + ["tests/fixtures/stripe_subscriptions.csv"])
    page.get_by_text("Read 1 of 4 file(s).").wait_for(timeout=60_000)
    errors = page.get_by_test_id("stAlertContentError")
    errors.nth(2).wait_for(timeout=30_000)
    said = [errors.nth(i).inner_text() for i in range(errors.count())]
    assert len(said) == 3, said
    assert any(t.startswith("billion_laughs.xlsx was not read") and "declares XML entities" in t for t in said), said
    assert any(t.startswith("cell_at_XFD1048576.xlsx was not read") and "17,179,869,184 cells" in t for t in said), said
    assert any(t.startswith("sparse_corner.ods was not read") and "column 16,384" in t for t in said), said
    assert "Traceback" not in page.content()
    wait_for_app_run(page)
    page.get_by_test_id("stDataFrame").wait_for(timeout=30_000)
    page.wait_for_timeout(2_000)  # the table's canvas paints after the run (slowly on a busy machine)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "upload_hostile_files.png"), full_page=True)
