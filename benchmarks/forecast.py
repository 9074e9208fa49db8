"""MRR forecast accuracy and calibration on simulated companies whose futures the forecaster never sees.

Each company is simulated customer by customer, month by month: new customers arrive at a rate
with its own regime (growth, decline, flat, a seasonal swing of new business), each pays a plan
that may expand or contract, churns with a hazard that is higher in its first months, sometimes
comes back, and a company may suffer a churn shock (one month of four times the hazard) in its
history or its future. Sizes run from a few new customers a month to a few hundred. The
customer × month MRR matrix goes through the engine's own `movements`, as real data does.

From each company the forecaster is given only the matrix and the movements up to an origin month
T (both cut at T before the call), and its forecast of T+1…T+6 is scored against the simulated
months it never saw, next to the naive drift MRR(T) + h × the mean monthly change of the 6 months
to T. Three origins per company (the last month of its history, 3 and 6 months earlier).

    python -m benchmarks.forecast                  # 60 companies, seed 1
    python -m benchmarks.forecast --companies 200 --seed 2
    python -m benchmarks.forecast --seed 2 --oracle   # also the oracle: the floor of any method (slower)

Prints MAPE at 3 months (median and mean over companies × origins) for the method and the naive
drift, the ratio of the means (goal ≤ 0.8), the share of actuals (horizons 1–6) inside the 80 %
band (goal 70–90 %), the coverage per regime, with --oracle the MAPE of a forecaster that knows
each company's true arrival rate and hazard (only the future's draws unknown), and the time of
one `forecast_mrr` call (which runs its own 12-origin backtest too).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.metrics.forecast import forecast_mrr, naive_drift
from kpi.metrics.revenue import movements

FUTURE = 6
ORIGIN_OFFSETS = (0, 3, 6)  # origins: the last month of history, and 3 and 6 months before it
REGIMES = ("growth", "fast growth", "flat", "decline", "seasonal", "churn shock")


@dataclass(frozen=True)
class Company:
    """One simulated company: its regime, its MRR matrix (history and future), its history length,
    and the parameters it was drawn with (for the oracle, never given to the forecaster)."""

    regime: str
    mrr: pd.DataFrame  # customers × months, PeriodIndex columns
    history: int  # months before the future the forecaster never sees
    rate: np.ndarray  # expected new customers per month
    hazard: float  # base monthly churn hazard
    shock: np.ndarray  # per month, the extra multiple of the hazard (3.0 in a shock month, else 0)


def arrivals(regime: str, months: int, rng: np.random.Generator) -> np.ndarray:
    """Expected new customers per month for a regime: a size drawn log-uniformly (3–300 a month)
    times a monthly growth (growth +1–3 %, fast growth +4–7 %, decline −2 to −5 %, else ≈ 0), a
    seasonal swing of ±25–45 % for the seasonal regime."""
    size = np.exp(rng.uniform(np.log(3), np.log(300)))
    growth = {"growth": rng.uniform(0.01, 0.03), "fast growth": rng.uniform(0.04, 0.07),
              "decline": -rng.uniform(0.02, 0.05)}.get(regime, rng.uniform(-0.005, 0.01))
    t = np.arange(months)
    rate = size * (1 + growth) ** t
    if regime == "seasonal":
        rate = rate * (1 + rng.uniform(0.25, 0.45) * np.sin(2 * np.pi * (t + rng.integers(12)) / 12))
    return rate


def plans(count: int, rng: np.random.Generator) -> np.ndarray:
    """Monthly plans of `count` new customers: log-normal around 80 (σ 0.8 in logs), rounded, plus 9."""
    return np.round(np.exp(rng.normal(np.log(80), 0.8, count)), 0) + 9


def step(current: np.ndarray, last: np.ndarray, ever: np.ndarray, age: np.ndarray, hazard: float,
         shock: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One month of the customers already signed: churn with hazard h·(1 + 1.5·e^(−age/4))·(1 + shock),
    expansion (+10–60 %, 2 %/month), contraction (−10–40 %, 1 %/month), a churned customer who paid
    before (`ever`) comes back with probability 1 %/month at its last MRR. In: MRR last month,
    the last MRR > 0 per customer, and ages this month. Out: MRR this month, the updated last MRR."""
    n = len(current)
    alive = current > 0
    churns = alive & (rng.random(n) < hazard * (1 + 1.5 * np.exp(-age / 4)) * (1 + shock))
    draw = rng.random(n)
    grows = alive & ~churns & (draw < 0.02)
    shrinks = alive & ~churns & (draw > 0.99)
    current = np.where(grows, current * rng.uniform(1.1, 1.6, n), current)
    current = np.where(shrinks, current * rng.uniform(0.6, 0.9, n), current)
    last = np.where(alive, current, last)
    current = np.where(churns, 0.0, current)
    returns = (age > 0) & (current == 0) & ever & (rng.random(n) < 0.01)
    return np.where(returns, last, current), last


