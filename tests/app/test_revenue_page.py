"""The Revenue page: bridge, movements and the customers behind them, equal to the engine's."""

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.demo import load_demo
from kpi.metrics.revenue import bridge, movement_of
from kpi.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report():
    return build_report(load_demo())


def start(**query) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params.update(query)
    app.run()
    app.switch_page("app_pages/revenue.py").run()
    assert not app.exception, app.exception
    return app


def test_bridge_of_the_month_is_the_engines(report):
    app = start()
    waterfall = json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]
    expected = bridge(report.revenue.series, pd.PeriodIndex([report.as_of]))
    assert waterfall["type"] == "waterfall"
    assert waterfall["y"] == pytest.approx([expected["start"], expected["new"], expected["expansion"],
                                            expected["reactivation"], -expected["contraction"], -expected["churn"],
                                            expected["end"]])


def test_customers_behind_the_latest_month_are_listed(report):
    app = start()
    shown = app.dataframe[0].value
    expected = movement_of(report.revenue.mrr, report.as_of)
    assert sorted(shown["customer_id"]) == sorted(expected["customer_id"])
    churned = shown[shown["movement"] == "churn"]
    assert len(churned) == int(report.revenue.series.loc[report.as_of, "churned_customers"])


def test_choosing_another_month_lists_its_customers(report):
    app = start()
    month = report.as_of - 5
    app.selectbox(key="revenue_period").set_value(str(month)).run()
    shown = app.dataframe[0].value
    assert set(shown["month"]) == {str(month)}
    assert sorted(shown["customer_id"]) == sorted(movement_of(report.revenue.mrr, month)["customer_id"])


def test_quarterly_view_lists_the_quarters_customers(report):
    app = start(granularity="quarter")
    shown = app.dataframe[0].value
    quarter = report.as_of.asfreq("Q")
    assert {pd.Period(m, freq="M").asfreq("Q") for m in shown["month"]} == {quarter}


def test_the_mrr_csv_reads_back_as_the_engines_mrr_table_to_the_last_digit():
    import io

    import numpy as np
    import pandas as pd

    from kpi.demo import load_demo
    from kpi.report.build import build_report
    from ui.data import mrr_csv

    report = build_report(load_demo())
    back = pd.read_csv(io.BytesIO(mrr_csv(report)), index_col="customer_id", dtype={"customer_id": str})
    expected = report.revenue.mrr.loc[:, report.months]
    assert list(back.columns) == [str(m) for m in report.months]
    assert list(back.index) == list(expected.index)
    assert np.array_equal(back.to_numpy(), expected.to_numpy(dtype=float))


# ── drill-through: a click on a bar (simulated as the browser sends it) ─────────────────────────

def click(app: AppTest, chart_key: str, point: dict) -> AppTest:
    """Send the widget states of a click on one point of the chart `chart_key`, as the browser does,
    so the chart's on_select callback runs."""
    chart = next(c for c in app.get("plotly_chart") if c.proto.id.endswith(f"-{chart_key}"))
    states = app._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    state.string_value = json.dumps({"selection": {"points": [point], "point_indices": [point.get("point_index", 0)],
                                                   "box": [], "lasso": []}})
    app._run(states)
    assert not app.exception, app.exception
    return app


def dialog_of(app: AppTest):
    """The open dialog block (None when none is open)."""
    def walk(node):
        if getattr(node, "type", None) == "dialog":
            return node
        for child in getattr(node, "children", {}).values():
            if (found := walk(child)) is not None:
                return found
        return None
    return walk(app._tree)


def test_a_click_on_the_churn_bar_opens_its_customers_with_signed_amounts(report):
    app = click(start(), "bridge_chart", {"x": "Churn", "curve_number": 0, "point_number": 5, "point_index": 5})
    dialog = dialog_of(app)
    assert dialog is not None
    listed = dialog.dataframe[0].value
    expected = bridge(report.revenue.series, pd.PeriodIndex([report.as_of]))
    assert set(listed["movement"]) == {"churn"}
    assert (listed["change"] < 0).all()
    assert listed["change"].sum() == pytest.approx(-expected["churn"])  # what the bridge draws, sign included
    assert all(link.startswith("customers?") and f"customer={cid}" in link
               for link, cid in zip(listed["customer"], listed["customer_id"], strict=True))
    summary = " ".join(t.value for t in dialog.text)
    assert "churn:" in summary and "−€" in summary  # the currency and the minus sign of a loss


