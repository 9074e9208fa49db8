"""MRR forecast: the next 12 months of MRR with an 80 % interval, and its backtest (docs/definitions.md).

The method reads the customer × month MRR and its movements, never a month after the as-of month.
Each month t splits into what the base of the month before kept and what was added:

    MRR(t) = Σ_a r_a(t) × MRR_a(t−1) + g(t)
    r_a(t) = MRR(t) ÷ MRR(t−1) of the customers paying in t−1 at age a (months since their first
             payment; 12 and more together): net retention of the base at that age
    g(t)   = new + reactivation                                         (new business)

From the last 12 months it estimates r_a (pooled over the months, weighted by MRR) and the new
business g (a least-squares line through the months, 70 % of its slope carried forward and damped
by 0.9 each further month), then runs the recursion forward: today's MRR by age is kept and ages,
new business enters at age 0. The interval comes from simulated paths: each path re-estimates r and
g from a bootstrap resample of the 12 months (the uncertainty of the estimate) and adds, every
future month, the departure of one of those months, drawn at random, from the fit, widened 1.8×
(the month-to-month noise, and the changes of regime 12 months cannot show). p10, p50 and p90 are
the 10th, 50th and 90th percentiles of the paths for each month. The random draws are seeded:
the same data gives the same forecast.

The backtest forecasts again from earlier months, with their data only, and scores the forecast
against what happened, next to the naive drift MRR(T) + h × the mean monthly change of the 6
months to T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_HISTORY = 12  # months with MRR up to the as-of month, at least
WINDOW = 12  # months of movements the method learns from
BACKTEST_ORIGINS = 12  # origins tried: the 12 months before the as-of month
BACKTEST_HORIZON = 6  # months forecast from each origin
DRIFT_MONTHS = 6  # the naive drift's mean change is over this many months
DAMPING = 0.9  # the new-business slope keeps this share of itself each further month
PATHS = 2000
TREND_SHARE = 0.7  # share of the fitted new-business slope carried forward (a slope from 12 noisy months is shrunk)
NOISE = 1.8  # the monthly departures are widened so the 80 % band holds about 80 % (benchmarks/forecast.py)
SEED = 20_261_207
QUANTILES = (0.10, 0.50, 0.90)
BAND_COLUMNS = ["p10", "p50", "p90"]
POINT_COLUMNS = ["origin", "horizon", "month", "actual", "p10", "p50", "p90", "naive"]
METHOD = ("Forecast from the last 12 months: today's MRR kept at the recent net retention of customers "
          "of each age, plus new business following its damped recent trend; the band comes from "
          "2,000 simulated paths.")


@dataclass(frozen=True)
class Backtest:
    """How the method did from earlier months (origins), scored against the actual MRR."""

    origins: int  # origin months used
    mape_h3: float | None  # mean |actual − p50| ÷ actual at 3 months ahead
    naive_mape_h3: float | None  # the same for the naive drift
    coverage_80: float | None  # share of actuals (horizons 1–6) inside [p10, p90]
    points: pd.DataFrame  # origin, horizon, month, actual, p10, p50, p90, naive


@dataclass(frozen=True)
class Forecast:
    """MRR for the months after `as_of`: p10, p50 and p90 per month, with the method's backtest."""

    as_of: pd.Period
    months: pd.DataFrame  # index: the months after as_of (PeriodIndex "month"); columns p10, p50, p90
    backtest: Backtest
    method: str  # one plain-English sentence naming the method

    def to_json(self) -> dict:
        """{"mrr": [{"month", "p10", "p50", "p90"}, …], "backtest": {"origins", "mape_h3",
        "naive_mape_h3", "coverage_80"}}: months "YYYY-MM", rates as fractions, None for NaN."""
        return {
            "mrr": [{"month": str(month), **{name: _number(row[name]) for name in BAND_COLUMNS}}
                    for month, row in self.months.iterrows()],
            "backtest": {"origins": int(self.backtest.origins), "mape_h3": _number(self.backtest.mape_h3),
                         "naive_mape_h3": _number(self.backtest.naive_mape_h3),
                         "coverage_80": _number(self.backtest.coverage_80)},
        }


