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

Prints MAPE at 3 months (median and mean over companies × origins) for the method and the naive
drift, the ratio of the means (goal ≤ 0.8), the share of actuals (horizons 1–6) inside the 80 %
band (goal 70–90 %), the coverage per regime, and the time of one `forecast_mrr` call (which runs
its own 12-origin backtest too).
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
    """One simulated company: its regime, its MRR matrix (history and future) and its history length."""

    regime: str
    mrr: pd.DataFrame  # customers × months, PeriodIndex columns
    history: int  # months before the future the forecaster never sees


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


def simulate_company(regime: str, rng: np.random.Generator, start: str = "2022-01") -> Company:
    """A company of `regime` simulated customer by customer for its history (14–36 months) and
    FUTURE months more. Per customer and month: churn with hazard h·(1 + 1.5·e^(−age/4)) (h drawn
    1–5 %, ×4 in a shock month), expansion (+10–60 %, 2 %/month), contraction (−10–40 %,
    1 %/month), a churned customer comes back with probability 1 %/month at its last MRR."""
    history = int(rng.integers(14, 37))
    months = history + FUTURE
    rate = arrivals(regime, months, rng)
    counts = rng.poisson(rate)
    cohort = np.repeat(np.arange(months), counts)
    n = len(cohort)
    plan = np.round(np.exp(rng.normal(np.log(80), 0.8, n)), 0) + 9
    hazard = rng.uniform(0.01, 0.05)
    shock = np.zeros(months)
    if regime == "churn shock" or rng.random() < 0.15:
        shock[rng.integers(12, months)] = 3.0  # one month of 4 × the hazard, in the history or the future
    matrix = np.zeros((n, months))
    current = np.zeros(n)
    last = plan.copy()
    for t in range(months):  # one vector over customers per month
        age = t - cohort
        alive = current > 0
        churns = alive & (rng.random(n) < hazard * (1 + 1.5 * np.exp(-age / 4)) * (1 + shock[t]))
        draw = rng.random(n)
        grows = alive & ~churns & (draw < 0.02)
        shrinks = alive & ~churns & (draw > 0.99)
        current = np.where(grows, current * rng.uniform(1.1, 1.6, n), current)
        current = np.where(shrinks, current * rng.uniform(0.6, 0.9, n), current)
        last = np.where(alive, current, last)
        current = np.where(churns, 0.0, current)
        returns = (age > 0) & (current == 0) & (cohort < t) & (matrix[:, :t].sum(axis=1) > 0) & (rng.random(n) < 0.01)
        current = np.where(returns, last, current)
        current = np.where(cohort == t, plan, current)
        matrix[:, t] = current
    columns = pd.period_range(start, periods=months, freq="M")
    mrr = pd.DataFrame(matrix, index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"), columns=columns)
    return Company(regime=regime, mrr=mrr[(matrix > 0).any(axis=1)], history=history)


def score(company: Company) -> tuple[list[dict], list[float]]:
    """Forecast from each origin with the data up to it only; one row per (origin, horizon)."""
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
        for h, (month, band) in enumerate(forecast.months.iterrows(), start=1):
            actual = float(series_all.loc[month, "mrr"])
            rows.append({"regime": company.regime, "origin": origin, "horizon": h, "actual": actual,
                         "p10": band["p10"], "p50": band["p50"], "p90": band["p90"], "naive": naive[month]})
    return rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--companies", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows, seconds = [], []
    for index in range(args.companies):
        company = simulate_company(REGIMES[index % len(REGIMES)], rng)
        more, took = score(company)
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
