"""Upload under AppTest: next month's files go into the open workspace (replacing by name or
layout, adding the rest), and a reported month they change is shown at once."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi.demo import demo_mapping
from kpi.store.model import DEMO_NAME
from kpi.store.tables import database_url
from kpi.store.workspaces import Store
from kpi.text import escape_markdown

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
SUBSCRIPTIONS = "stripe_subscriptions.csv"
FRENCH = ROOT / "tests" / "fixtures" / "app" / "abonnements_fr.csv"
NAME = escape_markdown(DEMO_NAME)  # as labels show it
# one subscription of March 2024, still active: 29 € a month becomes 49 € (+20 € of MRR every month since)
LINE = b"sub_kO3wfVoe6pByLS,cus_QJ08H4Q89nLwGU,Imprimerie G\xc3\xa9rard SAS,facturation@imprimerie-gerard.fr,Starter,"


def corrected_subscriptions() -> bytes:
    original = (DEMO / SUBSCRIPTIONS).read_bytes()
    assert original.count(LINE + b"29.00,") == 1
    return original.replace(LINE + b"29.00,", LINE + b"49.00,")


def start(page="app_pages/upload.py") -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def upload(app: AppTest, *files: tuple[str, bytes]) -> AppTest:
    app.get("file_uploader")[0].set_value([(name, content, "text/csv") for name, content in files]).run()
    assert not app.exception, app.exception
    return app


def store() -> Store:
    return Store(database_url({}))


def test_the_demos_next_subscriptions_file_goes_into_the_demo_and_shows_the_restated_month():
    app = start("app_pages/workspaces.py")
    app.button[[b.label for b in app.button].index("Mark October 2026 as reported")].click().run()
    assert not app.exception, app.exception
    demo = store().list_workspaces()[0]
    assert [s.month for s in store().snapshots(demo.id, by=None)] == ["2026-10"]

    app.switch_page("app_pages/upload.py").run()
    upload(app, (SUBSCRIPTIONS, corrected_subscriptions()))
    choice = app.radio(key="upload_into")
    assert choice.options == [f"Add to / update “{NAME}”", "Create a new workspace"]
    assert choice.value == f"Add to / update “{NAME}”"
    changes = app.table[0].value
    assert changes.to_dict("records") == [{"File": SUBSCRIPTIONS, "What changes":
                                           f"replaces {SUBSCRIPTIONS} (same name): 1,433 → 1,433 rows"}]
    app.button[[b.label for b in app.button].index(f"Update “{NAME}”")].click().run()
    assert not app.exception, app.exception

    assert app.success[0].value == f"Saved into “{NAME}”:\n- {escape_markdown(SUBSCRIPTIONS)}: " + escape_markdown(
        f"replaces {SUBSCRIPTIONS} (same name): 1,433 → 1,433 rows")
    app_warning = app.warning[0].value
    assert app_warning.startswith("October 2026 was reported on ")
    restated = app.table[0].value  # the cards' KPIs, written as the cards write them
    assert restated.loc["MRR"].to_dict() == {"Reported": "€61,871", "Now": "€61,891", "Difference": "+€20.00"}
    assert restated.loc["ARR", "Difference"] == "+€240"
    others = app.dataframe[0].value  # every other figure of the JSON report, in plain words
    assert "Monthly history · October 2026 · mrr" in set(others["Figure"])
    assert "Nothing uploaded yet" in app.info[0].value  # the uploader is empty again
    stored = store().load(demo.id, by=None)
    assert stored.files[SUBSCRIPTIONS] == corrected_subscriptions()
    assert sorted(stored.files) == sorted(p.name for p in DEMO.iterdir() if p.suffix in {".csv", ".xlsx"})
    assert stored.mapping == demo_mapping()  # the replaced file's sheet kept its mapping
    assert [s.month for s in store().snapshots(demo.id, by=None)] == ["2026-10"]
    assert store().audit_log(demo.id, limit=1, by=None)[0].action == "update"

    app.switch_page("app_pages/workspaces.py").run()  # the same restatement, drawn by the same helper
    assert not app.exception, app.exception
    assert [w.value for w in app.warning if "was reported on" in w.value] == [app_warning]


def test_a_first_upload_of_other_files_on_the_demo_still_creates_a_workspace_by_default():
    app = upload(start(), (FRENCH.name, FRENCH.read_bytes()))
    assert app.radio(key="upload_into").value == "Create a new workspace"
    assert app.text_input[0].label == "Workspace name"
    app.button[[b.label for b in app.button].index("Open these files as my workspace")].click().run()
    assert not app.exception, app.exception
    assert sorted(w.name for w in store().list_workspaces()) == ["My data", DEMO_NAME]


def test_choosing_to_add_a_new_file_to_the_demo_keeps_its_files_and_maps_the_new_one():
    app = upload(start(), (FRENCH.name, FRENCH.read_bytes()))
    app.radio(key="upload_into").set_value(f"Add to / update “{NAME}”").run()
    assert app.table[0].value["What changes"].tolist() == ["new file: 5 rows"]
    app.button[[b.label for b in app.button].index(f"Update “{NAME}”")].click().run()
    assert not app.exception, app.exception
    demo = store().list_workspaces()[0]
    stored = store().load(demo.id, by=None)
    assert FRENCH.name in stored.files and len(stored.files) == 8  # the demo's seven files and the new one
    assert stored.mapping[FRENCH.name].table == "subscriptions"
    assert "Restated months" not in [h.value for h in app.subheader]


def test_the_same_files_again_change_nothing_and_the_button_says_so():
    app = upload(start(), (SUBSCRIPTIONS, (DEMO / SUBSCRIPTIONS).read_bytes()))
    assert app.table[0].value["What changes"].tolist() == [f"unchanged (same content as {SUBSCRIPTIONS})"]
    assert app.button[[b.label for b in app.button].index(f"Update “{NAME}”")].disabled


def test_a_file_saved_meanwhile_by_another_session_is_a_one_sentence_conflict_and_nothing_is_saved():
    app = upload(start(), (SUBSCRIPTIONS, corrected_subscriptions()))
    demo = store().list_workspaces()[0]
    bobs = (DEMO / SUBSCRIPTIONS).read_bytes().replace(LINE + b"29.00,", LINE + b"39.00,")
    store().add_file(demo.id, SUBSCRIPTIONS, bobs, by=None)  # another session, meanwhile
    before = store().load(demo.id, by=None)
    app.button[[b.label for b in app.button].index(f"Update “{NAME}”")].click().run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [escape_markdown(
        f"Nothing was saved: the file '{SUBSCRIPTIONS}' was changed in another session after you opened "
        f"“{DEMO_NAME}”, whose latest version is loaded now, so check the changes below and update again.")]
    assert store().load(demo.id, by=None) == before
    # the session now holds bob's version; updating again replaces it, knowingly
    assert app.session_state["workspace"].files[SUBSCRIPTIONS] == bobs
    assert app.table[0].value["What changes"].tolist() == [f"replaces {SUBSCRIPTIONS} (same name): 1,433 → 1,433 rows"]
    app.button[[b.label for b in app.button].index(f"Update “{NAME}”")].click().run()
    assert not app.exception, app.exception
    assert store().load(demo.id, by=None).files[SUBSCRIPTIONS] == corrected_subscriptions()


def test_recognition_runs_once_per_uploaded_file_not_on_every_rerun(monkeypatch):
    """Recognising a sheet reads its values (≈ 0.3 s a sheet): the Upload page reruns on every click,
    and its proposal is cached by the file's content hash like a saved workspace's."""
    import ui.mapping_editor

    calls = []

    def counting(sheet):
        calls.append(sheet.key)
        return recognise(sheet)

    recognise = ui.mapping_editor.recognise
    monkeypatch.setattr(ui.mapping_editor, "recognise", counting)
    content = FRENCH.read_bytes() + b"\n" * 3  # a content of its own: no other test's proposal is cached for it
    app = upload(start(), ("abonnements_once.csv", content))
    assert calls == ["abonnements_once.csv"]
    recognised = app.dataframe[0].value["Recognised as"].tolist()
    app.run()
    app.radio(key="upload_into").set_value("Create a new workspace").run()
    assert not app.exception, app.exception
    assert calls == ["abonnements_once.csv"]
    assert app.dataframe[0].value["Recognised as"].tolist() == recognised == ["subscriptions"]