def simulate_company(regime: str, rng: np.random.Generator, start: str = "2022-01") -> Company:
    """A company of `regime` simulated customer by customer for its history (14–36 months) and
    FUTURE months more, `step` by `step` (hazard h drawn 1–5 %, ×4 in a shock month; 15 % of the
    companies that are not of the churn-shock regime have one too)."""
    history = int(rng.integers(14, 37))
    months = history + FUTURE
    rate = arrivals(regime, months, rng)
    counts = rng.poisson(rate)
    cohort = np.repeat(np.arange(months), counts)
    n = len(cohort)
    plan = plans(n, rng)
    hazard = rng.uniform(0.01, 0.05)
    shock = np.zeros(months)
    if regime == "churn shock" or rng.random() < 0.15:
        shock[rng.integers(12, months)] = 3.0  # one month of 4 × the hazard, in the history or the future
    matrix = np.zeros((n, months))
    current = np.zeros(n)
    last = plan.copy()
    for t in range(months):  # one vector over customers per month
        ever = (cohort < t) & (matrix[:, :t].sum(axis=1) > 0)
        current, last = step(current, last, ever, t - cohort, hazard, shock[t], rng)
        current = np.where(cohort == t, plan, current)
        matrix[:, t] = current
    columns = pd.period_range(start, periods=months, freq="M")
    mrr = pd.DataFrame(matrix, index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"), columns=columns)
    return Company(regime=regime, mrr=mrr[(matrix > 0).any(axis=1)], history=history, rate=rate,
                   hazard=hazard, shock=shock)


def oracle(company: Company, origin_position: int, horizon: int, rng: np.random.Generator,
           replicates: int = 100) -> np.ndarray:
    """The best forecast any method could make: the median of `replicates` futures simulated from
    the true state at the origin (each customer's MRR, last MRR, age) with the company's true
    arrival rate and hazard — only the random draws of the future, and a churn shock to come (an
    event no one foresees), are unknown.
    Out: the median MRR of months origin+1 … origin+horizon (a diagnostic, never a forecaster)."""
    seen = company.mrr.to_numpy()[:, :origin_position + 1]
    first = np.argmax(seen > 0, axis=1)
    known = (seen > 0).any(axis=1)
    seen, first = seen[known], first[known]
    last_position = seen.shape[1] - 1 - np.argmax((seen > 0)[:, ::-1], axis=1)
    current = np.tile(seen[:, -1], replicates)
    last = np.tile(seen[np.arange(len(seen)), last_position], replicates)
    cohort = np.tile(first, replicates)
    totals = np.zeros((replicates, horizon))
    owner = np.repeat(np.arange(replicates), len(seen))
    for k in range(1, horizon + 1):
        t = origin_position + k
        current, last = step(current, last, np.ones(len(current), bool), t - cohort, company.hazard, 0.0, rng)
        counts = rng.poisson(company.rate[t], replicates)
        newcomers = plans(int(counts.sum()), rng)
        current, last = np.concatenate([current, newcomers]), np.concatenate([last, newcomers])
        cohort = np.concatenate([cohort, np.full(len(newcomers), t)])
        owner = np.concatenate([owner, np.repeat(np.arange(replicates), counts)])
        totals[:, k - 1] = np.bincount(owner, weights=current, minlength=replicates)
    return np.median(totals, axis=0)


def score(company: Company, oracle_rng: np.random.Generator | None = None) -> tuple[list[dict], list[float]]:
    """Forecast from each origin with the data up to it only; one row per (origin, horizon), with
    the oracle's median when `oracle_rng` is given (NaN otherwise)."""
    series_all = movements(company.mrr)
    rows, seconds = [], []
    for offset in ORIGIN_OFFSETS:
        origin = company.mrr.columns[company.history - 1 - offset]
        seen_mrr = company.mrr.loc[:, :origin]
        seen_series = movements(seen_mrr)
        started = time.perf_counter()
        forecast = forecast_mrr(seen_mrr, seen_series, origin, horizon=FUTURE)
        seconds.append(time.perf_counter() - started)
        if forecast is None:
            continue
        naive = naive_drift(seen_series["mrr"], origin, FUTURE)
        best = (oracle(company, company.history - 1 - offset, FUTURE, oracle_rng) if oracle_rng is not None
                else np.full(FUTURE, np.nan))
        for h, (month, band) in enumerate(forecast.months.iterrows(), start=1):
            actual = float(series_all.loc[month, "mrr"])
            rows.append({"regime": company.regime, "origin": origin, "horizon": h, "actual": actual,
                         "p10": band["p10"], "p50": band["p50"], "p90": band["p90"], "naive": naive[month],
                         "oracle": best[h - 1]})
    return rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--companies", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--oracle", action="store_true",
                        help="also score the oracle (true parameters, unknown draws): the floor of any method")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    oracle_rng = np.random.default_rng([args.seed, 7]) if args.oracle else None
    rows, seconds = [], []
    for index in range(args.companies):
        company = simulate_company(REGIMES[index % len(REGIMES)], rng)
        more, took = score(company, oracle_rng)
        rows += more
        seconds += took
    points = pd.DataFrame(rows)
    points["inside"] = (points["actual"] >= points["p10"]) & (points["actual"] <= points["p90"])
    at_3 = points[(points["horizon"] == 3) & (points["actual"] > 0)]
    ours = (at_3["actual"] - at_3["p50"]).abs() / at_3["actual"]
    naive = (at_3["actual"] - at_3["naive"]).abs() / at_3["actual"]
    print(f"{args.companies} companies (seed {args.seed}), {len(at_3)} forecasts scored at 3 months, "
          f"{len(points)} actuals at 1–6 months")
    print(f"MAPE at 3 months, ours:  median {ours.median():.2%} · mean {ours.mean():.2%}")
    print(f"MAPE at 3 months, naive: median {naive.median():.2%} · mean {naive.mean():.2%}")
    print(f"ratio ours ÷ naive: mean {ours.mean() / naive.mean():.2f} (goal ≤ 0.8) · median "
          f"{ours.median() / naive.median():.2f}")
    if args.oracle:
        best = (at_3["actual"] - at_3["oracle"]).abs() / at_3["actual"]
        print(f"MAPE at 3 months, oracle (true parameters, the floor of any method): median {best.median():.2%} · "
              f"mean {best.mean():.2%} · ratio to naive {best.mean() / naive.mean():.2f}")
    print(f"80 % band coverage, horizons 1–6: {points['inside'].mean():.1%} (goal 70–90 %)")
    by_horizon = points.groupby("horizon")["inside"].mean()
    print("coverage by horizon: " + " · ".join(f"{h}: {share:.0%}" for h, share in by_horizon.items()))
    table = pd.DataFrame({"ours": ours, "naive": naive, "regime": at_3["regime"]}).groupby("regime").mean()
    table["coverage"] = points.groupby("regime")["inside"].mean()
    print(table.to_string(float_format=lambda value: f"{value:.3f}"))
    print(f"time per forecast_mrr call (with its 12-origin backtest): median {np.median(seconds) * 1000:.0f} ms · "
          f"max {np.max(seconds) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
