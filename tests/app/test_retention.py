"""The Retention page under AppTest: its heatmaps, curves and CSV show the engine's cohorts."""

from __future__ import annotations

import base64
import io
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from kpi.demo import demo_files, demo_mapping, load_demo
from kpi.ingest.io import read_bytes
from kpi.ingest.recognise import auto_mapping
from kpi.metrics import cohorts as cohort_analysis
from kpi.report.build import Settings, build_report
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "retention.py")


@pytest.fixture(scope="module")
def demo_tables():
    return load_demo()


@pytest.fixture(scope="module")
def demo(demo_tables):
    return build_report(demo_tables)


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What each download button would hand the browser, by its media URL's file id."""
    files: dict[str, bytes] = {}
    load = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        file_id = load(self, path_or_data, mimetype, kind, filename)
        files[file_id] = path_or_data if isinstance(path_or_data, bytes) else Path(path_or_data).read_bytes()
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return files


def start(workspace: Workspace | None = None, monthly: bool = True, **state) -> AppTest:
    """The page alone: state.current() falls back to the demo workspace and the latest month.
    `monthly`: monthly cohorts chosen on the page, as a user can (its 36 monthly cohorts open by
    quarter); the tests below compare them with the report's, built by month."""
    app = AppTest.from_file(PAGE, default_timeout=60)
    if workspace is not None:
        app.session_state["workspace"] = workspace
    if monthly:
        app.session_state["retention_period::month"] = "month"
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def figure(app: AppTest, key: str) -> dict:
    [chart] = [c for c in app.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    return json.loads(chart.proto.spec)


def array(value) -> np.ndarray:
    """A Plotly JSON array (a list with nulls, or a base64 typed array) as floats, null → NaN."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).astype(float)
        shape = value.get("shape")
        return data.reshape([int(n) for n in str(shape).split(",")]) if shape else data
    return np.array([[np.nan if v is None else v for v in row] if isinstance(row, list) else
                     (np.nan if row is None else row) for row in value], dtype=float)


def heatmap(app: AppTest, kind: str) -> tuple[np.ndarray, list[str], list[int]]:
    """(z, cohort labels, ages) of the logo or revenue heatmap, its last row — the Average — left out."""
    trace = figure(app, f"heatmap_{kind}")["data"][0]
    assert trace["y"][-1] == "Average"
    return array(trace["z"])[:-1], list(trace["y"])[:-1], [int(x) for x in array(trace["x"])]


def same(shown: np.ndarray, expected: pd.DataFrame) -> bool:
    return np.allclose(shown, expected.to_numpy(dtype=float, na_value=np.nan), equal_nan=True)


def test_logo_heatmap_is_the_reports_logo_retention(demo):
    app = start()
    z, labels, ages = heatmap(app, "logo")
    assert same(z, demo.cohorts.logo)
    assert ages == list(demo.cohorts.logo.columns)
    assert labels[0] == f"{demo.cohorts.sizes.index[0].strftime('%Y-%m')} · {demo.cohorts.sizes.iloc[0]}"
    assert [int(label.split(" · ")[1]) for label in labels] == demo.cohorts.sizes.tolist()


def test_revenue_heatmap_is_the_reports_revenue_retention(demo):
    z, _, _ = heatmap(start(), "revenue")
    assert same(z, demo.cohorts.revenue)


def test_future_cells_are_empty_and_cells_say_their_percentage(demo):
    trace = figure(start(), "heatmap_logo")["data"][0]
    z = array(trace["z"])
    assert np.isnan(z[-2, 1:]).all()  # the as-of cohort (above the Average row) has only reached age 0
    text = trace["text"]
    assert text[-2][1] == ""
    assert text[0][0] == f"{round(demo.cohorts.logo.iat[0, 0] * 100)}"  # 36 ages: no room for "%"
    assert trace["texttemplate"] == ""  # … nor for a number of 10 px: the hover says it
    assert trace["colorscale"][0][1] == "#440154"  # Viridis: readable with any colour vision


def test_counts_mode_shows_members_and_amounts(demo):
    app = start()
    app.segmented_control(key="retention_cells").set_value("values").run()
    assert not app.exception
    counts, _, _ = heatmap(app, "logo")
    assert same(counts, demo.cohorts.counts.astype(float))
    assert np.array_equal(counts[~np.isnan(counts)], np.round(counts[~np.isnan(counts)]))  # whole customers
    amounts, _, _ = heatmap(app, "revenue")
    assert same(amounts, demo.cohorts.amounts)


def test_previous_period_mode_divides_by_the_age_before(demo):
    app = start()
    app.segmented_control(key="retention_cells").set_value("previous").run()
    z, _, ages = heatmap(app, "logo")
    expected = cohort_analysis.period_over_period(demo.cohorts.logo)
    assert ages[0] == 1 and same(z, expected)
    revenue, _, _ = heatmap(app, "revenue")
    assert same(revenue, cohort_analysis.period_over_period(demo.cohorts.amounts))


def test_signup_toggle_builds_cohorts_by_signup_month(demo_tables, demo):
    app = start()
    app.segmented_control(key="retention_cohort_by").set_value("signup").run()
    assert not app.exception
    by_signup = build_report(demo_tables, settings=Settings(cohort_by="signup")).cohorts
    z, labels, _ = heatmap(app, "logo")
    sizes = [int(label.split(" · ")[1]) for label in labels]
    assert sizes == by_signup.sizes.tolist() != demo.cohorts.sizes.tolist()
    assert same(z, by_signup.logo)
    assert "by signup" in app.caption[0].value


def test_quarterly_granularity_from_the_sidebar_gives_quarterly_cohorts(demo_tables):
    app = start(granularity="quarter")
    quarterly = build_report(demo_tables, settings=Settings(cohort_period="quarter")).cohorts
    z, labels, _ = heatmap(app, "logo")
    assert same(z, quarterly.logo)
    assert labels[0].startswith(f"{quarterly.sizes.index[0].year} Q{quarterly.sizes.index[0].quarter} · ")
    assert app.segmented_control(key="retention_cells").options[1] == "% of previous quarter"


def test_csv_export_is_the_matrix_shown(demo, downloads):
    app = start()
    app.segmented_control(key="retention_cells").set_value("values").run()
    button = app.get("download_button")[0]
    assert button.proto.id.endswith("-csv_logo")
    file_id = button.proto.url.rsplit("/", 1)[1].split(".")[0]
    assert downloads[file_id].decode() == demo.cohorts.counts.to_csv()
    shown = pd.read_csv(io.BytesIO(downloads[file_id]), index_col="cohort")
    assert shown.shape == demo.cohorts.counts.shape


def test_average_curve_and_age_trend_are_the_engines(demo):
    app = start()
    average = cohort_analysis.average_retention(demo.cohorts)
    curves = {trace["name"]: array(trace["y"]) for trace in figure(app, "average_curve")["data"] if "name" in trace}
    assert np.allclose(curves["Logo retention"], average["logo"].to_numpy())
    assert np.allclose(curves["Revenue retention"], average["revenue"].dropna().to_numpy())
    app.number_input(key="retention_age").set_value(6).run()
    trend = {trace["name"]: array(trace["y"]) for trace in figure(app, "age_trend")["data"] if "name" in trace}
    assert np.allclose(trend["Logo"], cohort_analysis.age_trend(demo.cohorts, 6, "logo").to_numpy())


def test_churn_trend_is_the_monthly_logo_churn_rate(demo):
    app = start()
    logo = next(t for t in figure(app, "churn_trend")["data"] if t["name"] == "Logo churn")
    expected = demo.revenue.kpis.loc[demo.months, "logo_churn_rate"].dropna()
    assert np.allclose(array(logo["y"]), expected.to_numpy())


def test_segment_comparison_overlays_two_segments_average_curves(demo_tables, demo):
    app = start()
    assert app.selectbox(key="retention_attribute").value == "segment"
    first, second = app.selectbox(key="retention_a::segment").value, app.selectbox(key="retention_b::segment").value
    assert first == "SMB" and second != first  # the largest segments first
    customers = demo_tables.frames["customers"]
    for key in ("segments_logo", "segments_revenue"):
        curves = {trace["name"]: array(trace["y"]) for trace in figure(app, key)["data"] if "name" in trace}
        assert len(curves) == 2
        for value in (first, second):
            ids = customers.loc[customers["segment"] == value, "customer_id"]
            cohorts = cohort_analysis.revenue_cohorts(demo.revenue.mrr, as_of=demo.as_of, segment=ids)
            expected = cohort_analysis.average_retention(cohorts)["logo" if key == "segments_logo" else "revenue"]
            assert np.allclose(curves[f"{value} ({cohorts.sizes.sum()})"], expected.dropna().to_numpy())


def test_segment_values_are_escaped_in_chart_labels():
    from ui.retention_charts import plain

    assert plain("<b>Pro</b> & co") == "&lt;b&gt;Pro&lt;/b&gt; &amp; co"


def test_empty_workspace_says_what_to_map():
    app = start(Workspace("x", {}, {}))
    assert "Map a **subscriptions**" in app.info[0].value
    assert not app.get("plotly_chart")


def test_events_only_workspace_shows_logo_retention_and_says_what_needs_amounts():
    keep = {"product_events.csv", "crm_customers.csv"}
    files = {path.name: path.read_bytes() for path in demo_files() if path.name in keep}
    app = start(Workspace("events", files, {k: v for k, v in demo_mapping().items() if k in keep}))
    shown = [chart.proto.id.rsplit("-", 1)[1] for chart in app.get("plotly_chart")]
    assert shown == ["heatmap_logo", "average_curve", "age_trend", "segments_logo"]
    infos = [info.value for info in app.info]
    assert "Events carry no amounts: revenue retention needs a revenue or orders table." in infos
    assert "The churn rate needs a revenue table (subscriptions, invoices or MRR)." in infos
    assert "by first event" in app.caption[0].value


def test_orders_workspace_has_logo_and_revenue_heatmaps_in_every_mode():
    path = ROOT / "tests" / "fixtures" / "ecommerce_orders.csv"
    mapping, _ = auto_mapping(read_bytes(path.name, path.read_bytes()))
    app = start(Workspace("orders", {path.name: path.read_bytes()}, mapping))
    assert "by first order" in app.caption[0].value
    assert app.segmented_control(key="retention_cohort_by").proto.disabled  # no signup date mapped
    for mode in ("values", "previous", "start"):
        app.segmented_control(key="retention_cells").set_value(mode).run()
        assert not app.exception
        assert {chart.proto.id.rsplit("-", 1)[1] for chart in app.get("plotly_chart")} >= {"heatmap_logo",
                                                                                             "heatmap_revenue"}


def test_a_coarser_granularity_keeps_the_chosen_age_within_reach():
    app = start()
    app.number_input(key="retention_age").set_value(30).run()
    app.session_state["granularity"] = "year"
    app.run()
    assert not app.exception
    assert app.number_input(key="retention_age").value == 3  # cohort 2023 (from November) is 3 years on in 2026


def test_page_answers_from_the_cache_once_the_report_is_computed(monkeypatch):
    import ui.data
    import ui.retention_charts

    app = start()  # warms the report cache
    ui.retention_charts._cohorts.clear()  # signup cohorts another test computed are not this test's
    calls = []

    def spy(name, real):
        return lambda *args, **kwargs: calls.append(name) or real(*args, **kwargs)

    monkeypatch.setattr(ui.data, "build_report", spy("report", ui.data.build_report))
    monkeypatch.setattr(ui.retention_charts, "build_cohorts", spy("cohorts", ui.retention_charts.build_cohorts))
    app.segmented_control(key="retention_cohort_by").set_value("signup").run()  # new cohorts, same report
    assert not app.exception
    assert "report" not in calls and "cohorts" in calls
    calls.clear()
    app.run()  # nothing changed: nothing is computed again
    assert not app.exception
    assert calls == []


def test_more_than_24_monthly_cohorts_open_by_quarter_with_readable_numbers_and_an_average_row(demo_tables):
    app = start(monthly=False)
    assert app.segmented_control(key="retention_period::month").value == "quarter"
    assert any("Shown by quarter: 36 monthly cohorts" in caption.value for caption in app.caption)
    quarterly = build_report(demo_tables, settings=Settings(cohort_period="quarter")).cohorts
    data = figure(app, "heatmap_logo")["data"]
    z, labels, _ = heatmap(app, "logo")
    assert same(z, quarterly.logo)
    assert data[0]["texttemplate"] == "%{text}" and data[0]["textfont"]["size"] >= 10
    assert data[0]["text"][0][0] == f"{round(quarterly.logo.iat[0, 0] * 100)}%"
    assert data[0]["y"][-1] == "Average"
    expected = cohort_analysis.weighted_average_row(quarterly.logo, quarterly.sizes)
    assert np.allclose(array(data[0]["z"])[-1], expected.to_numpy(), equal_nan=True)
    assert data[0]["text"][-1][0] == f"{round(expected.iat[0] * 100)}%"
    [average] = [trace for trace in data if trace.get("name") == "average"]  # its hover
    assert set(average["y"]) == {"Average"} and "weighted by cohort size" in average["hovertemplate"]


def test_monthly_cohorts_stay_a_choice_and_every_view_has_its_average_row(demo):
    app = start(monthly=False)
    app.segmented_control(key="retention_period::month").set_value("month").run()
    assert not app.exception
    z, _, _ = heatmap(app, "logo")
    assert same(z, demo.cohorts.logo)
    for cells, matrix in (("values", demo.cohorts.counts), ("previous", cohort_analysis.period_over_period(
            demo.cohorts.logo))):
        app.segmented_control(key="retention_cells").set_value(cells).run()
        trace = figure(app, "heatmap_logo")["data"][0]
        expected = cohort_analysis.weighted_average_row(matrix.astype(float), demo.cohorts.sizes)
        assert np.allclose(array(trace["z"])[-1], expected.to_numpy(), equal_nan=True)


def test_cell_numbers_are_10_px_or_more_or_left_to_the_hover():
    from ui.retention_charts import cell_text_size

    assert cell_text_size(12, "percent") == 12 and cell_text_size(12, "amount") == 12
    assert cell_text_size(20, "percent") == 10 and cell_text_size(16, "amount") == 10
    assert cell_text_size(36, "percent") is None and cell_text_size(20, "amount") is None  # "1.2k1.2k" no more
    sizes = [cell_text_size(columns, as_) for columns in range(1, 60) for as_ in ("percent", "count", "amount")]
    assert all(size is None or size >= 10 for size in sizes)
