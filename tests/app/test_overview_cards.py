"""Overview cards under AppTest: a change that is not significant is grey, and targets show on the cards
and on the MRR trend."""

import json
from pathlib import Path

import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from kpi.demo import load_demo
from kpi.report.build import build_report
from kpi.report.significance import change_margin

ROOT = Path(__file__).resolve().parents[2]
GREY, GREEN, RED = MetricProto.MetricColor.GRAY, MetricProto.MetricColor.GREEN, MetricProto.MetricColor.RED


@pytest.fixture(scope="module")
def report():
    return build_report(load_demo())


def start(targets: dict | None = None, **query) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params.update(query)
    app.run()
    if targets is not None:  # as Definitions & settings saves them (the first run opened the workspace)
        app.session_state["kpi_targets"] = targets
        app.run()
    assert not app.exception, app.exception
    return app


def cards_of(app: AppTest) -> dict:
    return {metric.label: metric for metric in app.metric}


def test_an_nps_change_inside_its_margin_is_grey_and_says_so(report):
    shown = cards_of(start())
    nps = shown["NPS"]
    assert nps.delta == "-0.4 pts"
    assert nps.proto.color == GREY
    assert nps.proto.delta_description == f"±{change_margin(report, 'nps'):.1f} pts"
    assert "margin of error" in nps.proto.help
    assert shown["MRR"].proto.color == GREEN  # +5.3 % on every customer: coloured
    assert shown["Logo churn"].proto.color == GREEN  # −1.2 pp of churn is good news


def test_a_change_shown_as_zero_is_grey():
    shown = cards_of(start(as_of="2026-06"))
    assert shown["ARPA"].delta == "+0.0 %"  # 116.56 against 116.54
    assert shown["ARPA"].proto.color == GREY
    assert shown["ARPA"].proto.delta_description == ""  # no margin to quote for a revenue KPI


def test_cards_show_their_target_and_progress(report):
    mrr = report.metric("mrr").value
    app = start({"mrr": 66_000.0, "logo_churn_rate": 0.04, "gross_mrr_churn_rate": 0.02, "nps": 45.0})
    captions = [caption.value for caption in app.caption]
    assert f"Target €66.0k · {mrr / 66_000 * 100:.0f} %" in captions
    assert "Target ≤ 4.0 % · met" in captions  # logo churn 3.8 %: at or under is met
    assert "Target ≤ 2.0 % · 2.1 pp above" in captions  # gross MRR churn 4.1 %
    assert "Target ≥ +45 · 3.1 pts short" in captions  # NPS 41.9


def test_the_mrr_trend_draws_the_target_as_a_dashed_line():
    app = start({"mrr": 66_000.0})
    layout = json.loads(app.get("plotly_chart")[0].proto.spec)["layout"]
    lines = [shape for shape in layout.get("shapes", []) if shape.get("y0") == 66_000.0]
    assert len(lines) == 1 and lines[0]["line"]["dash"] == "dash"
    assert any(note.get("text") == "Target €66.0k" for note in layout.get("annotations", []))
    assert layout["yaxis"]["range"][1] >= 66_000.0  # the goal is in view


def test_no_target_no_line_and_no_caption():
    app = start()
    layout = json.loads(app.get("plotly_chart")[0].proto.spec)["layout"]
    assert not layout.get("shapes")
    assert not any(caption.value.startswith("Target") for caption in app.caption)
