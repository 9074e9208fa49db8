"""End to end: a workspace uploaded, mapped and reported survives a restart of the server."""

import pytest

from tests.e2e.conftest import wait_for_app_run
from tests.e2e.test_upload_browser import FRENCH

pytestmark = pytest.mark.e2e


def test_workspace_mapping_and_snapshot_survive_a_restart(restartable_server, browser):
    url = restartable_server.start()
    page = browser.new_page(viewport={"width": 1440, "height": 1500})
    page.goto(f"{url}/upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([FRENCH])
    page.get_by_label("Workspace name").fill("Abonnements FR")
    page.get_by_role("button", name="Open these files as my workspace").click()
    page.get_by_role("heading", name="Map columns").wait_for(timeout=60_000)
    page.get_by_role("combobox", name="End date", exact=True).click()
    page.get_by_role("option", name="— not used —").click()
    page.wait_for_function("() => document.querySelector('input[aria-label=\"End date\"]').value.includes('not used')")
    wait_for_app_run(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Workspaces").click()
    # without end dates the data's last month is February 2024 (latest start)
    page.get_by_role("button", name="Mark February 2024 as reported").click()
    page.get_by_text("The current data gives the same numbers as every reported month.").wait_for(timeout=60_000)
    page.close()

    restartable_server.stop()
    url = restartable_server.start()
    page = browser.new_page(viewport={"width": 1440, "height": 1500})
    page.goto(f"{url}/workspaces")
    page.get_by_role("heading", name="Workspaces").wait_for(timeout=60_000)
    page.get_by_role("combobox", name="Open a workspace").click()
    page.get_by_role("option", name="Abonnements FR").click()
    page.get_by_role("button", name="Open workspace").click()
    page.get_by_text("“Abonnements FR”").wait_for(timeout=60_000)
    page.get_by_text("The current data gives the same numbers as every reported month.").wait_for(timeout=60_000)
    assert page.get_by_test_id("stDataFrame").count() >= 2  # the workspace list and the reported months
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Map columns").click()
    page.get_by_role("heading", name="Map columns").wait_for(timeout=60_000)
    page.get_by_text("rows count as subscriptions").first.wait_for(timeout=60_000)
    assert page.get_by_role("combobox", name="End date", exact=True).input_value() == "— not used —"
    page.close()
