"""The investor update page's finance block (ui/update_finance_view.py) under AppTest, on the tiny
burning company of tests/kpi/test_update_finance.py: runway, cash-zero month and plan vs actual."""

from streamlit.testing.v1 import AppTest


def _page():
    from kpi.report.update import investor_update
    from tests.kpi.test_update_finance import BURNING, PLAN, report_of
    from ui import update_finance_view

    report = report_of(BURNING, PLAN)
    update_finance_view.show(investor_update(report, "quarter", language="en"))


def test_the_cash_block_and_the_plan_table_show_the_update_s_figures():
    app = AppTest.from_function(_page, default_timeout=60).run()
    assert not app.exception, app.exception
    assert [h.value for h in app.subheader] == ["Cash & runway — Q1 2026", "Plan vs actual — March 2026"]
    shown = {m.label: m.value for m in app.metric}
    assert shown["Runway"] == "2.9\u00a0months" and shown["Cash-zero month"] == "May 2026"
    assert shown["Cash"] == "€14.8k" and shown["Net burn a month"] == "€5.07k"
    assert any("cash runs out in May 2026" in c.value for c in app.caption)
    table = app.dataframe[0].value
    assert table.set_index("KPI").loc["MRR", "Verdict"] == "missed by more than 10 %"
    assert table.set_index("KPI").loc["Cash", "Attainment"] == "148\u00a0%"
