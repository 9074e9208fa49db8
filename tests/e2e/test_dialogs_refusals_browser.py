"""End to end: a click inside a dialog reruns only the dialog (a fragment), not app.py, so what the
store answers there must be said by the dialog itself (`ui.access.refusals`), never as a traceback.

In the real server and Chromium: the investor update's "Narrative and commentary" dialog is open
when the disk refuses every write (strace makes each `pwrite64` fail with ENOSPC), then when the
workspace is deleted in another session; the Workspaces page's "Delete this workspace?" dialog is
open when another session deletes it first. Each time the dialog says the sentence app.py says
for the same answer (the store's message; `ui.access.GONE`), the page shows no exception, and
the database holds what it held. (Without the helper, each of these clicks drew a traceback.)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from kpi.store.failures import DISK_FULL
from kpi.store.workspaces import Store
from tests.e2e.conftest import OUTPUT, wait_for_app_run
from tests.e2e.test_store_errors_browser import full_disk
from ui.access import GONE

NO_STRACE = shutil.which("strace") is None and not os.environ.get("CI")  # in CI its absence fails
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(NO_STRACE, reason="needs strace (Debian's strace package)")]
SHOTS = Path(os.environ.get("KPI_SCREENSHOTS") or OUTPUT)
WAIT = 90_000


def open_dialog(page, button: str):
    """Click `button` until its dialog shows (a click landing during a rerun opens nothing)."""
    dialog = page.get_by_role("dialog")
    for attempt in range(3):
        wait_for_app_run(page)
        page.get_by_role("button", name=button).click()
        try:
            dialog.wait_for(timeout=20_000)
            return dialog
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def only_workspace(store: Store) -> int:
    listed = store.list_workspaces(None)  # local use: the workspaces without an owner
    assert len(listed) == 1, listed
    return listed[0].id


def no_traceback(page, shot: str) -> None:
    """The page settled with no exception drawn; its screenshot (also when one is drawn) as `shot`."""
    wait_for_app_run(page)
    page.screenshot(path=str(SHOTS / shot))
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").first.inner_text()


def test_a_refused_or_failed_change_in_a_dialog_is_one_sentence_in_the_dialog(restartable_server, page):
    url = restartable_server.start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{restartable_server.home / 'workbench.db'}")
    try:
        page.goto(f"{url}/investor_update")
        page.get_by_role("heading", name="Investor update").wait_for(timeout=WAIT)
        page.get_by_role("button", name="Edit the narrative and commentary").wait_for(timeout=WAIT)
        demo = only_workspace(store)

        # the disk refuses the save: the dialog says so and stays open; nothing was written
        dialog = open_dialog(page, "Edit the narrative and commentary")
        dialog.get_by_label("Asks").fill("- Intros to two CFOs")
        version = store.version(demo, by=None)
        tracer = full_disk(restartable_server.process.pid)
        try:
            dialog.get_by_role("button", name="Save for the exports").click()
            expect(dialog.get_by_test_id("stAlertContentError")).to_contain_text(DISK_FULL, timeout=WAIT)
            no_traceback(page, "dialog-disk-full.png")
        finally:
            tracer.terminate()
            tracer.wait(10)
        assert store.version(demo, by=None) == version

        # another session deletes the workspace while the dialog is open: GONE, in the dialog
        store.delete(demo, by=None)
        dialog.get_by_role("button", name="Save for the exports").click()
        expect(dialog.get_by_text(GONE)).to_be_visible(timeout=WAIT)
        no_traceback(page, "dialog-narrative-gone.png")
        assert all("Intros to two CFOs" not in (store.load(w.id, by=None).settings_json or "")
                   for w in store.list_workspaces(None)), "the text of a deleted workspace was saved somewhere"

        # the Workspaces page on the session's own (new) demo; its Delete dialog loses the race
        page.goto(f"{url}/workspaces")
        page.get_by_role("button", name="Delete…").wait_for(timeout=WAIT)
        second = only_workspace(store)  # SQLite may give it the deleted one's id again
        dialog = open_dialog(page, "Delete…")
        store.delete(second, by=None)  # another tab deletes it first
        dialog.get_by_role("button", name="Delete for good").click()
        expect(dialog.get_by_text(GONE)).to_be_visible(timeout=WAIT)
        no_traceback(page, "dialog-delete-gone.png")
        assert len(store.list_workspaces(None)) <= 1  # at most the session's next own demo, nothing else
    finally:
        store.close()
