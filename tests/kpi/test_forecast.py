"""kpi.metrics.forecast on tiny hand-made companies, the future-independence property, the JSON,
and ui.forecast_chart (a forecast is drawn as a forecast, never as data)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.metrics import forecast
from kpi.metrics.revenue import movements
from ui import forecast_chart

P = pd.Period


def company(rows: dict[str, list[float]], start: str = "2024-01") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The customer × month MRR matrix of `rows` (customer → MRR per month from `start`) and its movements."""
    months = len(next(iter(rows.values())))
    mrr = pd.DataFrame(list(rows.values()), index=pd.Index(list(rows), name="customer_id"),
                       columns=pd.period_range(start, periods=months, freq="M"))
    return mrr, movements(mrr)


def test_naive_drift_by_hand():
    # MRR(T) = 1 300 in 2024-12, MRR(T−6) = 1 000 in 2024-06: drift (1 300 − 1 000) ÷ 6 = 50 a month
    mrr = pd.Series([700, 800, 850, 900, 950, 1000, 1100, 1150, 1200, 1250, 1280, 1300],
                    index=pd.period_range("2024-01", periods=12, freq="M"))
    drift = forecast.naive_drift(mrr, P("2024-12", "M"), 6)
    assert list(drift.index.astype(str)) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert drift.tolist() == [1350.0, 1400.0, 1450.0, 1500.0, 1550.0, 1600.0]


def test_naive_drift_of_a_shrinking_company_goes_down():
    mrr = pd.Series([900.0] * 6 + [600.0] * 6, index=pd.period_range("2024-01", periods=12, freq="M"))
    assert forecast.naive_drift(mrr, P("2024-12", "M"), 3).tolist() == [550.0, 500.0, 450.0]


def test_constant_mrr_without_movements_forecasts_a_flat_line_with_no_spread():
    mrr, series = company({"A": [100.0] * 24, "B": [50.0] * 24, "C": [150.0] * 24})
    result = forecast.forecast_mrr(mrr, series, P("2025-12", "M"))
    assert list(result.months.index.astype(str)) == [f"2026-{m:02d}" for m in range(1, 13)]
    assert result.months.index.name == "month"
    assert np.allclose(result.months.to_numpy(), 300.0)
    test = result.backtest
    assert test.origins == 12
    assert test.mape_h3 == pytest.approx(0.0) and test.naive_mape_h3 == pytest.approx(0.0)
    assert test.coverage_80 == 1.0


def test_steady_geometric_decline_is_forecast_as_the_same_decline():
    # two customers each losing 10 % of their MRR every month, no new business: retention 0.9 at every age
    decline = 0.9 ** np.arange(30)
    mrr, series = company({"A": list(1000.0 * decline), "B": list(500.0 * decline)})
    as_of = P("2026-06", "M")
    result = forecast.forecast_mrr(mrr, series, as_of)
    expected = 1500.0 * 0.9 ** 29 * 0.9 ** np.arange(1, 13)
    for column in ("p10", "p50", "p90"):
        assert np.allclose(result.months[column].to_numpy(), expected, rtol=1e-9)
    assert result.backtest.mape_h3 == pytest.approx(0.0, abs=1e-9)
    # the drift misses a geometric decline: MRR(T) − 3 × the mean fall of the last 6 months
    naive = forecast.naive_drift(series["mrr"], as_of - 3, 3).iloc[-1]
    assert result.backtest.naive_mape_h3 > 0.01 and naive < series["mrr"].iloc[-1]


def test_steady_new_business_without_churn_is_forecast_as_the_same_additions():
    # one new customer at 100 a month from 2024-01, nobody churns: retention 1 at every age, and new
    # business g = 100 every month after the first, a flat curve: MRR(M+k) = MRR(M) + 100 × k, no spread
    months = 30
    rows = {f"c{i}": [0.0] * i + [100.0] * (months - i) for i in range(months)}
    mrr, series = company(rows)
    result = forecast.forecast_mrr(mrr, series, P("2026-06", "M"))
    expected = 3000.0 + 100.0 * np.arange(1, 13)
    for column in ("p10", "p50", "p90"):  # to 1e-7: the fit's tiny ridge (1e-9) moves the curve a hair
        assert np.allclose(result.months[column].to_numpy(), expected, rtol=1e-7)
    assert result.backtest.mape_h3 == pytest.approx(0.0, abs=1e-7)


def test_growing_new_business_carries_half_its_growth_rate_forward():
    # customer i starts in month i at 100 × 1.05^i and never churns: g(t) = 100 × 1.05^t after the
    # first month, exactly log-linear; the forecast adds g(M) × 1.05^(k/2) in month M+k (half the
    # growth rate, GROWTH_SHARE = 0.5), so MRR(M+k) = MRR(M) + Σ_{j=1..k} g(M) × 1.05^(j/2)
    months = 24
    plans = 100.0 * 1.05 ** np.arange(months)
    mrr, series = company({f"c{i}": [0.0] * i + [plans[i]] * (months - i) for i in range(months)})
    result = forecast.forecast_mrr(mrr, series, P("2025-12", "M"), horizon=6)
    added = plans[-1] * 1.05 ** (np.arange(1, 7) / 2)
    expected = plans.sum() + np.cumsum(added)
    assert np.allclose(result.months["p50"].to_numpy(), expected, rtol=1e-6)
    assert np.allclose(result.months["p10"].to_numpy(), result.months["p90"].to_numpy(), rtol=1e-6)


