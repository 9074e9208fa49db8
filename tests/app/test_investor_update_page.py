"""The investor update page under AppTest: headline cards, the narrative and the commentary."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi.demo import demo_files, demo_mapping, load_demo
from kpi.ingest.io import read_path
from kpi.ingest.mapping import build_tables
from kpi.report.build import build_report
from kpi.report.update import investor_update
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]


def start(period: str | None = "month") -> AppTest:
    """The page on the demo (as of October 2026), switched to `period` (None: the default)."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    app.switch_page("app_pages/investor_update.py").run()
    if period is not None:
        app.segmented_control(key="update_period").set_value(period).run()
    assert not app.exception, app.exception
    return app


def test_the_update_defaults_to_the_last_whole_quarter_and_says_when_a_quarter_is_partial():
    app = start(None)
    assert app.segmented_control(key="update_period").value == "quarter"
    q3 = investor_update(build_report(load_demo(), "2026-09"), "quarter", "previous", "en",
                         company="Plumeo (demo company)")
    assert q3.period_label == "Q3 2026"
    assert any(c.value.startswith("Q3 2026 compared with Q2 2026") for c in app.caption)
    assert any(t.value == q3.generated_narrative for t in app.text)
    assert not [w for w in app.warning if "partial" in w.value]  # a whole quarter: nothing to warn about
    assert any(b.label == "Mark September 2026 as reported" for b in app.button)
    app.segmented_control(key="update_period").set_value("quarter_to_date").run()
    assert any("Q4 2026 to date (October) is a partial quarter: 1 of its 3 months" in w.value for w in app.warning)


def test_headline_deltas_carry_a_sign_the_cards_read():
    app = start()
    update = investor_update(build_report(load_demo()), "month", "previous", "en", company="Plumeo (demo company)")
    shown = {metric.label: metric for metric in app.metric}
    for item in update.headline[:8]:
        if item.change_text:
            delta = shown[item.label].proto.delta
            assert "\u2212" not in delta, item.label  # st.metric only reads an ASCII minus as a fall
            assert delta.startswith("-") == (item.change < 0), (item.label, delta)
    assert any(m.proto.delta.startswith("-") for m in shown.values())  # the demo has a fall to show


def test_the_generated_narrative_is_shown_until_the_founder_edits_it():
    app = start()
    update = investor_update(build_report(load_demo()), "month", "previous", "en", company="Plumeo (demo company)")
    assert any(t.value == update.generated_narrative for t in app.text)
    assert not [b for b in app.button if b.label == "Back to the generated narrative"]
    # what the dialog saves (the dialog itself is driven in Chromium: AppTest does not rerun fragments)
    app.session_state["kpi_update_texts"] = {"2026-10:month": {
        "commentary": {"asks": "- Intros, please"}, "narratives": {"previous:en": "Our best October yet."}}}
    app.run()
    assert any(t.value == "Our best October yet." for t in app.text)
    assert any(t.value == "- Intros, please" for t in app.text)
    next(b for b in app.button if b.label == "Back to the generated narrative").click().run()
    assert any(t.value == update.generated_narrative for t in app.text)
    assert any(t.value == "- Intros, please" for t in app.text)  # the commentary stays


def test_texts_are_kept_per_period():
    app = start()
    app.session_state["kpi_update_texts"] = {"2026-09:month": {"commentary": {"asks": "September asks"},
                                                               "narratives": {}}}
    app.run()
    assert not any(t.value == "September asks" for t in app.text)  # the page shows October


def test_texts_from_a_hostile_settings_json_are_dropped_not_raised():
    from kpi.report.settings_json import update_texts_from_json
    assert update_texts_from_json('{"investor_updates": {"a": 1, "b": {"commentary": {"asks": 2, "hires": "x"}}}}') \
        == {"b": {"commentary": {"hires": "x"}, "narratives": {}}}
    assert update_texts_from_json('{"investor_updates": []}') == {} and update_texts_from_json("nope") == {}


def demo_without_bank_or_budget() -> Workspace:
    """The demo company's files and mapping, less its bank export and its budget sheet."""
    files = {path.name: path.read_bytes() for path in demo_files() if path.name != "qonto_bank_export.csv"}
    mapping = {key: value for key, value in demo_mapping().items() if value.table not in ("cash", "plan")}
    return Workspace("Plumeo without bank", files, mapping)


def test_the_update_shows_the_mrr_forecast_chart_and_no_cash_block_without_a_bank_export():
    workspace = demo_without_bank_or_budget()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.session_state["workspace"] = workspace
    app.run()
    app.switch_page("app_pages/investor_update.py").run()
    app.segmented_control(key="update_period").set_value("month").run()
    assert not app.exception, app.exception
    tables = build_tables([s for p in demo_files() if p.name in workspace.files for s in read_path(p)],
                          workspace.mapping)
    update = investor_update(build_report(tables), "month", "previous", "en", company="Plumeo without bank")
    headers = [h.value for h in app.subheader]
    assert "MRR forecast" in headers and not any(h.startswith(("Cash & runway", "Plan vs actual")) for h in headers)
    assert len(app.get("plotly_chart")) == 1
    assert any(c.value.startswith("Forecast\\: ") and "Backtest, " in c.value for c in app.caption)  # escaped
    assert update.generated_narrative.endswith("for a straight line.")  # the forecast sentence closes the narrative
    assert any(t.value == update.generated_narrative for t in app.text)


def test_the_demo_update_shows_its_cash_and_plan_blocks():
    app = start("month")
    headers = [h.value for h in app.subheader]
    assert {"Cash & runway — October 2026", "Plan vs actual — October 2026", "MRR forecast"} <= set(headers)
    assert len(app.get("plotly_chart")) == 1  # the forecast (the cash block is figures and a sentence)
