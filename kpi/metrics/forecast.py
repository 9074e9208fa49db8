"""MRR forecast: the next 12 months of MRR with an 80 % interval, and its backtest (docs/definitions.md).

The method reads the customer × month MRR and its movements, never a month after the as-of month.
Each month t splits into what the base of the month before kept and what was added:

    MRR(t) = Σ_a r_a(t) × MRR_a(t−1) + g(t)
    r_a(t) = MRR(t) ÷ MRR(t−1) of the customers paying in t−1 at age a (months since their first
             payment; 12 and more together): net retention of the base at that age
    g(t)   = new + reactivation                                         (new business)

From the last 12 months it estimates r_a (pooled over the months, weighted by MRR, each age shrunk
towards the rate of all ages). New business is a log-linear curve E[g(t)] = exp(β0 + β1·t/12
[+ β2·sin + β3·cos of 2π × calendar month ÷ 12]) fitted by Poisson quasi-likelihood to the months
of g after the first month with MRR (36 at most); the yearly wave is kept only when an F test of
its two terms passes, and half the fitted growth rate is carried forward. The recursion then runs
forward: today's MRR by age is kept and ages, new business enters at age 0. The interval comes from
simulated paths: each path re-estimates r from a bootstrap resample of the 12 months and draws the
curve's β from its estimate's normal law (the uncertainty of the estimates), and adds, every future
month, the departures of months drawn at random from the fits (a month's retention from the pooled
one, a month's g from the curve, as a ratio), widened 1.2× (the changes of regime the months cannot
show). p10, p50 and p90 are the 10th, 50th and 90th percentiles of the paths for each month. The
random draws are seeded: the same data gives the same forecast.

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
NEW_WINDOW = 36  # months of new business the new-business curve is fitted on, at most
PATHS = 2000
GROWTH_SHARE = 0.5  # share of the fitted new-business growth rate carried forward (a rate from noisy months is shrunk)
SEASON_TEST = 8.0  # the yearly wave of new business is kept when its F statistic exceeds this
IRLS_STEPS = 8  # iterations of the log-linear (Poisson) fit of new business
RETENTION_PRIOR = 0.1  # weight of the all-ages rate in each age's retention, in mean bases per age
NOISE = 1.2  # the monthly departures are widened so the 80 % band holds about 80 % (benchmarks/forecast.py, seed 1)
SEED = 20_261_207
QUANTILES = (0.10, 0.50, 0.90)
BAND_COLUMNS = ["p10", "p50", "p90"]
POINT_COLUMNS = ["origin", "horizon", "month", "actual", "p10", "p50", "p90", "naive"]
METHOD = ("Forecast: today's MRR kept at the last 12 months' net retention of customers of each age, "
          "plus new business following its curve over up to 36 months (half its growth rate, and its "
          "yearly wave when there is one); the band comes from 2,000 simulated paths.")


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
    """The MRR matrix summed by customer age once for every forecast of a call (months ≤ as_of).

    A customer's age in month t is t − its first month with MRR (capped at AGES − 1).
    state[t, a] = Σ MRR(t) of the customers paying in t at age a; kept[t, a] = Σ MRR(t) of the
    customers paying in t−1 at age a (in t−1). Rows of months no forecast of the call reads are 0."""

    columns: pd.PeriodIndex  # the months ≤ as_of
    state: np.ndarray  # months × AGES
    kept: np.ndarray  # months × AGES

    @classmethod
    def of(cls, mrr: pd.DataFrame, as_of: pd.Period) -> _Matrix:
        columns = pd.PeriodIndex(mrr.columns, freq="M")
        values = np.ascontiguousarray(mrr.loc[:, columns <= as_of].to_numpy(dtype=float).T)  # months × customers
        paying = values > 0
        first = np.where(paying.any(axis=0), paying.argmax(axis=0), len(values))
        state, kept = np.zeros((len(values), AGES)), np.zeros((len(values), AGES))
        # the as-of month's forecast and the backtest's origins read months ≥ as_of − WINDOW − BACKTEST_ORIGINS
        # every customer's age and a weight of exactly 0.0 for those not paying: the bins add the same
        # payers' MRR in the same order (x + 0.0 is x), without gathering the payers of each month
        start = max(0, len(values) - WINDOW - BACKTEST_ORIGINS - 1)
        age_before = np.clip(start - 1 - first, 0, AGES - 1)  # month t − 1's ages, from the step before
        for t in range(start, len(values)):
            age_now = np.clip(t - first, 0, AGES - 1)
            state[t] = np.bincount(age_now, weights=np.where(paying[t], values[t], 0.0), minlength=AGES)
            if t > 0:
                kept[t] = np.bincount(age_before, weights=np.where(paying[t - 1], values[t], 0.0), minlength=AGES)
            age_before = age_now
        return cls(columns=columns[columns <= as_of], state=state, kept=kept)


def base_by_age(matrix: _Matrix, origin: pd.Period) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The base's retention by customer age, from months ≤ origin only.

    For the last WINDOW months t up to the origin: base[t, a] = Σ MRR(t−1) of the customers paying
    in t−1 at age a (state[t−1, a]); kept[t, a] = Σ MRR(t) of those same customers. Also the MRR at
    the origin by age (the state to forecast). Out: base and kept (months × AGES frames) and that
    state (an array of AGES)."""
    end = int((matrix.columns <= origin).sum())
    months = np.arange(max(1, end - WINDOW), end)
    index = pd.PeriodIndex(matrix.columns[months], freq="M", name="month")
    return (pd.DataFrame(matrix.state[months - 1], index=index), pd.DataFrame(matrix.kept[months], index=index),
            matrix.state[end - 1].copy())