def _number(value: float | None) -> float | None:
    """A plain float for JSON, None for a missing value."""
    return None if value is None or pd.isna(value) else float(value)


def history_months(series: pd.DataFrame, as_of: pd.Period) -> int:
    """Months from the first month with MRR > 0 to `as_of`, both included (0 when none)."""
    mrr = _mrr_until(series, as_of)
    paying = np.flatnonzero(mrr.to_numpy() > 0)
    return 0 if paying.size == 0 else len(mrr) - int(paying[0])


def _mrr_until(series: pd.DataFrame, as_of: pd.Period) -> pd.Series:
    """The `mrr` column of the months ≤ as_of, as floats."""
    index = pd.PeriodIndex(series.index, freq="M")
    return series["mrr"].astype(float)[index <= as_of].set_axis(index[index <= as_of])


AGES = 13  # ages 0…11 months apart, then 12 months and more together


@dataclass(frozen=True)
class _Matrix:
    """The MRR matrix read once for every forecast of a call: values of the months ≤ as_of."""

    values: np.ndarray  # customers × months, float
    columns: pd.PeriodIndex  # the months of `values`
    first: np.ndarray  # per customer, the position of its first month with MRR (len(columns) if none)

    @classmethod
    def of(cls, mrr: pd.DataFrame, as_of: pd.Period) -> "_Matrix":
        columns = pd.PeriodIndex(mrr.columns, freq="M")
        values = mrr.loc[:, columns <= as_of].to_numpy(dtype=float)
        paying = values > 0
        first = np.where(paying.any(axis=1), paying.argmax(axis=1), values.shape[1])
        return cls(values=values, columns=columns[columns <= as_of], first=first)


