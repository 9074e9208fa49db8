"""Definitions & settings: conventions are visible, and a change applies to every page."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi.demo import load_demo
from kpi.report.build import Settings, build_report

ROOT = Path(__file__).resolve().parents[2]


def start() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    app.switch_page("app_pages/settings.py").run()
    assert not app.exception, app.exception
    return app


def submit(app: AppTest) -> None:
    next(b for b in app.button if b.label == "Apply to every page").click().run()
    assert not app.exception, app.exception


def test_conventions_in_force_are_shown():
    app = start()
    text = " ".join(m.value for m in app.markdown)
    assert "end-of-month snapshot" in text and "promoters 9–10" in text
    assert app.radio[2].value == "all"  # NPS counting rule: every response by default


def test_the_definitions_themselves_are_on_the_page_and_searchable():
    app = start()
    titles = [e.label for e in app.expander]
    for section in ("Revenue KPIs", "Cohorts", "Unit economics", "Settings"):
        assert section in titles, titles
    text = " ".join(m.value for m in app.markdown)
    assert "`revenue.nrr_monthly`" in text and "../" not in text and "](" not in text.split("https://")[0]
    app.text_input(key="definitions_search").set_value("quick ratio").run()
    shown = [e.label for e in app.expander if e.label not in ("",)]
    assert "Revenue KPIs" in shown and "Cohorts" not in shown, shown


def test_definition_sections_split_on_level_two_headings_and_unlink_other_files():
    from ui.definitions_doc import sections
    text = "# T\nintro\n## Contents\n1. [A](#a)\n## A\nsee [cli.md](cli.md#x) and [web](https://x.io)\n### sub\nz\n## B\nb"
    # a link whose words are a file name reads as the guide it names, not as a path
    assert sections(text) == [("A", "see the command-line guide and [web](https://x.io)\n### sub\nz"), ("B", "b")]


def test_latest_answer_rule_changes_the_nps_everywhere():
    app = start()
    app.radio[2].set_value("latest")
    submit(app)
    assert app.session_state["kpi_settings"].nps_rule == "latest"
    app.switch_page("app_pages/overview.py").run()
    shown = next(m.value for m in app.metric if m.label == "NPS")
    expected = build_report(load_demo(), settings=Settings(nps_rule="latest")).metric("nps").value
    assert shown == f"{expected:+.0f}"


def test_ltv_window_setting_changes_ltv_cac():
    app = start()
    app.number_input[1].set_value(12)
    submit(app)
    app.switch_page("app_pages/overview.py").run()
    shown = next(m.value for m in app.metric if m.label == "LTV : CAC")
    expected = build_report(load_demo(), settings=Settings(ltv_churn_months=12)).metric("ltv_cac").value
    assert shown == f"{expected:.2f}×"
    assert expected != build_report(load_demo()).metric("ltv_cac").value


def test_the_mrr_table_to_reconcile_with_billing_is_offered():
    app = start()
    assert any("MRR per customer and month" in b.label for b in app.get("download_button"))


def test_a_target_is_saved_with_the_workspace_and_named_in_the_investor_update(workbench_home):
    app = start()
    app.number_input(key="target::mrr").set_value(60_000)
    app.number_input(key="target::logo_churn_rate").set_value(2.5)  # typed in %
    next(b for b in app.button if b.label == "Save the targets").click().run()
    assert not app.exception, app.exception
    assert app.session_state["kpi_targets"] == {"mrr": 60_000.0, "logo_churn_rate": 0.025}

    from kpi.report.settings_json import settings_from_json, targets_from_json
    from kpi.store.workspaces import Store
    with Store(f"sqlite:///{workbench_home / 'workbench.db'}") as store:
        saved = store.load(store.list_workspaces(None)[0].id, by=None)
    assert targets_from_json(saved.settings_json) == {"mrr": 60_000.0, "logo_churn_rate": 0.025}
    assert settings_from_json(saved.settings_json) == Settings()  # the conventions are untouched

    app.switch_page("app_pages/investor_update.py").run()
    app.segmented_control(key="update_period").set_value("month").run()  # October: MRR €61.9k
    assert not app.exception, app.exception
    highlights = [s.value for s in app.success]
    assert any(text.startswith("MRR hit its target of €60") for text in highlights), highlights


def test_targets_from_a_hostile_settings_json_are_dropped_not_raised():
    from kpi.report.settings_json import targets_from_json
    assert targets_from_json('{"targets": {"mrr": "1e9", "nps": NaN, "arr": 1, "x": 2, "csat": true}}') == {"arr": 1.0}
    assert targets_from_json('{"targets": [1, 2]}') == {} and targets_from_json("[]") == {}
    assert targets_from_json("not json") == {}


def test_alert_rules_are_shown_and_a_changed_threshold_applies_and_is_saved(workbench_home):
    app = start()
    captions = " ".join(c.value.replace("\\", "") for c in app.caption)  # Markdown escapes aside
    assert "Under these rules, 1 alert for October 2026: NRR (monthly) 98.8" in captions  # the demo's month
    assert app.number_input(key="alert::floor").value == 100.0 and app.checkbox(key="alert::spike").value
    app.number_input(key="alert::floor").set_value(98.0)  # 98.8 % is no longer under the floor
    app.checkbox(key="alert::runway").uncheck()
    next(b for b in app.button if b.label == "Save the alert rules").click().run()
    assert not app.exception, app.exception
    assert app.session_state["kpi_settings"].alert_rules == (("nrr_floor_percent", 98.0), ("runway_short", False))
    assert "Under these rules, no alert fires for October 2026." in " ".join(c.value for c in app.caption)

    from kpi.report.settings_json import settings_from_json
    from kpi.store.workspaces import Store
    with Store(f"sqlite:///{workbench_home / 'workbench.db'}") as store:
        saved = store.load(store.list_workspaces(None)[0].id, by=None)
    assert settings_from_json(saved.settings_json).alert_rules == (("nrr_floor_percent", 98.0), ("runway_short", False))