def test_each_click_replaces_the_whole_selection(report):
    app = start()
    earlier = report.as_of - 5
    app.selectbox(key="revenue_period").set_value(str(earlier)).run()
    click(app, "bridge_chart", {"x": "Churn", "curve_number": 0, "point_number": 5, "point_index": 5})
    assert app.session_state["revenue_period"] == str(report.as_of)  # the bridge's period, not the older one
    assert app.session_state["revenue_kinds"] == ["churn"]
    # a later click on the movements chart: another month and another movement, both replaced
    month = report.as_of - 2
    click(app, "movements_chart", {"x": month.to_timestamp().strftime("%Y-%m-%d"), "y": 100.0, "curve_number": 0,
                                   "point_number": 0, "point_index": 0})
    assert app.session_state["revenue_period"] == str(month)
    assert app.session_state["revenue_kinds"] == ["new"]
    shown = app.dataframe[0].value
    assert set(shown["month"]) == {str(month)} and set(shown["movement"]) <= {"new"}
    assert (shown["change"] > 0).all()


def test_a_rerun_for_another_reason_does_not_reopen_the_dialog(report):
    app = click(start(), "bridge_chart", {"x": "New", "curve_number": 0, "point_number": 1, "point_index": 1})
    assert dialog_of(app) is not None
    app.run()  # the chart keeps its selection; no new click
    assert dialog_of(app) is None


def test_the_bridge_hover_says_the_movement_not_the_running_total(report):
    app = start()
    waterfall = json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]
    expected = bridge(report.revenue.series, pd.PeriodIndex([report.as_of]))
    assert "%{customdata}" in waterfall["hovertemplate"] and "%{y" not in waterfall["hovertemplate"]
    hover = dict(zip(waterfall["x"], waterfall["customdata"], strict=True))
    assert hover["New"] == "+" + fmt.money(expected["new"], "EUR")
    assert hover["Churn"] == fmt.money(-expected["churn"], "EUR") and hover["Churn"].startswith("−€")
    assert hover["Opening MRR"] == fmt.money(expected["start"], "EUR")


def test_explorer_amounts_are_signed_and_in_the_reports_currency(report):
    app = start()
    table = app.dataframe[0]
    shown = table.value
    signed = shown.groupby("movement")["change"].agg(["min", "max"])
    assert signed.loc["churn", "max"] < 0 and signed.loc["new", "min"] > 0
    config = json.loads(table.proto.columns)
    assert config["change"]["type_config"]["format"] == "euro"
    assert config["customer"]["type_config"]["type"] == "link"


def test_a_click_in_the_quarterly_view_lists_the_quarters_customers(report):
    app = click(start(granularity="quarter"), "bridge_chart",
                {"x": "Contraction", "curve_number": 0, "point_number": 4, "point_index": 4})
    quarter = report.as_of.asfreq("Q")
    assert app.session_state["revenue_period"] == str(quarter)
    listed = dialog_of(app).dataframe[0].value
    months = [m for m in report.months if m.asfreq("Q") == quarter]
    expected = bridge(report.revenue.series, pd.PeriodIndex(months))
    assert set(listed["movement"]) == {"contraction"}
    assert listed["change"].sum() == pytest.approx(-expected["contraction"])


def test_the_opening_and_closing_bars_open_nothing():
    app = click(start(), "bridge_chart", {"x": "Closing MRR", "curve_number": 0, "point_number": 6, "point_index": 6})
    assert dialog_of(app) is None
    assert app.session_state["revenue_kinds"] == ["new", "expansion", "reactivation", "contraction", "churn"]


