"""The Revenue page: bridge, movements and the customers behind them, equal to the engine's."""

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

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
