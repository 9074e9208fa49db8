"""The CLI's JSON report is the same, byte for byte, whether the engine takes its fast paths or the
straightforward ones they replaced: a monthly plan's renewals listed one by one (not marked as a run
of months), the overlapping-subscriptions counts by pandas groupby (not one running maximum), and
the forecast's sums by age over each month's payers gathered (not every customer weighted 0 or its MRR). On the demo company (its
files as the README's command reads them) and on 3,000 customers of benchmarks/cli.py's data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi.__main__ import main
from kpi.ingest import subscription_rows
from kpi.metrics import forecast, renewals

ROOT = Path(__file__).resolve().parents[2]
DEMO = [str(path) for path in sorted((ROOT / "data" / "demo").glob("*.csv"))] + [str(ROOT / "data/demo/finance.xlsx")]


def listed_monthly_runs(start, end, codes, first, last, customers):
    """Monthly rows' renewals listed one by one (`_renewals_in_whole_months` with a step of 1)."""
    listed_monthly_runs.calls += 1
    positions, month = renewals._renewals_in_whole_months(start, end, np.ones(len(start), dtype=np.int64), first, last)
    grid = np.zeros((last - first + 1, customers), dtype=bool)
    grid[month - first, codes[positions]] = True
    return grid


def grouped_overlaps(subscriptions: pd.DataFrame) -> subscription_rows.Overlaps:
    """The counts by pandas groupby: cumulative maximum of the ends, shifted, per customer."""
    grouped_overlaps.calls += 1
    frame = pd.DataFrame({
        "customer_id": subscriptions["customer_id"].astype("string").to_numpy(),
        "start": subscriptions["start_date"].to_numpy(),
        "end": subscriptions["end_date"].to_numpy() if "end_date" in subscriptions else pd.NaT,
        "position": np.arange(len(subscriptions)),
    })
    frame = frame[frame["customer_id"].notna() & frame["start"].notna()]
    frame = frame.sort_values(["customer_id", "start", "position"], kind="stable")
    if frame.empty:
        return subscription_rows.Overlaps(0, 0, 0, 0)
    ends = frame["end"].astype("datetime64[ns]").to_numpy().astype(np.int64)
    ends = np.where(frame["end"].isna().to_numpy(), np.iinfo(np.int64).max, ends)
    customer = frame["customer_id"].to_numpy()
    earlier = pd.Series(ends, index=frame.index).groupby(customer).cummax().groupby(customer).shift(1)
    starts = frame["start"].astype("datetime64[ns]").to_numpy().astype(np.int64)
    overlapping = (earlier.notna() & (starts < earlier.fillna(np.iinfo(np.int64).min))).to_numpy()
    sizes = frame.groupby("customer_id").size()
    return subscription_rows.Overlaps(int(sizes.size), int((sizes > 1).sum()),
                                      int(frame.loc[overlapping, "customer_id"].nunique()), int(overlapping.sum()))


def matrix_twice(mrr: pd.DataFrame, as_of: pd.Period) -> forecast._Matrix:
    """The forecast's sums by age over each month's payers, gathered, their ages computed for both sums."""
    matrix_twice.calls += 1
    columns = pd.PeriodIndex(mrr.columns, freq="M")
    values = np.ascontiguousarray(mrr.loc[:, columns <= as_of].to_numpy(dtype=float).T)
    paying = values > 0
    first = np.where(paying.any(axis=0), paying.argmax(axis=0), len(values))
    state, kept = np.zeros((len(values), forecast.AGES)), np.zeros((len(values), forecast.AGES))
    for t in range(max(0, len(values) - forecast.WINDOW - forecast.BACKTEST_ORIGINS - 1), len(values)):
        now = paying[t]
        state[t] = np.bincount(np.clip(t - first[now], 0, forecast.AGES - 1), weights=values[t, now],
                               minlength=forecast.AGES)
        if t > 0:
            before = paying[t - 1]
            kept[t] = np.bincount(np.clip(t - 1 - first[before], 0, forecast.AGES - 1), weights=values[t, before],
                                  minlength=forecast.AGES)
    return forecast._Matrix(columns=columns[columns <= as_of], state=state, kept=kept)


def report_text(args: list[str], capsys) -> str:
    capsys.readouterr()
    assert main(["report", *args, "--format", "json"]) == 0
    return capsys.readouterr().out


@pytest.fixture
def synthetic(tmp_path) -> list[str]:
    from benchmarks.cli import write_input

    path, mapping, as_of = write_input(3_000, tmp_path)
    return [str(path), "--mapping", str(mapping), "--as-of", as_of]


@pytest.mark.parametrize("files", ["demo", "demo with its mapping", "synthetic"])
def test_the_json_report_is_the_same_bytes_as_through_the_straightforward_paths(files, synthetic, capsys,
                                                                                 monkeypatch):
    args = {"demo": DEMO, "demo with its mapping": [*DEMO, "--mapping", str(ROOT / "data/demo/mapping.json")],
            "synthetic": synthetic}[files]
    fast = report_text(args, capsys)
    for reference in (listed_monthly_runs, grouped_overlaps, matrix_twice):
        reference.calls = 0
    monkeypatch.setattr(renewals, "_monthly_runs", listed_monthly_runs)
    monkeypatch.setattr(subscription_rows, "overlaps", grouped_overlaps)
    monkeypatch.setattr(forecast._Matrix, "of", staticmethod(matrix_twice))
    straightforward = report_text(args, capsys)
    assert listed_monthly_runs.calls and grouped_overlaps.calls and matrix_twice.calls  # the references did run
    report = json.loads(fast)
    assert report["revenue"]["renewal_rate"] is not None and report["forecast"] is not None  # both were computed
    assert fast == straightforward