def test_new_business_leaves_out_the_first_month_and_keeps_thirty_six():
    mrr, series = company({"A": [0.0, 0.0] + [100.0] * 40, "B": [0.0] * 10 + [50.0] * 32})
    g = forecast.new_business(series, P("2027-06", "M"))
    # first MRR in 2024-03 (A's start, a stock): 2024-04 … 2027-06 is 39 months, the last 36 kept
    assert len(g) == 36 and str(g.index[0]) == "2024-07" and str(g.index[-1]) == "2027-06"
    assert g.sum() == 50.0 and g.loc[P("2024-11", "M")] == 50.0  # B's start; A's 2024-03 is left out
    early = forecast.new_business(series, P("2024-12", "M"))
    assert str(early.index[0]) == "2024-04" and len(early) == 9 and early.sum() == 50.0


def test_poisson_fit_recovers_an_exact_log_linear_curve():
    offsets = np.arange(20) - 19.0
    g = 400.0 * 1.03 ** offsets
    beta, covariance = forecast.poisson_fit(g, forecast.design(offsets, np.zeros(20), seasonal=False))
    assert beta == pytest.approx([np.log(400.0), 12 * np.log(1.03)], rel=1e-7)
    assert np.allclose(covariance, 0.0, atol=1e-12)  # no departure from the curve: no uncertainty


def test_the_yearly_wave_is_kept_only_when_new_business_has_one():
    rng = np.random.default_rng(4)
    offsets = np.arange(30) - 29.0
    months = (np.arange(30) % 12) + 1.0
    wave = 1000.0 * np.exp(0.4 * np.sin(2 * np.pi * months / 12)) * rng.normal(1.0, 0.05, 30)
    flat = 1000.0 * rng.normal(1.0, 0.05, 30)
    assert forecast.is_seasonal(wave, offsets, months)
    assert not forecast.is_seasonal(flat, offsets, months)
    assert not forecast.is_seasonal(wave[:11], offsets[:11], months[:11])  # under 12 months: never


def test_backtest_origins_of_a_twenty_month_history_counted_by_hand():
    # history 2024-01 … 2025-08 (20 months); origins must have ≥ 12 months: 2024-12 … 2025-07, i.e. 8.
    # Scored points: 2024-12, 2025-01, 2025-02 → 6 each; 2025-03 → 5, 04 → 4, 05 → 3, 06 → 2, 07 → 1 = 33.
    growing = [100.0 + 10 * m for m in range(20)]
    mrr, series = company({"A": growing, "B": [80.0] * 20})
    result = forecast.forecast_mrr(mrr, series, P("2025-08", "M"))
    points = result.backtest.points
    assert result.backtest.origins == 8
    assert sorted(points["origin"].astype(str).unique()) == [
        "2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]
    assert len(points) == 33
    assert (points["month"] <= P("2025-08", "M")).all()
    assert len(points[points["horizon"] == 3]) == 6
    assert list(points.columns) == ["origin", "horizon", "month", "actual", "p10", "p50", "p90", "naive"]


def test_no_forecast_under_twelve_months_of_history():
    mrr, series = company({"A": [0.0, 0.0] + [100.0] * 11})
    assert forecast.history_months(series, P("2025-01", "M")) == 11
    assert forecast.forecast_mrr(mrr, series, P("2025-01", "M")) is None


def test_twelve_months_of_history_forecast_without_a_backtest():
    mrr, series = company({"A": [0.0, 0.0] + [100.0] * 12})
    result = forecast.forecast_mrr(mrr, series, P("2025-02", "M"))
    assert result is not None and len(result.months) == 12
    assert result.backtest.origins == 0
    assert result.to_json()["backtest"] == {"origins": 0, "mape_h3": None, "naive_mape_h3": None,
                                            "coverage_80": None}


def test_no_revenue_and_an_as_of_outside_the_data_give_no_forecast():
    mrr, series = company({"A": [100.0] * 14})
    assert forecast.forecast_mrr(mrr.iloc[:0], series.iloc[:0], P("2025-02", "M")) is None
    assert forecast.forecast_mrr(mrr, series, P("2027-01", "M")) is None


def noisy_company(seed: int, customers: int = 60, months: int = 30) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small random company: customers start at random months, pay random plans, churn, expand."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, months - 6, customers)
    stop = start + rng.integers(3, months + 10, customers)
    plan = rng.choice([29.0, 49.0, 99.0, 299.0], customers)
    t = np.arange(months)
    values = np.where((t >= start[:, None]) & (t < stop[:, None]), plan[:, None], 0.0)
    values = values * np.where(t >= (start + 8)[:, None], rng.choice([1.0, 1.5], customers)[:, None], 1.0)
    return company({f"c{i}": list(row) for i, row in enumerate(values)})


def test_same_data_same_forecast():
    mrr, series = noisy_company(3)
    first = forecast.forecast_mrr(mrr, series, P("2026-03", "M"))
    again = forecast.forecast_mrr(mrr.copy(), series.copy(), P("2026-03", "M"))
    pd.testing.assert_frame_equal(first.months, again.months)
    assert first.to_json() == again.to_json()


def test_band_is_ordered_and_the_median_continues_a_growing_company():
    mrr, series = noisy_company(5)
    result = forecast.forecast_mrr(mrr, series, P("2026-06", "M"))
    months = result.months
    assert (months["p10"] <= months["p50"]).all() and (months["p50"] <= months["p90"]).all()
    assert (months["p90"] - months["p10"]).iloc[-1] > (months["p90"] - months["p10"]).iloc[0]


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), factor=st.floats(0.0, 5.0), cut=st.integers(20, 28))
def test_months_after_as_of_never_change_the_forecast(seed, factor, cut):
    mrr, series = noisy_company(seed % 7)
    as_of = mrr.columns[cut - 1]
    changed = mrr.copy()
    later = changed.columns > as_of
    rng = np.random.default_rng(seed)
    changed.loc[:, later] = changed.loc[:, later].to_numpy() * factor * rng.random(changed.loc[:, later].shape)
    before = forecast.forecast_mrr(mrr, series, as_of)
    after = forecast.forecast_mrr(changed, movements(changed), as_of)
    pd.testing.assert_frame_equal(before.months, after.months)
    pd.testing.assert_frame_equal(before.backtest.points, after.backtest.points)
    assert before.to_json() == after.to_json()


