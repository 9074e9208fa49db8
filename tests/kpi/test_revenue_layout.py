"""The MRR matrix's memory layout and the fast 12-month sums: the same numbers, bit for bit, as
the straightforward month-by-month computation; and benchmarks/cli.py's DuckDB SQL agrees with
the report on the figures it compares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpi.metrics import revenue


def _random_rows(seed: int, customers: int = 300, rows: int = 700, months: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = rng.integers(0, months, rows)
    return pd.DataFrame({
        "customer_id": rng.integers(0, customers, rows).astype(str),
        "first": first + 24_000,
        "stop": first + 24_000 + rng.integers(1, months, rows),
        "amount": rng.choice([9.99, 29.0, 59.5, 0.1, 0.2, 1 / 3], rows) * rng.integers(1, 5, rows),
    })


def _spread_month_by_month(counted: pd.DataFrame, horizon: int) -> np.ndarray:
    """The reference: a customers × months difference array summed with np.cumsum along the months."""
    codes, customers = pd.factorize(counted["customer_id"].astype("string"), sort=True)
    m0 = int(counted["first"].min())
    n = horizon - m0 + 1
    diff = np.zeros((len(customers), n))
    for code, first, stop, amount in zip(codes, counted["first"], counted["stop"], counted["amount"]):
        diff[code, first - m0] += amount
        if stop - m0 < n:
            diff[code, stop - m0] -= amount
    out = np.cumsum(diff, axis=1)
    out[np.abs(out) < 1e-9] = 0.0
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_mrr_matrix_is_the_cumulative_sum_bit_for_bit_and_each_month_is_contiguous(seed):
    counted = _random_rows(seed)
    horizon = int(counted["stop"].max()) - 3  # some rows still open at the horizon
    counted["stop"] = counted["stop"].clip(upper=horizon + 1)
    mrr = revenue._spread(counted, horizon)
    expected = _spread_month_by_month(counted, horizon)
    matrix = mrr.to_numpy()
    assert matrix.shape == expected.shape
    assert np.array_equal(matrix, expected) and not np.signbit(matrix).any()
    assert matrix[:, 5].flags["C_CONTIGUOUS"]  # one month's customers side by side in memory


def _twelve_month_sums_month_by_month(m: np.ndarray) -> tuple[np.ndarray, ...]:
    n = m.shape[1]
    out = [np.zeros(n) for _ in range(5)]
    for t in range(12, n):
        base, later = m[:, t - 12], m[:, t]
        paying = base > 0
        out[0][t] = base[paying].sum()
        out[1][t] = later[paying].sum()
        out[2][t] = np.minimum(base[paying], later[paying]).sum()
        out[3][t] = np.count_nonzero(paying)
        out[4][t] = np.count_nonzero(paying & (later > 0))
    return tuple(out)


@pytest.mark.parametrize(("customers", "months", "order"), [(1_000, 30, "C"), (517, 13, "F"), (40, 12, "F"),
                                                            (3, 5, "C"), (2_000, 40, "F")])
def test_twelve_month_sums_equal_the_month_by_month_sums_bit_for_bit(customers, months, order):
    rng = np.random.default_rng(customers + months)
    m = np.where(rng.random((customers, months)) < 0.4, 0.0, rng.choice([9.99, 29.0, 1 / 3, 590 / 12],
                                                                        (customers, months)))
    got = revenue._twelve_month_sums(np.asarray(m, order=order))
    for actual, expected in zip(got, _twelve_month_sums_month_by_month(m), strict=True):
        assert np.array_equal(actual, expected)


def test_the_benchmarks_duckdb_sql_agrees_with_the_report(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    from benchmarks import cli
    from benchmarks.engine import synthetic_subscriptions
    from kpi.ingest.mapping import Tables
    from kpi.report.build import build_report

    subscriptions = synthetic_subscriptions(3_000, seed=11)
    path = tmp_path / "subscriptions.csv"
    subscriptions.to_csv(path, index=False, date_format="%Y-%m-%d")
    as_of = subscriptions["start_date"].max().to_period("M")
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    row = connection.sql(cli.MRR_SQL.format(path=path, as_of=as_of.year * 12 + as_of.month - 1)).fetchall()[0]
    sql = dict(zip(["year", "month", *cli.SQL_KPIS], row))
    report = build_report(Tables({"subscriptions": subscriptions}, {}), str(as_of)).to_json()
    mine = {"as_of": report["as_of"], **{key: report["revenue"][key] for key in cli.SQL_KPIS}}
    cli.check_same(mine, sql, "3,000 customers")  # raises SystemExit naming both when they differ
    assert sql["customers"] > 1_000 and sql["logo_churn_rate"] > 0