def test_a_click_on_the_net_new_line_lists_every_movement_of_that_month(report):
    month = report.as_of - 1
    app = click(start(), "movements_chart", {"x": month.to_timestamp().strftime("%Y-%m-%d"), "y": 10.0,
                                             "curve_number": 5, "point_number": 0, "point_index": 0})
    listed = dialog_of(app).dataframe[0].value
    assert set(listed["month"]) == {str(month)}
    assert listed["change"].sum() == pytest.approx(report.revenue.series.loc[month, "mrr"]
                                                   - report.revenue.series.loc[month - 1, "mrr"])


def _texts(app: AppTest) -> list[str]:
    return [element.value for element in app.text] + [element.value for element in app.markdown]


def test_renewals_show_the_rate_card_and_the_annual_plans_last_12_months(report):
    app = start()
    card = next(metric for metric in app.metric if metric.label == "Renewal rate")
    rate = report.metric("renewal_rate")
    assert card.value == fmt.percent(rate.value) and card.delta == fmt.point_change(rate.value, rate.previous)
    row = report.revenue.renewals.loc[report.as_of]
    assert (f"{fmt.count(row['renewed'])} renewed of {fmt.count(row['renewing'])} renewing customers = "
            f"{fmt.percent(rate.value)}") in " ".join(_texts(app))  # the Formula popover
    annual = report.revenue.annual_renewals.loc[report.as_of - 11:report.as_of].iloc[::-1]
    table = app.dataframe[-1].value
    assert table["Month"].tolist()[0] == report.as_of.strftime("%b %Y") and len(table) == 12
    assert table["Renewing"].tolist() == annual["renewing"].tolist()
    assert table["Renewed"].tolist() == annual["renewed"].tolist()
    assert table["Renewal rate"].tolist() == [fmt.percent(value) for value in annual["renewal_rate"]]
    together = f"{fmt.count(annual['renewed'].sum())} renewed of {fmt.count(annual['renewing'].sum())} renewing"
    assert any(together in text for text in _texts(app))


def test_the_quarters_renewal_rate_is_its_months_renewals_together(report):
    app = start(granularity="quarter")
    card = next(metric for metric in app.metric if metric.label == "Renewal rate")
    months = report.revenue.renewals.loc[pd.Period(f"{report.as_of.year}-10", "M"):report.as_of]  # Q4 to date
    assert card.value == fmt.percent(months["renewed"].sum() / months["renewing"].sum())


def test_with_invoices_the_page_says_why_there_is_no_renewal_rate():
    from kpi.ingest.mapping import parse_mapping
    from ui.state import Workspace

    invoices = b"Customer,Date,Amount\nA,2025-01-05,100\nA,2025-02-05,100\nB,2025-02-07,50\n"
    workspace = Workspace("invoices", {"invoices.csv": invoices}, parse_mapping(json.dumps({"invoices.csv": {
        "table": "invoices", "columns": {"customer_id": "Customer", "date": "Date", "amount": "Amount"}}})))
    app = AppTest.from_file(str(ROOT / "app_pages" / "revenue.py"), default_timeout=60)
    app.session_state["workspace"] = workspace
    app.run()
    assert not app.exception, app.exception
    assert "Renewal rate" not in [metric.label for metric in app.metric]
    assert any("invoices and MRR rows do not say when a customer comes up for renewal" in caption.value
               for caption in app.caption)


def test_the_customer_links_of_the_table_are_each_customers_own_link():
    """`drill.customer_links` encodes the link's choices once: every ID, plain or needing quotes,
    gets the link `customer_link` writes for it alone."""
    from ui import drill

    ids = pd.Series(["cus_001", "a b&c", "é-ü", "x/y?z=1", "=HYPERLINK(1)", "~._-", "100"], dtype="string")
    for params in ({}, {"ws": "demo", "as_of": "2026-05", "customer": "old"}, {"segment": "SMB & Co"}):
        assert drill.customer_links(ids, params) == [drill.customer_link(str(c), params) for c in ids]
