"""A "can view" guest on a shared workspace: every page shows the numbers and every download,
what would change the workspace is disabled with one sentence, and a change a page lets through
anyway is refused by the store and said in that sentence, never as a traceback.

The signed-in user is set the way app.py learns it (`ui.auth.gate`), on a database of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.store.workspaces import Store
from kpi.text import escape_markdown
from ui.access import READ_ONLY

ROOT = Path(__file__).resolve().parents[2]
ALICE, BOB, CAROL = "alice@acme.io", "bob@acme.io", "carol@acme.io"


@pytest.fixture
def shared(workbench_home, monkeypatch):
    """Alice's demo workspace, shared with Bob (can view) and Carol (can edit); returns its store
    and id. Sign-in is configured: the Workspaces page shows its sharing form to the owner."""
    store = Store(f"sqlite:///{workbench_home / 'workbench.db'}")
    workspace_id = store.ensure_demo(owner=ALICE)
    store.share(workspace_id, BOB, "view", by=ALICE)
    store.share(workspace_id, CAROL, "edit", by=ALICE)
    monkeypatch.setattr("ui.auth.configured", lambda: True)
    yield store, workspace_id
    store.close()


def signed_in(monkeypatch, user: str, workspace_id: int, page: str) -> AppTest:
    monkeypatch.setattr("ui.auth.gate", lambda: user)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.query_params["ws"] = str(workspace_id)
    app.run()
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


def said(app: AppTest) -> list[str]:
    return [notice.value for notice in app.info]


def button(app: AppTest, label: str):
    return next(b for b in [*app.button, *app.get("form_submit_button")] if b.label == label)


def test_a_viewer_sees_the_numbers_of_the_shared_workspace(shared, monkeypatch):
    store, workspace_id = shared
    owner = signed_in(monkeypatch, ALICE, workspace_id, "overview")
    viewer = signed_in(monkeypatch, BOB, workspace_id, "overview")
    assert len(viewer.metric) >= 14
    assert [(m.label, m.value) for m in viewer.metric] == [(m.label, m.value) for m in owner.metric]
    assert READ_ONLY not in said(viewer)  # analysis pages are the same for everyone


def test_a_viewer_cannot_upload(shared, monkeypatch):
    store, workspace_id = shared
    app = signed_in(monkeypatch, BOB, workspace_id, "upload")
    assert READ_ONLY in said(app)
    assert all(uploader.disabled for uploader in app.get("file_uploader"))
    assert not any(b.label.startswith(("Update", "Open these files")) for b in app.button)


def test_a_viewer_sees_the_mapping_but_every_choice_is_disabled(shared, monkeypatch):
    store, workspace_id = shared
    version = store.version(workspace_id, by=ALICE)
    app = signed_in(monkeypatch, BOB, workspace_id, "mapping")
    assert READ_ONLY in said(app)
    assert app.main.selectbox and all(box.disabled for box in app.main.selectbox)  # the sidebar's month stays
    assert all(toggle.disabled for toggle in app.main.toggle)
    assert all(uploader.disabled for uploader in app.get("file_uploader"))
    assert [d.label for d in app.get("download_button")] == ["Download this mapping (JSON)"]
    assert store.version(workspace_id, by=ALICE) == version  # drawing the page saved nothing


def test_a_viewer_reads_the_settings_but_cannot_apply_any(shared, monkeypatch):
    store, workspace_id = shared
    app = signed_in(monkeypatch, BOB, workspace_id, "settings")
    assert READ_ONLY in said(app)
    for label in ("Apply to every page", "Back to the defaults", "Save the financing categories", "Save the targets"):
        assert button(app, label).disabled, label
    assert any("MRR per customer and month" in d.label for d in app.get("download_button"))
    editor = signed_in(monkeypatch, CAROL, workspace_id, "settings")
    assert READ_ONLY not in said(editor) and not button(editor, "Apply to every page").disabled


def test_a_change_a_page_lets_through_is_refused_by_the_store_in_one_sentence(shared, monkeypatch):
    store, workspace_id = shared
    monkeypatch.setattr("ui.access.read_only", lambda: False)  # a page that forgot to disable its form
    app = signed_in(monkeypatch, BOB, workspace_id, "settings")
    assert not button(app, "Apply to every page").disabled
    app.radio[2].set_value("latest")  # NPS counting rule
    button(app, "Apply to every page").click().run()
    assert not app.exception, app.exception
    assert READ_ONLY in said(app)
    assert store.load(workspace_id, by=ALICE).settings_json == "{}"  # nothing written
    assert app.session_state["kpi_settings"].nps_rule == "all"  # nor kept in the session


def test_a_viewer_exports_the_investor_update_but_cannot_edit_or_report_it(shared, monkeypatch):
    store, workspace_id = shared
    app = signed_in(monkeypatch, BOB, workspace_id, "investor_update")
    assert READ_ONLY in said(app)
    assert button(app, "Edit the narrative and commentary").disabled
    marks = [b for b in app.button if b.label.startswith("Mark ")]
    assert marks and all(b.disabled for b in marks)
    exports = [d for d in app.get("download_button") if d.proto.label.startswith(("Deck", "Workbook", "Report"))]
    assert len(exports) == 3 and not any(d.proto.disabled for d in exports)
    assert store.snapshots(workspace_id, by=ALICE) == []


def test_a_viewer_on_workspaces_is_told_and_cannot_mark_a_month(shared, monkeypatch):
    store, workspace_id = shared
    app = signed_in(monkeypatch, BOB, workspace_id, "workspaces")
    assert READ_ONLY in said(app)
    assert any(f"Shared with you by {escape_markdown(ALICE)}, who lets you view it" in c.value for c in app.caption)
    assert [b for b in app.button if b.label.startswith("Mark ")][0].disabled
    assert not button(app, "Duplicate").disabled  # a copy of his own is his to change
    assert not any(t.label == "Share with (e-mail)" for t in app.text_input)


def test_the_owner_lists_guests_with_their_rights_and_changes_them(shared, monkeypatch):
    store, workspace_id = shared
    app = signed_in(monkeypatch, ALICE, workspace_id, "workspaces")
    assert {t.value for t in app.text} >= {BOB, CAROL}
    assert app.segmented_control(key=f"rights::{BOB}").value == "view"
    assert app.segmented_control(key=f"rights::{CAROL}").value == "edit"
    app.segmented_control(key=f"rights::{BOB}").set_value("edit").run()
    assert not app.exception, app.exception
    assert store.shared_with(workspace_id, by=ALICE) == [(BOB, "edit"), (CAROL, "edit")]
    next(t for t in app.text_input if t.label == "Share with (e-mail)").set_value("dan@acme.io").run()
    assert app.segmented_control(key="share_rights").value == "view"  # the least by default
    button(app, "Share").click().run()
    assert not app.exception, app.exception
    assert ("dan@acme.io", "view") in store.shared_with(workspace_id, by=ALICE)
    assert next(t for t in app.text_input if t.label == "Share with (e-mail)").value == ""  # ready for the next
    app.button(key=f"unshare::{CAROL}").click().run()
    assert [s.email for s in store.shared_with(workspace_id, by=ALICE)] == [BOB, "dan@acme.io"]