def _retention(weights: np.ndarray, base: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Net retention by age, one row per row of `weights` (paths × months); out: paths × AGES.

    retention[a] = (Σ w·kept[·, a] + c·R) ÷ (Σ w·base[·, a] + c), R = Σ w·kept ÷ Σ w·base over
    every age, c = RETENTION_PRIOR × the mean weighted base per age (an age with little base leans on R)."""
    w = np.asarray(weights, dtype=float)
    base_w, kept_w = w @ base, w @ kept
    pooled = kept_w.sum(axis=1, keepdims=True) / base_w.sum(axis=1, keepdims=True)
    prior = RETENTION_PRIOR * base_w.mean(axis=1, keepdims=True)
    return (kept_w + prior * pooled) / (base_w + prior)


def new_business(series: pd.DataFrame, origin: pd.Period) -> pd.Series:
    """g(t) = new(t) + reactivation(t) for the months after the first month with MRR, up to the
    origin, the last NEW_WINDOW of them. The first month is left out: its MRR is the stock the data
    starts with, not a month's new business."""
    index = pd.PeriodIndex(series.index, freq="M")
    g = (series["new"] + series["reactivation"]).astype(float).set_axis(index)[index <= origin]
    paying = np.flatnonzero(_mrr_until(series, origin).to_numpy() > 0)
    return g.iloc[int(paying[0]) + 1:].iloc[-NEW_WINDOW:] if paying.size else g.iloc[:0]


def design(offsets: np.ndarray, months: np.ndarray, seasonal: bool) -> np.ndarray:
    """Columns of the new-business curve: 1, years from the origin (offset ÷ 12), and with
    `seasonal` sin and cos of 2π × calendar month ÷ 12 (a yearly wave)."""
    columns = [np.ones(len(offsets)), np.asarray(offsets, dtype=float) / 12.0]
    if seasonal:
        angle = 2 * np.pi * np.asarray(months, dtype=float) / 12.0
        columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


def poisson_fit(g: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The log-linear curve of new business, E[g] = exp(X·β), and the covariance of β.

    Poisson quasi-likelihood by iteratively reweighted least squares (IRLS_STEPS steps from
    β = (log of the mean, 0…); a tiny ridge keeps each step solvable). Covariance φ·(XᵀWX)⁻¹ with
    W = diag(μ) and φ = Σ (g − μ)² ÷ μ ÷ (n − columns) (the quasi-Poisson dispersion: g is money, not
    a count, so its scale is estimated). Needs Σ g > 0."""
    beta = np.zeros(X.shape[1])
    beta[0] = np.log(g.mean())
    ridge = 1e-9 * np.eye(X.shape[1])
    for _ in range(IRLS_STEPS):
        eta = np.clip(X @ beta, -50.0, 50.0)
        mu = np.exp(eta)
        information = X.T @ (mu[:, None] * X) + ridge * mu.sum()
        beta = np.linalg.solve(information, X.T @ (mu * (eta + (g - mu) / mu)))
    mu = np.exp(np.clip(X @ beta, -50.0, 50.0))
    dispersion = float(np.sum((g - mu) ** 2 / mu)) / max(1, len(g) - X.shape[1])
    information = X.T @ (mu[:, None] * X) + ridge * mu.sum()
    return beta, dispersion * np.linalg.inv(information)


def _deviance(g: np.ndarray, mu: np.ndarray) -> float:
    """Poisson deviance 2 Σ [g·log(g ÷ μ) − (g − μ)] (g·log g = 0 at g = 0)."""
    mu = np.maximum(mu, 1e-12)
    ratio = np.where(g > 0, g, 1.0) / mu
    return float(2 * np.sum(np.where(g > 0, g * np.log(ratio), 0.0) - (g - mu)))


def is_seasonal(g: np.ndarray, offsets: np.ndarray, months: np.ndarray) -> bool:
    """Whether new business follows a yearly wave: with 12 months or more, the F statistic
    ((D0 − D1) ÷ 2) ÷ (D1 ÷ (n − 4)) of the wave's two terms (D0, D1: deviance of the fits without
    and with them) exceeds SEASON_TEST."""
    if len(g) < 12 or g.sum() <= 0:
        return False
    deviances = []
    for seasonal in (False, True):
        X = design(offsets, months, seasonal)
        deviances.append(_deviance(g, np.exp(np.clip(X @ poisson_fit(g, X)[0], -50.0, 50.0))))
    dispersion = deviances[1] / (len(g) - 4)
    return dispersion > 0 and (deviances[0] - deviances[1]) / 2 / dispersion > SEASON_TEST


def simulate_paths(matrix: _Matrix, series: pd.DataFrame, origin: pd.Period, horizon: int,
                   rng: np.random.Generator, paths: int = PATHS) -> np.ndarray:
    """Simulated MRR for months 1…horizon after the origin (paths × horizon), from months ≤ origin.

    The MRR at the origin is split by customer age (`base_by_age`); each month every age keeps
    retention[a] + e_r of its MRR and moves one age on, and new business enters at age 0:
    g(k) = exp(β0 + GROWTH_SHARE·β1·k/12 [+ β2 sin + β3 cos of the month]) × max(0, 1 + e_g).
    Each path refits retention from a bootstrap resample of the last WINDOW months (multinomial
    counts) and draws the curve's β from its estimate's normal law (`poisson_fit`); e_r (a month's retention minus the
    pooled one) and e_g (a month's g ÷ the fitted curve − 1) are departures of months drawn at
    random each future month, times NOISE."""
    base_frame, kept_frame, state = base_by_age(matrix, origin)
    base, kept = base_frame.to_numpy(), kept_frame.to_numpy()
    n = len(base)
    month_retention = kept.sum(axis=1) / np.where(base.sum(axis=1) > 0, base.sum(axis=1), 1.0)
    residual_r = NOISE * (month_retention - kept.sum() / base.sum())
    retention = _retention(rng.multinomial(n, np.full(n, 1.0 / n), size=paths), base, kept)
    g_series = new_business(series, origin)
    g, m = g_series.to_numpy(), len(g_series)
    offsets = np.arange(m) - (m - 1.0)  # 0 at the origin month
    calendar = np.asarray(g_series.index.month, dtype=float)
    seasonal = is_seasonal(g, offsets, calendar)
    X = design(offsets, calendar, seasonal)
    if m and g.sum() > 0:
        central, covariance = poisson_fit(g, X)
        residual_g = NOISE * (g / np.exp(np.clip(X @ central, -50.0, 50.0)) - 1.0)
        beta = rng.multivariate_normal(central, covariance, size=paths)
    else:  # no new business in the window: none forecast
        residual_g, beta = np.zeros(1), np.full((paths, X.shape[1]), -np.inf)
    future = pd.period_range(origin + 1, periods=horizon, freq="M")
    X_future = design(np.arange(1, horizon + 1) * GROWTH_SHARE, np.asarray(future.month, dtype=float), seasonal)
    g_future = np.exp(beta @ X_future.T)  # paths × horizon
    drawn_r = rng.integers(0, n, size=(paths, horizon))
    drawn_g = rng.integers(0, len(residual_g), size=(paths, horizon))
    ages = np.tile(state, (paths, 1))
    out = np.empty((paths, horizon))
    for k in range(horizon):  # ≤ 12 steps, each a (paths × ages) array
        kept_now = ages * np.maximum(0.0, retention + residual_r[drawn_r[:, k], None])
        ages = np.concatenate([np.zeros((paths, 1)), kept_now[:, :-2], kept_now[:, -2:].sum(axis=1, keepdims=True)],
                              axis=1)
        ages[:, 0] = g_future[:, k] * np.maximum(0.0, 1.0 + residual_g[drawn_g[:, k]])
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
