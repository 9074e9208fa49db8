"""The Unit economics page under AppTest: cards and workings equal the engine's, the benchmark hint, the
gross-margin setting, the costs chart, empty states, speed."""

import base64
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.demo import DEMO_DIR, demo_mapping, load_demo
from kpi.ingest.io import read_path
from kpi.ingest.mapping import build_tables
from kpi.metrics import economics
from kpi.report.build import Settings, build_report
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "economics.py")
STRIPE = "stripe_subscriptions.csv"


@pytest.fixture(scope="module")
def demo():
    tables = load_demo()
    return tables, build_report(tables)


def workspace_of(*names: str) -> Workspace:
    return Workspace("x", {name: (DEMO_DIR / name).read_bytes() for name in names},
                     {key: value for key, value in demo_mapping().items() if key.split(":")[0] in names})


def report_of(names: tuple[str, ...], settings: Settings = Settings()):
    mapping = {key: value for key, value in demo_mapping().items() if key.split(":")[0] in names}
    sheets = [sheet for name in names for sheet in read_path(DEMO_DIR / name)]
    return build_report(build_tables(sheets, mapping), settings=settings)


def start(workspace: Workspace | None = None) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    if workspace is not None:
        app.session_state["workspace"] = workspace
    app.run()
    assert not app.exception, app.exception
    return app


def cards(app: AppTest) -> dict[str, tuple[str, str]]:
    return {metric.label: (metric.value, metric.delta) for metric in app.metric}


def trace_values(values) -> list:
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def test_cards_show_the_engines_unit_economics_with_their_change(demo):
    _, report = demo
    unit, currency = report.unit_economics, report.currency
    shown = cards(start())
    assert shown["LTV"][0] == fmt.money(unit.ltv, currency, compact=False)
    assert shown["CAC"][0] == fmt.money(unit.cac, currency, compact=False)
    assert shown["LTV : CAC"][0] == fmt.ratio(unit.ltv_cac)
    assert shown["CAC payback"][0] == f"{unit.payback_months:.1f} months"
    assert shown["Retention cost (CRC)"][0] == fmt.money(unit.crc, currency, compact=False)
    assert shown["CS ROI"][0] == fmt.percent(unit.cs_roi)
    assert shown["Gross margin"][0] == fmt.percent(unit.gross_margin)
    ltv, margin, ratio = report.metric("ltv"), report.metric("gross_margin"), report.metric("ltv_cac")
    assert shown["LTV"][1] == fmt.relative_change(ltv.value, ltv.previous)
    assert shown["Gross margin"][1] == fmt.point_change(margin.value, margin.previous)
    assert shown["LTV : CAC"][1] == f"{ratio.value - ratio.previous:+.2f}×"


def test_cs_roi_has_its_card_and_formula_with_this_months_numbers(demo):
    _, report = demo
    unit, currency = report.unit_economics, report.currency
    app = start()
    shown = cards(app)
    roi = report.metric("cs_roi")
    assert shown["CS ROI"] == (fmt.percent(unit.cs_roi), fmt.point_change(roi.value, roi.previous))
    labels = [metric.label for metric in app.metric]
    assert labels.index("CS ROI") == labels.index("Retention cost (CRC)") + 1  # next to CRC
    formula = (f"(12 × {fmt.money(unit.cs_gained_mrr, currency)} − {fmt.money(unit.cs_costs, currency)}) ÷ "
               f"{fmt.money(unit.cs_costs, currency)} = {fmt.percent(unit.cs_roi)}")
    assert any(formula in text.value for text in app.text)
    workings = app.dataframe[0].value.set_index("kpi")
    assert workings.loc["CS ROI", "value"] == fmt.percent(unit.cs_roi)


def test_the_benchmark_hint_compares_ltv_cac_with_three(demo):
    _, report = demo
    app = start()
    hint = economics.ltv_cac_benchmark(report.unit_economics.ltv_cac)
    shown = app.warning if hint.met is False else app.success
    assert shown[0].value == hint.text
    assert fmt.ratio(report.unit_economics.ltv_cac) in shown[0].value


def test_workings_show_how_each_number_is_computed_this_month(demo):
    _, report = demo
    workings = start().dataframe[0].value.set_index("kpi")
    expected = economics.unit_economics_workings(report.unit_economics, report.currency).set_index("kpi")
    assert workings.to_dict() == expected.to_dict()
    unit = report.unit_economics
    assert workings.loc["CAC", "workings"] == (f"{fmt.money(unit.sales_marketing, report.currency)} ÷ "
                                               f"{fmt.count(unit.new_customers)}")


