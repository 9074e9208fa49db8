"""End to end: next month's subscriptions export dropped into the demo workspace — the choice, the
change list, one save, and the restated month shown at once; the workspace keeps its other
files and its reported month. Its own server (it changes the demo workspace), one per module."""


import pytest

from kpi.demo import demo_files
from kpi.store.model import DEMO_NAME
from kpi.store.tables import database_url
from kpi.store.workspaces import Store
from tests.e2e.conftest import OUTPUT, Server, wait_for_app_run

pytestmark = pytest.mark.e2e
SHOTS = OUTPUT  # screenshots of the loop: next_month_*.png
SUBSCRIPTIONS = next(path for path in demo_files() if path.name == "stripe_subscriptions.csv")
# one subscription of March 2024, still active: 29 € a month becomes 49 € (+20 € of MRR every month since)
LINE = b"sub_kO3wfVoe6pByLS,cus_QJ08H4Q89nLwGU,Imprimerie G\xc3\xa9rard SAS,facturation@imprimerie-gerard.fr,Starter,"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("next_month_home"))
    server.start()
    yield server
    server.stop()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    wait_for_app_run(page)
    page.wait_for_timeout(500)  # tables paint their canvas after the run
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_next_months_file_into_the_demo_shows_the_restatement_at_once(own_server, page, tmp_path, monkeypatch):
    url = own_server.url
    page.goto(f"{url}/workspaces")
    page.get_by_role("button", name="Mark October 2026 as reported").click(timeout=60_000)
    page.get_by_text("The current data gives the same numbers as every reported month.").wait_for(timeout=120_000)

    corrected = tmp_path / SUBSCRIPTIONS.name
    original = SUBSCRIPTIONS.read_bytes()
    assert original.count(LINE + b"29.00,") == 1
    corrected.write_bytes(original.replace(LINE + b"29.00,", LINE + b"49.00,"))
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Upload").click()
    page.get_by_role("heading", name="Upload your files").wait_for(timeout=60_000)
    wait_for_app_run(page)  # a file given while the page is still being drawn would be dropped with it
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(corrected)])
    page.get_by_text("Read 1 of 1 file(s).").wait_for(timeout=120_000)  # read in the sandbox: slow on a busy machine
    into = page.get_by_role("radio", name=f"Add to / update “{DEMO_NAME}”")
    into.wait_for(timeout=60_000)
    assert into.is_checked()
    changes = page.get_by_test_id("stTable")
    changes.get_by_text(f"replaces {SUBSCRIPTIONS.name} (same name): 1,433 → 1,433 rows").wait_for(timeout=60_000)
    shot(page, "next_month_choice_and_changes.png")

    page.get_by_role("button", name=f"Update “{DEMO_NAME}”").click()
    page.get_by_role("heading", name="Restated months").wait_for(timeout=120_000)
    warning = page.get_by_test_id("stAlertContentWarning").filter(has_text="October 2026 was reported on")
    warning.wait_for(timeout=60_000)
    assert "the data now changes" in warning.inner_text()
    restated = page.get_by_test_id("stTable").filter(has_text="Difference")  # KPI by KPI, as the cards write them
    restated.get_by_text("+€20.00", exact=True).wait_for(timeout=60_000)
    page.get_by_role("link", name="Reported months on Workspaces").wait_for()
    shot(page, "next_month_restatement.png")


    # the workspace keeps its other files and its reported month: on Workspaces, and in its database
    page.get_by_role("link", name="Reported months on Workspaces").click()
    page.get_by_role("heading", name="Reported months").wait_for(timeout=60_000)
    restated = page.get_by_test_id("stAlertContentWarning").filter(has_text="October 2026 was reported on")
    restated.wait_for(timeout=120_000)
    shot(page, "next_month_workspaces.png")
    monkeypatch.setenv("KPI_WORKBENCH_HOME", str(own_server.home))  # the server's database
    with Store(database_url({})) as store:
        demo = next(w for w in store.list_workspaces() if w.name == DEMO_NAME)
        stored = store.load(demo.id, by=None)
        assert sorted(stored.files) == sorted(path.name for path in demo_files())
        assert stored.files[SUBSCRIPTIONS.name] == corrected.read_bytes()
        assert [s.month for s in store.snapshots(demo.id, by=None)] == ["2026-10"]
        assert [entry.action for entry in store.audit_log(demo.id, by=None)] == ["update", "report", "create"]
