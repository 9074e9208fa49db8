"""Successive rows or concurrent subscriptions in the app: Map columns and Data quality say so with the
counts, and the Definitions & settings page offers "a customer's newer row replaces the older one"."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.demo import load_demo
from kpi.ingest.io import read_bytes
from kpi.ingest.recognise import auto_mapping
from kpi.report.build import Settings, build_report
from kpi.text import escape_markdown
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PLAN_CHANGES = (b"Customer,Plan,Start,End,Monthly amount\nA,Starter,2024-01-10,,100\nA,Pro,2024-03-05,,150\n"
                b"B,Starter,2024-02-01,,50\nB,Team,2024-04-15,,80\nC,Starter,2024-01-20,2024-03-20,30\n"
                b"C,Pro,2024-03-20,,40\n")
COUNTS = "2 of the 3 customers with several subscription rows have rows that overlap (2 row(s)"
LABEL = "A customer's several subscription rows"


def plan_changes() -> Workspace:
    mapping, _ = auto_mapping(read_bytes("plan_changes.csv", PLAN_CHANGES))
    return Workspace("plan changes", {"plan_changes.csv": PLAN_CHANGES}, mapping)


def page(name: str, workspace: Workspace) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app_pages" / name), default_timeout=60)
    app.session_state["workspace"] = workspace
    app.run()
    assert not app.exception, app.exception
    return app


def test_data_quality_says_the_rows_overlap_with_the_counts_and_the_reading_in_force():
    app = page("data_quality.py", plan_changes())
    assert any(escape_markdown(COUNTS) in warning.value for warning in app.warning)  # shown literally
    assert any("rows add up" in caption.value for caption in app.caption)


def test_map_columns_says_the_rows_overlap_with_the_counts():
    app = page("mapping.py", plan_changes())
    assert any(escape_markdown(COUNTS) in warning.value for warning in app.warning)  # shown literally


def test_the_demo_raises_no_overlap_warning():
    app = AppTest.from_file(str(ROOT / "app_pages" / "data_quality.py"), default_timeout=60)
    app.run()
    assert not app.exception and not any("overlap" in warning.value for warning in app.warning)


def test_the_setting_is_on_definitions_and_settings_and_applies_to_every_page():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    app.switch_page("app_pages/settings.py").run()
    radio = next(r for r in app.radio if r.label == LABEL)
    assert radio.value == "add" and radio.options == ["Rows add up", "A customer's newer row replaces the older one"]
    radio.set_value("replace")
    next(b for b in app.button if b.label == "Apply to every page").click().run()
    assert not app.exception, app.exception
    assert app.session_state["kpi_settings"].subscription_rows == "replace"
    app.switch_page("app_pages/overview.py").run()
    shown = next(m.value for m in app.metric if m.label == "MRR")
    replaced = build_report(load_demo(), settings=Settings(subscription_rows="replace"))
    added = build_report(load_demo())
    assert replaced.metric("mrr").value != added.metric("mrr").value  # the demo has concurrent rows
    assert shown == fmt.money(replaced.metric("mrr").value, replaced.currency)
