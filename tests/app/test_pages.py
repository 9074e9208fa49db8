"""The pages under Streamlit's AppTest: they run, and show the engine's numbers."""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.demo import load_demo
from kpi.report.build import build_report
from ui import cards

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_tables():
    return load_demo()


def expected_cards(tables, as_of=None):
    report = build_report(tables, as_of)
    return {cards.CARDS[key].label: cards.CARDS[key].show(report.metric(key).value, report.currency)
            for key in cards.OVERVIEW + cards.OVERVIEW_FINANCE}  # the demo has a bank export


def shown_cards(app):
    return {metric.label: metric.value for metric in app.metric}


def start():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def test_overview_shows_the_latest_month_of_the_demo(demo_tables):
    app = start()
    assert shown_cards(app) == expected_cards(demo_tables)
    assert len(app.get("plotly_chart")) == 1


def test_overview_follows_the_as_of_month_chosen_in_the_sidebar(demo_tables):
    app = start()
    latest = pd.Period(app.query_params["as_of"][0] if isinstance(app.query_params["as_of"], list)
                       else app.query_params["as_of"], freq="M")
    earlier = latest - 6
    app.selectbox(key="as_of_select").set_value(earlier.strftime("%B %Y")).run()
    assert not app.exception
    assert shown_cards(app) == expected_cards(demo_tables, str(earlier))
    assert earlier.strftime("%B %Y") in app.caption[0].value


def test_deltas_compare_with_the_previous_month(demo_tables):
    app = start()
    report = build_report(demo_tables)
    mrr = report.metric("mrr")
    shown = {metric.label: metric.delta for metric in app.metric}
    assert shown["MRR"] == f"{(mrr.value / mrr.previous - 1) * 100:+.1f} %"


def test_data_quality_page_lists_every_demo_source(demo_tables):
    app = start()
    app.switch_page("app_pages/data_quality.py").run()
    assert not app.exception
    summary = app.dataframe[0].value
    assert set(summary["Source"]) == set(demo_tables.quality)
    assert (summary["Rows used"] <= summary["Rows read"]).all()


@pytest.mark.parametrize("as_of, label", [("2026-10", "Q4 2026 to date (October)"), ("2026-09", "Q3 2026")])
def test_overview_by_quarter_shows_the_quarters_figures_and_says_when_it_is_partial(demo_tables, as_of, label):
    from kpi.report.periods import period_metric
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params.update({"granularity": "quarter", "as_of": as_of})
    app.run()
    assert not app.exception, app.exception
    report = build_report(demo_tables, as_of)
    shown_keys = cards.OVERVIEW + cards.OVERVIEW_FINANCE  # the demo has a bank export
    expected = {cards.label(key, "quarter"): cards.CARDS[key].show(period_metric(report, key, "quarter").value,
                                                                   report.currency) for key in shown_keys}
    assert shown_cards(app) == expected
    assert "Logo churn" in expected and "NRR" in expected
    caption = app.caption[0].value.replace("\\", "")
    assert f"· {label}, compared with" in caption
    partial = [i.value for i in app.info if "is a partial quarter" in i.value]
    assert bool(partial) == (as_of == "2026-10")
    if as_of == "2026-09":  # a whole quarter's logo churn is over its three months, not September's alone
        assert period_metric(report, "logo_churn_rate", "quarter").value != report.metric("logo_churn_rate").value
