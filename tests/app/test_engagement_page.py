"""The Engagement page: DAU/MAU and time to first value as the engine computes them, by segment,
and one sentence naming the file to add when there is no events table."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.demo import DEMO_DIR, demo_mapping, load_demo
from kpi.metrics import engagement
from kpi.report.build import build_report
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "engagement.py")


@pytest.fixture(scope="module")
def demo():
    tables = load_demo()
    return tables, build_report(tables)


@pytest.fixture(scope="module")
def app():
    return start()


def workspace_of(*names: str) -> Workspace:
    """A workspace with some of the demo's files and their part of its mapping."""
    return Workspace("x", {name: (DEMO_DIR / name).read_bytes() for name in names},
                     {key: value for key, value in demo_mapping().items() if key.split(":")[0] in names})


def start(workspace: Workspace | None = None) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=120)
    if workspace is not None:
        app.session_state["workspace"] = workspace
    app.run()
    assert not app.exception, app.exception
    return app


def trace_values(values) -> list:
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def test_cards_show_the_engines_dau_mau_and_ttfv(app, demo):
    _, report = demo
    shown = {metric.label: (metric.value, metric.delta) for metric in app.metric}
    dau_mau = report.metric("dau_mau")
    assert shown["DAU / MAU"] == (fmt.percent(report.engagement.dau_mau),
                                  fmt.point_change(dau_mau.value, dau_mau.previous))
    ttfv = report.engagement.ttfv
    assert shown["Time to first value"][0] == f"{ttfv.median_days:.1f} days"
    assert shown["Reached first value"][0] == fmt.percent(ttfv.reached / (ttfv.reached + ttfv.not_reached))


def test_each_card_has_its_formula_with_this_months_numbers(app, demo):
    _, report = demo
    texts = [t.value for t in app.text]
    engaged = report.engagement
    assert any(f"= {fmt.percent(engaged.dau_mau)}" in t and f"{fmt.count(engaged.mau)} monthly users" in t
               for t in texts), texts
    assert any(f"= {engaged.ttfv.median_days:.1f} days" in t for t in texts), texts
    assert len(app.get("popover")) == 3


def test_caption_names_the_workspace_month_and_value_event(app, demo):
    _, report = demo
    caption = app.caption[0].value
    assert "Plumeo" in caption and report.as_of.strftime("%B %Y") in caption
    assert "schedule\\_published" in caption


def test_trend_is_the_engines_dau_mau_by_month(app, demo):
    _, report = demo
    trend = json.loads(app.get("plotly_chart")[0].proto.spec)
    line = next(trace for trace in trend["data"] if trace["name"] == "DAU / MAU")
    expected = report.engagement.by_month["dau_mau"].tail(24)
    assert trace_values(line["y"]) == pytest.approx(expected.tolist(), nan_ok=True)


def test_ttfv_distribution_is_the_engines(app, demo):
    _, report = demo
    bars = json.loads(app.get("plotly_chart")[1].proto.spec)["data"][0]
    expected = engagement.ttfv_distribution(report.engagement.ttfv.rows)
    assert trace_values(bars["y"]) == expected["customers"].tolist()
    assert sum(trace_values(bars["y"])) == report.engagement.ttfv.reached


def test_segments_show_the_engines_numbers_per_attribute(app, demo):
    tables, report = demo
    by_segment = app.dataframe[0].value
    rows = report.engagement.ttfv.rows
    expected = engagement.ttfv_by_segment(rows, tables.get("customers"), "segment").set_index("segment")
    stickiness = engagement.dau_mau_by_segment(tables.get("events"), tables.get("customers"), "segment",
                                               as_of=report.as_of).set_index("segment")
    assert set(by_segment["Segment"]) == set(expected.index)
    for _, row in by_segment.iterrows():
        assert row["Time to first value"] == f"{expected.at[row['Segment'], 'median_days']:.1f} days"
        assert row["DAU / MAU"] == fmt.percent(stickiness.at[row["Segment"], "dau_mau"])
    assert "**By segment**" in [m.value for m in app.markdown]
    assert "Segments compared" in [h.value for h in app.subheader]


def test_without_events_one_sentence_names_the_file_to_add():
    app = start(workspace_of("stripe_subscriptions.csv", "crm_customers.csv"))
    [info] = app.info
    assert "**events**" in info.value and "Map columns" in info.value
    assert not app.metric
    assert [b.label for b in app.get("download_button")] == ["Events template (CSV)"]


def test_events_alone_still_show_stickiness():
    app = start(workspace_of("product_events.csv"))
    tables = load_demo()
    series = engagement.dau_mau_by_month(tables.get("events"))
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["DAU / MAU"] == fmt.percent(series["dau_mau"].iloc[-1])