def test_ltv_variants_are_listed(demo):
    _, report = demo
    shown = start().dataframe[1].value
    expected = economics.ltv_variants_table(economics.ltv_variants(report.unit_economics), report.currency)
    assert shown["value"].tolist() == expected["value"].tolist()


def test_costs_chart_stacks_the_engines_monthly_costs(demo):
    tables, report = demo
    costs = economics.costs_up_to(tables.get("costs"), report.as_of, months=24)
    chart = json.loads(start().get("plotly_chart")[0].proto.spec)
    bars = {trace["name"]: trace_values(trace["y"]) for trace in chart["data"]}
    assert bars["Sales & marketing"] == pytest.approx(costs["sales_marketing"].tolist())
    assert bars["COGS"] == pytest.approx(costs["cogs"].tolist())


def test_ltv_cac_trend_is_the_reports_history(demo):
    _, report = demo
    chart = json.loads(start().get("plotly_chart")[1].proto.spec)
    history = report.metric("ltv_cac").history.dropna()
    assert trace_values(chart["data"][0]["y"]) == pytest.approx(history.tolist())


def test_with_cogs_mapped_the_margin_comes_from_costs_and_the_setting_is_off(demo):
    _, report = demo
    app = start()
    assert app.number_input(key="gross_margin_pct").disabled
    assert "comes from the costs table" in app.info[0].value
    assert fmt.percent(report.unit_economics.gross_margin) in app.info[0].value


def test_the_gross_margin_setting_changes_ltv_when_no_cogs_are_mapped():
    app = start(workspace_of(STRIPE))
    default = report_of((STRIPE,))
    assert cards(app)["LTV"][0] == fmt.money(default.unit_economics.ltv, default.currency, compact=False)
    assert not app.number_input(key="gross_margin_pct").disabled
    app.number_input(key="gross_margin_pct").set_value(50.0).run()
    assert not app.exception
    halved = report_of((STRIPE,), replace(Settings(), gross_margin=0.5))
    assert halved.unit_economics.ltv == pytest.approx(default.unit_economics.ltv / 2)
    assert cards(app)["LTV"][0] == fmt.money(halved.unit_economics.ltv, halved.currency, compact=False)
    assert cards(app)["Gross margin"][0] == "50.0 %"
    assert app.session_state["kpi_settings"].gross_margin == 0.5  # the session's settings, for every page


def test_without_costs_the_page_says_which_table_to_map():
    app = start(workspace_of(STRIPE))
    notes = [info.value for info in app.info]
    assert any("**costs**" in note and "Map columns" in note for note in notes)
    assert cards(app)["CAC"][0] == fmt.NOT_AVAILABLE
    assert cards(app)["CS ROI"][0] == fmt.NOT_AVAILABLE  # no customer-success costs: n/a, not a number
    assert len(app.get("plotly_chart")) == 0  # no costs, and LTV:CAC is n/a every month


def test_without_revenue_the_page_says_which_table_to_map():
    app = start(workspace_of("helpdesk_tickets.csv"))
    assert "subscriptions" in app.info[0].value and "Map columns" in app.info[0].value
    assert not app.metric


def test_the_page_answers_in_a_blink():
    app = start()
    started = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - started
    assert not app.exception
    assert elapsed < 2.0, f"a rerun of the Unit economics page took {elapsed:.2f} s"


def test_a_segment_filter_charges_the_segment_its_share_of_the_costs_and_says_so(demo):
    tables, company = demo
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.session_state["filter::segment"] = ["SMB"]
    app.run()
    assert not app.exception, app.exception
    from kpi.report.build import filter_tables
    smb = build_report(filter_tables(tables, (("segment", ("SMB",)),)), company=company.revenue.series)
    shown = cards(app)
    assert shown["LTV : CAC"][0] == fmt.ratio(smb.unit_economics.ltv_cac)
    assert shown["Gross margin"][0] == fmt.percent(company.unit_economics.gross_margin)  # COGS follow revenue
    assert app.caption[0].value.endswith("filtered: segment\\: SMB")
    notes = [i.value.replace("\\", "") for i in app.info]  # markdown-escaped
    note = next(n for n in notes if n.startswith("Segment filter:"))
    assert "allocated to the segment by its share of MRR (October 2026:" in note

    app.session_state["kpi_settings"] = Settings(cost_allocation="none")
    app.run()
    shown = cards(app)
    assert shown["CAC"][0] == "n/a" and shown["LTV : CAC"][0] == "n/a"
    assert any("not charged to a segment" in i.value.replace("\\", "") for i in app.info)