def base_by_age(matrix: _Matrix, origin: pd.Period) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The base's retention by customer age, from the customer × month MRR matrix (months ≤ origin).

    A customer's age in month t is t − its first month with MRR (capped at AGES − 1). For the last
    WINDOW months t: base[t, a] = Σ MRR(t−1) of the customers paying in t−1 at age a; kept[t, a] =
    Σ MRR(t) of those same customers. Also the MRR at the origin by age (the state to forecast).
    Out: base and kept (months × AGES frames) and that state (an array of AGES)."""
    end = int((matrix.columns <= origin).sum())
    values, first = matrix.values[:, :end], matrix.first  # a view: months after the origin never read
    paying = values > 0
    months = range(max(1, values.shape[1] - WINDOW), values.shape[1])
    base = np.zeros((len(months), AGES))
    kept = np.zeros((len(months), AGES))
    for row, t in enumerate(months):  # ≤ 12 months, each a bincount over customers
        before = paying[:, t - 1]
        age = np.clip(t - 1 - first[before], 0, AGES - 1)
        base[row] = np.bincount(age, weights=values[before, t - 1], minlength=AGES)
        kept[row] = np.bincount(age, weights=values[before, t], minlength=AGES)
    now = values[:, -1] > 0
    state = np.bincount(np.clip(values.shape[1] - 1 - first[now], 0, AGES - 1), weights=values[now, -1],
                        minlength=AGES)
    index = pd.PeriodIndex(matrix.columns[list(months)], freq="M", name="month")
    return pd.DataFrame(base, index=index), pd.DataFrame(kept, index=index), state


@dataclass(frozen=True)
class _Fit:
    """Parameters of one or many fits (arrays with one row per simulated path)."""

    retention: np.ndarray  # paths × AGES: monthly net retention of the base at each age
    level: np.ndarray  # new business at the origin month (the line's value there)
    slope: np.ndarray  # new business added per month at the origin


def _fit(weights: np.ndarray, base: np.ndarray, kept: np.ndarray, new: np.ndarray) -> _Fit:
    """Weighted fits, one per row of `weights` (paths × months).

    retention[a] = (Σ w·kept[·, a] + c·R) ÷ (Σ w·base[·, a] + c), R = Σ w·kept ÷ Σ w·base over
    every age, c = a tenth of the mean weighted base per age (an age with little base leans on R);
    new business: weighted least-squares line g = level + TREND_SHARE × slope × (t − t_origin)."""
    w = np.asarray(weights, dtype=float)
    base_w, kept_w = w @ base, w @ kept
    pooled = kept_w.sum(axis=1, keepdims=True) / base_w.sum(axis=1, keepdims=True)
    prior = 0.1 * base_w.mean(axis=1, keepdims=True)
    retention = (kept_w + prior * pooled) / (base_w + prior)
    t = np.arange(len(new), dtype=float) - (len(new) - 1)  # 0 at the origin month
    total = w.sum(axis=1)
    t_mean = (w @ t) / total
    g_mean = (w @ new) / total
    spread = w @ (t * t) / total - t_mean ** 2
    covariance = w @ (t * new) / total - t_mean * g_mean
    slope = TREND_SHARE * np.where(spread > 1e-12, covariance / np.where(spread > 1e-12, spread, 1.0), 0.0)
    return _Fit(retention=retention, level=g_mean - slope * t_mean, slope=slope)


def simulate_paths(matrix: _Matrix, series: pd.DataFrame, origin: pd.Period, horizon: int,
                   rng: np.random.Generator, paths: int = PATHS) -> np.ndarray:
    """Simulated MRR for months 1…horizon after the origin (paths × horizon), from months ≤ origin.

    The MRR at the origin is split by customer age (`base_by_age`); each month every age keeps
    retention[a] + e_r of its MRR and moves one age on, and new business g enters at age 0:
    g = max(0, level + slope·Σ_{j≤k} DAMPING^j + e_g). Each path refits from a bootstrap resample
    of the last WINDOW months (multinomial counts); (e_r, e_g) is one month's departure from the
    full fit, drawn at random each future month, times NOISE."""
    base_frame, kept_frame, state = base_by_age(matrix, origin)
    new = (series["new"] + series["reactivation"]).astype(float).reindex(base_frame.index).fillna(0.0).to_numpy()
    base, kept = base_frame.to_numpy(), kept_frame.to_numpy()
    n = len(new)
    central = _fit(np.ones((1, n)), base, kept, new)
    t = np.arange(n, dtype=float) - (n - 1)
    month_retention = kept.sum(axis=1) / np.where(base.sum(axis=1) > 0, base.sum(axis=1), 1.0)
    pooled = kept.sum() / base.sum()
    residual_r = NOISE * (month_retention - pooled)
    residual_g = NOISE * (new - (central.level[0] + central.slope[0] * t))
    fit = _fit(rng.multinomial(n, np.full(n, 1.0 / n), size=paths), base, kept, new)
    steps = np.cumsum(DAMPING ** np.arange(1, horizon + 1))
    drawn = rng.integers(0, n, size=(paths, horizon))
    ages = np.tile(state, (paths, 1))
    out = np.empty((paths, horizon))
    for k in range(horizon):  # ≤ 12 steps, each a (paths × ages) array
        kept_now = ages * np.maximum(0.0, fit.retention + residual_r[drawn[:, k], None])
        ages = np.concatenate([np.zeros((paths, 1)), kept_now[:, :-2], kept_now[:, -2:].sum(axis=1, keepdims=True)],
                              axis=1)
        ages[:, 0] = np.maximum(0.0, fit.level + fit.slope * steps[k] + residual_g[drawn[:, k]])
        out[:, k] = ages.sum(axis=1)
    return out


def _bands(paths: np.ndarray) -> np.ndarray:
    """p10, p50, p90 of each month's simulated MRR (horizon × 3)."""
    return np.quantile(paths, QUANTILES, axis=0).T


def _forecast_bands(matrix: _Matrix, series: pd.DataFrame, origin: pd.Period, horizon: int) -> pd.DataFrame:
    """p10, p50, p90 for the `horizon` months after `origin`, from the months ≤ origin only."""
    rng = np.random.default_rng(SEED)
    bands = _bands(simulate_paths(matrix, series, origin, horizon, rng))
    months = pd.period_range(origin + 1, periods=horizon, freq="M", name="month")
    return pd.DataFrame(bands, index=months, columns=BAND_COLUMNS)