def test_to_json_shape_and_keys():
    mrr, series = noisy_company(1)
    payload = forecast.forecast_mrr(mrr, series, P("2026-06", "M")).to_json()
    assert set(payload) == {"mrr", "backtest"}
    assert len(payload["mrr"]) == 12
    assert payload["mrr"][0]["month"] == "2026-07" and payload["mrr"][-1]["month"] == "2027-06"
    assert all(set(row) == {"month", "p10", "p50", "p90"} for row in payload["mrr"])
    assert all(isinstance(row[k], float) for row in payload["mrr"] for k in ("p10", "p50", "p90"))
    assert set(payload["backtest"]) == {"origins", "mape_h3", "naive_mape_h3", "coverage_80"}
    assert payload["backtest"]["origins"] == 12
    assert 0.0 <= payload["backtest"]["coverage_80"] <= 1.0


# ── the chart ────────────────────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def drawn():
    mrr, series = noisy_company(2)
    result = forecast.forecast_mrr(mrr, series, P("2026-03", "M"))
    return result, forecast_chart.forecast_figure(series["mrr"], result, "EUR")


def test_chart_draws_the_median_dashed_and_the_band_shaded(drawn):
    result, figure = drawn
    by_name = {trace.name: trace for trace in figure.data}
    assert by_name["Forecast (median)"].line.dash == "dash"
    assert list(by_name["Forecast (median)"].y[1:]) == list(result.months["p50"])
    assert by_name["80 % band"].fill == "tonexty"
    assert list(by_name["80 % band"].y[1:]) == list(result.months["p10"])
    assert list(by_name["80 % band (p90)"].y[1:]) == list(result.months["p90"])


def test_chart_draws_no_forecast_month_as_a_solid_line(drawn):
    result, figure = drawn
    as_of = result.as_of.to_timestamp()
    for trace in figure.data:
        solid = trace.line.width != 0 and trace.line.dash in (None, "solid")
        if solid:
            assert max(pd.to_datetime(list(trace.x))) <= as_of, f"{trace.name} draws months after as_of as data"


def test_chart_marks_the_as_of_month_and_says_the_backtest(drawn):
    result, figure = drawn
    assert any(shape.line.dash == "dot" for shape in figure.layout.shapes)
    assert any("As of March 2026" in annotation.text for annotation in figure.layout.annotations)
    test = result.backtest
    title = figure.layout.title.text
    assert f"Backtest, {test.origins} origins: MAPE at 3 months" in title
    assert f"{test.mape_h3 * 100:.1f} %" in title and "straight-line drift" in title


def test_caption_and_no_forecast_sentences(drawn):
    result, _ = drawn
    caption = forecast_chart.forecast_caption(result)
    assert caption.startswith(result.method) and "80 % band held" in caption
    assert forecast_chart.no_forecast_sentence(7) == (
        "No forecast: it needs at least 12 months of MRR history and there are 7 months up to this month.")
    assert forecast_chart.no_forecast_sentence(0) == "No forecast: there is no recurring revenue yet."
