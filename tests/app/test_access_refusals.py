"""ui.access.refusals: what the store answers a change becomes the one sentence app.py shows —
in a dialog or a callback too, where app.py's handling does not reach (a click in a dialog reruns
only the dialog). tests/e2e/test_dialogs_refusals_browser.py shows it in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.store.failures import DISK_FULL
from ui.access import GONE, READ_ONLY


def refused_change() -> None:
    """A page whose change raises what `st.session_state["answer"]` names, inside the helper."""
    import streamlit as st

    from kpi.store.failures import DISK_FULL, StoreError
    from kpi.store.model import Forbidden, NotFound, ReadOnly
    from ui import access

    answers = {"read-only": ReadOnly(7, "bob@acme.io"), "forbidden": Forbidden(7, "carol@acme.io"),
               "disk-full": StoreError(DISK_FULL, code="disk-full"), "gone": NotFound(7)}
    with access.refusals():
        if st.session_state.get("answer") == "rerun":
            st.session_state["answer"] = "reran"
            st.rerun()
        if st.session_state.get("answer") == "bug":
            raise ValueError("a bug, not an answer of the store")
        if st.session_state.get("answer") in answers:
            raise answers[st.session_state["answer"]]
    st.text("the page goes on")


def run(answer: str) -> AppTest:
    app = AppTest.from_function(refused_change, default_timeout=30)
    app.session_state["answer"] = answer
    app.session_state["workspace"] = "Alice's numbers"  # what NotFound takes back
    return app.run()


@pytest.mark.parametrize(("answer", "kind", "sentence"), [
    ("read-only", "info", READ_ONLY),
    ("forbidden", "error", "carol@acme.io does not own this workspace: only its owner can rename it"),
    ("disk-full", "error", DISK_FULL),
    ("gone", "warning", GONE),
])
def test_each_answer_is_one_sentence_and_the_page_goes_on(answer, kind, sentence):
    app = run(answer)
    assert not app.exception
    said = [element.value for element in app.get(kind)]
    assert len(said) == 1 and said[0].startswith(sentence), said
    assert [t.value for t in app.text] == ["the page goes on"]
    assert (app.session_state["workspace"] is None) == (answer == "gone")  # NotFound: back on one's own


def test_a_rerun_and_any_other_error_pass_through():
    assert run("rerun").session_state["answer"] == "reran"
    app = run("bug")
    assert app.exception and "a bug, not an answer of the store" in app.exception[0].message


def test_the_gross_margin_callback_says_a_workspace_deleted_meanwhile_without_a_traceback(tmp_path, monkeypatch):
    """An on_change callback runs before the script, outside app.py's handling: the margin's own
    callback says what the store answers (here NotFound: deleted in another session)."""
    from kpi.demo import DEMO_DIR, demo_mapping
    from kpi.ingest.mapping import mapping_to_json
    from kpi.store.workspaces import Store
    from ui.state import Workspace

    monkeypatch.setenv("KPI_DATABASE_URL", f"sqlite:///{tmp_path / 'workbench.db'}")
    name = "stripe_subscriptions.csv"  # subscriptions only: no COGS, so the margin is the setting
    files = {name: (DEMO_DIR / name).read_bytes()}
    mapping = {key: value for key, value in demo_mapping().items() if key.split(":")[0] == name}
    store = Store(f"sqlite:///{tmp_path / 'workbench.db'}")
    saved = store.create_workspace("Stripe only", owner=None, files=files, mapping_json=mapping_to_json(mapping),
                                   by=None)
    app = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app_pages" / "economics.py"),
                            default_timeout=90)
    app.session_state["workspace"] = Workspace("Stripe only", files, mapping, id=saved,
                                               version=store.version(saved, by=None))
    app.run()
    assert not app.exception and not app.number_input(key="gross_margin_pct").disabled

    store.delete(saved, by=None)  # another session deletes it
    app.number_input(key="gross_margin_pct").set_value(50.0).run()
    assert not app.exception, app.exception
    assert GONE in [warning.value for warning in app.warning]
    assert "Stripe only" not in [w.name for w in store.list_workspaces(None)]  # nothing saved it back
    store.close()