def naive_drift(mrr: pd.Series, origin: pd.Period, horizon: int = BACKTEST_HORIZON) -> pd.Series:
    """The naive drift forecast: MRR(T) + h × (MRR(T) − MRR(T−6)) ÷ 6 for h = 1…horizon.

    `mrr` is MRR per month (PeriodIndex); a month missing before the first is 0. Out: the
    forecast per month T+1…T+horizon (PeriodIndex "month")."""
    values = mrr.astype(float).copy()
    values.index = pd.PeriodIndex(values.index, freq="M")
    now = float(values.get(origin, 0.0))
    before = float(values.get(origin - DRIFT_MONTHS, 0.0))
    change = (now - before) / DRIFT_MONTHS
    months = pd.period_range(origin + 1, periods=horizon, freq="M", name="month")
    return pd.Series(now + change * np.arange(1, horizon + 1), index=months, name="naive")


def backtest_origins(series: pd.DataFrame, as_of: pd.Period) -> list[pd.Period]:
    """The origin months T of the backtest: the 12 months before as_of with ≥ MIN_HISTORY months
    of history up to T."""
    return [as_of - k for k in range(BACKTEST_ORIGINS, 0, -1)
            if history_months(series, as_of - k) >= MIN_HISTORY]


def backtest(matrix: _Matrix, series: pd.DataFrame, as_of: pd.Period) -> Backtest:
    """Forecasts from each origin T (data ≤ T only) for T+1…T+6, scored where T+h ≤ as_of.

    mape_h3 = mean over origins of |actual − p50| ÷ actual at h = 3 (actual > 0);
    naive_mape_h3 = the same for `naive_drift`; coverage_80 = share of the scored points
    (every h) with p10 ≤ actual ≤ p90. None when there is nothing to score."""
    mrr = _mrr_until(series, as_of)
    frames = []
    origins = backtest_origins(series, as_of)
    for origin in origins:  # ≤ 12 forecasts, each vectorised over its paths
        bands = _forecast_bands(matrix, series, origin, BACKTEST_HORIZON)
        frame = bands.assign(naive=naive_drift(mrr, origin), origin=origin,
                             horizon=np.arange(1, BACKTEST_HORIZON + 1))
        frame["actual"] = mrr.reindex(frame.index).to_numpy()
        frames.append(frame[frame.index <= as_of].rename_axis("month").reset_index())
    if not frames:
        return Backtest(origins=0, mape_h3=None, naive_mape_h3=None, coverage_80=None,
                        points=pd.DataFrame(columns=POINT_COLUMNS))
    points = pd.concat(frames, ignore_index=True)[POINT_COLUMNS]
    at_3 = points[(points["horizon"] == 3) & (points["actual"] > 0)]
    inside = (points["actual"] >= points["p10"]) & (points["actual"] <= points["p90"])
    return Backtest(
        origins=len(origins),
        mape_h3=_mean_or_none((at_3["actual"] - at_3["p50"]).abs() / at_3["actual"]),
        naive_mape_h3=_mean_or_none((at_3["actual"] - at_3["naive"]).abs() / at_3["actual"]),
        coverage_80=_mean_or_none(inside.astype(float)),
        points=points,
    )


def _mean_or_none(values: pd.Series) -> float | None:
    return float(values.mean()) if len(values) else None


def forecast_mrr(mrr: pd.DataFrame, series: pd.DataFrame, as_of: pd.Period, *,
                 horizon: int = 12) -> Forecast | None:
    """MRR for the `horizon` months after `as_of` (p10, p50, p90) and its backtest.

    In: the customer × month MRR matrix and its `movements` series; only months ≤ as_of are read.
    None when there is no revenue, when as_of is not a month of the series, or with fewer than
    MIN_HISTORY months of history up to as_of."""
    as_of = pd.Period(as_of, freq="M")
    if series.empty or as_of not in pd.PeriodIndex(series.index, freq="M"):
        return None
    if history_months(series, as_of) < MIN_HISTORY:
        return None
    matrix = _Matrix.of(mrr, as_of)
    return Forecast(as_of=as_of, months=_forecast_bands(matrix, series, as_of, horizon),
                    backtest=backtest(matrix, series, as_of), method=METHOD)
