"""Engine speed and memory: the full report on synthetic subscriptions of 10k, 100k and 1M customers.

Each size runs in its own process (so peak memory is that size's alone) and prints the
full-report compute time, the peak resident memory, and — for the sizes where it finishes in
reasonable time — the ratio to a straightforward pandas implementation of the same movements
and cohorts (groupby/apply per customer), written below as the baseline.

    python -m benchmarks.engine            # 10k, 100k, 1M
    python -m benchmarks.engine 10000      # one size
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

MONTHS = 36
START = pd.Timestamp("2023-01-01")
BASELINE_MAX = 100_000  # the groupby/apply baseline takes minutes beyond this


def synthetic_subscriptions(customers: int, seed: int = 7) -> pd.DataFrame:
    """About two rows per customer over 36 months: a first subscription, and for most an
    upgrade, a downgrade or a cancellation; some come back later."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("c", np.arange(customers).astype(str))
    start = rng.integers(0, MONTHS, customers)
    change = start + rng.integers(1, 24, customers)
    amount = rng.choice([29.0, 59.0, 99.0, 290.0, 590.0], customers)
    interval = np.where(amount > 100, 12.0, 1.0)
    kind = rng.random(customers)
    first_end = np.where(kind < 0.85, change, -1)  # 15 % never change
    second_amount = np.where(kind < 0.45, amount * 1.5, np.where(kind < 0.65, amount * 0.6, amount))
    second_start = np.where(kind < 0.65, change, change + rng.integers(2, 8, customers))  # else comes back later
    has_second = (kind < 0.85) & (second_start < MONTHS)
    day = rng.integers(0, 28, customers)

    def dates(months: np.ndarray) -> pd.Series:
        return pd.Series(START + pd.to_timedelta(months * 30.4375 + day, unit="D")).dt.normalize()

    first = pd.DataFrame({"customer_id": ids, "start_date": dates(start),
                          "end_date": dates(first_end).where(first_end >= 0), "amount": amount,
                          "interval": interval})
    second = pd.DataFrame({"customer_id": ids, "start_date": dates(second_start), "end_date": pd.NaT,
                           "amount": second_amount, "interval": interval})[has_second]
    return pd.concat([first, second], ignore_index=True)


def baseline(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """The straightforward way: expand each row to its months with apply, pivot, then classify
    every customer's months in a per-customer apply, and build cohorts with a groupby."""
    last = subscriptions[["start_date", "end_date"]].max().max().to_period("M")

    def months_of(row) -> list:
        end = row["end_date"].to_period("M") if pd.notna(row["end_date"]) else last + 1
        return list(pd.period_range(row["start_date"].to_period("M"), end - 1, freq="M"))

    rows = subscriptions.assign(month=subscriptions.apply(months_of, axis=1),
                                mrr=subscriptions["amount"] / subscriptions["interval"]).explode("month")
    matrix = rows.dropna(subset=["month"]).pivot_table(index="customer_id", columns="month", values="mrr",
                                                       aggfunc="sum", fill_value=0.0)

    def classify(history: pd.Series) -> pd.DataFrame:
        previous = history.shift(1, fill_value=0.0)
        seen = (history > 0).cummax().shift(1, fill_value=False)
        return pd.DataFrame({
            "new": np.where((previous == 0) & (history > 0) & ~seen, history, 0),
            "reactivation": np.where((previous == 0) & (history > 0) & seen, history, 0),
            "expansion": np.where((previous > 0) & (history > previous), history - previous, 0),
            "contraction": np.where((previous > 0) & (history > 0) & (history < previous), previous - history, 0),
            "churn": np.where((previous > 0) & (history == 0), previous, 0),
        }, index=history.index)

    per_customer = matrix.apply(lambda h: classify(h).stack(), axis=1)
    movements = per_customer.T.groupby(level=[0, 1]).sum().sum(axis=1).unstack()
    cohort = matrix.gt(0).idxmax(axis=1)
    cohorts = matrix.gt(0).groupby(cohort).sum()
    return movements.join(cohorts.T, rsuffix="_cohort") if len(movements) else movements


def measure(customers: int) -> dict:
    from kpi.ingest.mapping import Tables
    from kpi.report.build import build_report

    subscriptions = synthetic_subscriptions(customers)
    tables = Tables({"subscriptions": subscriptions}, {})
    started = time.perf_counter()
    report = build_report(tables)
    report.to_json()
    ours = time.perf_counter() - started
    result = {"customers": customers, "rows": len(subscriptions), "seconds": round(ours, 3),
              "mrr": round(report.metric("mrr").value, 2),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if customers <= BASELINE_MAX:
        started = time.perf_counter()
        baseline(subscriptions)
        result["baseline_seconds"] = round(time.perf_counter() - started, 3)
        result["speedup"] = round(result["baseline_seconds"] / ours, 1)
    return result


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
    print(f"{'customers':>10} {'rows':>10} {'report s':>9} {'baseline s':>11} {'speedup':>8} {'peak MB':>8}")
    print("(peak MB: the process's resident peak after our report, before the baseline runs)")
    for size in sizes:
        out = subprocess.run([sys.executable, "-m", "benchmarks.engine", "--one", str(size)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['customers']:>10,} {r['rows']:>10,} {r['seconds']:>9.3f} {r.get('baseline_seconds', float('nan')):>11.2f} "
              f"{r.get('speedup', float('nan')):>8.1f} {r['peak_rss_mb']:>8.0f}")


if __name__ == "__main__":
    main()
