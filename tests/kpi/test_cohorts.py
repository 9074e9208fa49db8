"""kpi.metrics.cohorts against tiny fixtures computed by hand, and the published UCI Online Retail table."""

import json
import math
import time

import numpy as np
import pandas as pd
import pytest

from kpi.ingest.parse import parse_dates
from kpi.metrics import cohorts
from tests.datasets import ONLINE_RETAIL

P = pd.Period
RETAIL = ONLINE_RETAIL


def mrr(rows: dict[str, list[float]], start: str = "2024-01") -> pd.DataFrame:
    """Customer × month MRR matrix: {customer: [mrr of each month from start]}."""
    width = len(next(iter(rows.values())))
    return pd.DataFrame(list(rows.values()), index=pd.Index(list(rows), name="customer_id"),
                        columns=pd.period_range(start, periods=width, freq="M"), dtype=float)


def orders(rows: list[tuple]) -> pd.DataFrame:
    """Canonical order lines from (customer_id, date, amount[, order_id])."""
    frame = pd.DataFrame([list(r) + [None] * (4 - len(r)) for r in rows],
                         columns=["customer_id", "date", "amount", "order_id"])
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    frame["amount"] = frame["amount"].astype(float)
    return frame


def row(matrix: pd.DataFrame, cohort: str) -> list:
    """A cohort's row as a list, NaN/NA as None, so hand-written rows compare with ==."""
    return [None if pd.isna(v) else pytest.approx(float(v)) for v in matrix.loc[P(cohort, matrix.index.freq)]]


# A pays every month; B joins in February and churns in April; D joins in February, skips
# March and comes back in April; C joins in March.
BOOK = mrr({
    "A": [100, 100, 100, 100],
    "B": [0, 50, 50, 0],
    "C": [0, 0, 80, 80],
    "D": [0, 30, 0, 30],
})


def test_cohort_is_the_month_of_first_positive_mrr():
    result = cohorts.revenue_cohorts(BOOK)
    assert result.sizes.to_dict() == {P("2024-01", "M"): 1, P("2024-02", "M"): 2, P("2024-03", "M"): 1}
    assert result.basis == "revenue" and result.period == "month" and result.as_of == P("2024-04", "M")


def test_logo_retention_counts_a_churned_and_returned_member_again():
    result = cohorts.revenue_cohorts(BOOK)
    # February cohort {B, D}: March only B, April only D (back after a month off)
    assert row(result.counts, "2024-02") == [2, 1, 1, None]
    assert row(result.logo, "2024-02") == [1.0, 0.5, 0.5, None]


def test_revenue_retention_is_cohort_mrr_over_its_age_zero_mrr():
    result = cohorts.revenue_cohorts(BOOK)
    assert row(result.amounts, "2024-02") == [80, 50, 30, None]
    assert row(result.revenue, "2024-02") == [1.0, 50 / 80, 30 / 80, None]


def test_revenue_retention_exceeds_one_with_expansion():
    result = cohorts.revenue_cohorts(mrr({"A": [100, 150, 200], "B": [100, 0, 0]}))
    assert row(result.logo, "2024-01") == [1.0, 0.5, 0.5]
    assert row(result.revenue, "2024-01") == [1.0, 0.75, 1.0]
    assert cohorts.revenue_cohorts(mrr({"A": [100, 150, 200]})).revenue.iloc[0].tolist() == [1.0, 1.5, 2.0]


def test_cells_after_the_as_of_month_are_empty_not_zero():
    result = cohorts.revenue_cohorts(BOOK)
    assert row(result.logo, "2024-03") == [1.0, 1.0, None, None]
    assert math.isnan(result.revenue.loc[P("2024-03", "M"), 2])


def test_as_of_ignores_later_data_and_extends_with_inactive_months():
    earlier = cohorts.revenue_cohorts(BOOK, as_of="2024-02")
    assert earlier.sizes.to_dict() == {P("2024-01", "M"): 1, P("2024-02", "M"): 2}  # C joins after as_of
    assert row(earlier.logo, "2024-01") == [1.0, 1.0]
    later = cohorts.revenue_cohorts(BOOK, as_of="2024-06")
    assert row(later.logo, "2024-01") == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]  # no data after April: inactive
    assert row(later.logo, "2024-03") == [1.0, 1.0, 0.0, 0.0, None, None]


def test_quarterly_view_reads_the_last_month_of_each_quarter_and_as_of_for_the_current_one():
    # as_of is August: the third quarter is not over, so it is read in August.
    book = mrr({
        "X": [5, 0, 0, 0, 0, 0, 0, 0],      # Q1 cohort, gone by March: not active at age 0
        "Y": [0, 10, 10, 10, 0, 0, 0, 0],   # active in March only of the months read
        "Z": [0, 0, 20, 0, 0, 40, 0, 20],   # March, June, August
        "W": [0, 0, 0, 0, 7, 7, 7, 7],      # Q2 cohort
    })
    result = cohorts.revenue_cohorts(book, period="quarter")
    assert result.sizes.to_dict() == {P("2024Q1", "Q"): 3, P("2024Q2", "Q"): 1}
    assert row(result.logo, "2024Q1") == [2 / 3, 1 / 3, 1 / 3]
    assert row(result.revenue, "2024Q1") == [1.0, 40 / 30, 20 / 30]  # MRR of March, June, August
    assert row(result.logo, "2024Q2") == [1.0, 1.0, None]
    assert result.to_json()["logo"] == {"2024Q1": [2 / 3, 1 / 3, 1 / 3], "2024Q2": [1.0, 1.0]}


def test_yearly_view_keys_cohorts_by_year():
    book = mrr({"A": [10] * 13, "B": [0] * 12 + [10]}, start="2023-12")
    result = cohorts.revenue_cohorts(book, period="year")
    assert result.to_json() == {"basis": "revenue", "logo": {"2023": [1.0, 1.0], "2024": [1.0]},
                                "revenue": {"2023": [1.0, 1.0], "2024": [1.0]}, "sizes": {"2023": 1, "2024": 1}}


def test_signup_date_sets_the_cohort_and_missing_dates_fall_back_to_first_activity():
    book = mrr({"A": [50, 50, 50], "B": [0, 20, 20], "C": [0, 0, 10]})
    signup = pd.Series(pd.to_datetime(["2023-12-15", None, "2024-01-03"]), index=["A", "C", "Z"])
    result = cohorts.revenue_cohorts(book, cohort_dates=signup)
    # A signed up before it first paid; Z signed up but never paid: not a member
    assert {str(k): v for k, v in result.sizes.items()} == {"2023-12": 1, "2024-02": 1, "2024-03": 1}
    assert row(result.logo, "2023-12") == [0.0, 1.0, 1.0, 1.0]
    assert row(result.revenue, "2023-12") == [None, None, None, None]  # nothing at age 0: no base


def test_activity_before_a_later_signup_month_counts_in_no_cell():
    book = mrr({"A": [10, 10, 0, 10]})
    result = cohorts.revenue_cohorts(book, cohort_dates=pd.Series({"A": pd.Timestamp("2024-02-14")}))
    assert result.to_json()["logo"] == {"2024-02": [1.0, 0.0, 1.0]}


def test_segment_keeps_only_the_given_customers():
    by_set = cohorts.revenue_cohorts(BOOK, segment={"A", "D"})
    assert {str(k): v for k, v in by_set.sizes.items()} == {"2024-01": 1, "2024-02": 1}
    assert row(by_set.logo, "2024-02") == [1.0, 0.0, 1.0, None]
    plan = pd.Series({"A": "pro", "B": "basic", "C": "pro", "D": "basic"})
    by_mask = cohorts.revenue_cohorts(BOOK, segment=plan == "basic")
    assert {str(k): v for k, v in by_mask.sizes.items()} == {"2024-02": 2}


def test_average_curve_weights_cohorts_by_size_over_those_that_reached_each_age():
    curve = cohorts.average_retention(cohorts.revenue_cohorts(BOOK))
    # age 1: (1 + 1 + 1) ÷ (1 + 2 + 1); age 2: (1 + 1) ÷ (1 + 2); age 3: January only
    assert curve["logo"].tolist() == pytest.approx([1.0, 3 / 4, 2 / 3, 1.0])
    assert curve["revenue"].tolist() == pytest.approx([1.0, 230 / 260, 130 / 180, 1.0])
    assert curve["cohorts"].tolist() == [3, 3, 2, 1]


def test_age_trend_lists_the_cohorts_that_reached_that_age():
    result = cohorts.revenue_cohorts(BOOK)
    trend = cohorts.age_trend(result, 2)
    assert trend.to_dict() == {P("2024-01", "M"): 1.0, P("2024-02", "M"): 0.5}
    assert cohorts.age_trend(result, 1, kind="revenue").tolist() == pytest.approx([1.0, 50 / 80, 1.0])
    assert cohorts.age_trend(result, 9).empty


def test_to_json_rows_run_from_the_cohort_to_as_of_in_plain_numbers():
    result = cohorts.revenue_cohorts(mrr({"A": [100, 0, 100], "B": [0, 0, 0], "C": [0, 0, 40]}))
    out = result.to_json()
    assert out == {"basis": "revenue",
                   "logo": {"2024-01": [1.0, 0.0, 1.0], "2024-03": [1.0]},
                   "revenue": {"2024-01": [1.0, 0.0, 1.0], "2024-03": [1.0]},
                   "sizes": {"2024-01": 1, "2024-03": 1}}
    assert all(type(v) is float for values in out["logo"].values() for v in values)
    assert all(type(v) is int for v in out["sizes"].values())
    json.dumps(out)


def test_zero_age_zero_revenue_gives_null_revenue_retention_in_json():
    book = mrr({"A": [0, 0, 30]}, start="2024-01")
    out = cohorts.revenue_cohorts(book, cohort_dates=pd.Series({"A": pd.Timestamp("2024-01-20")})).to_json()
    assert out["revenue"] == {"2024-01": [None, None, None]}
    assert out["logo"] == {"2024-01": [0.0, 0.0, 1.0]}


def test_returns_and_zero_price_lines_make_no_one_active_but_count_in_amounts():
    lines = orders([
        ("A", "2024-01-05", 100.0),
        ("A", "2024-02-10", -30.0),  # a return
        ("A", "2024-02-11", 0.0),  # a free sample
        ("B", "2024-02-03", 0.0),  # only zero-price lines: never a customer of a cohort
        ("C", "2024-02-20", -10.0),  # only a return
        ("A", "2024-03-01", 50.0),
        (None, "2024-01-09", 500.0),  # no customer: rejected upstream, ignored here
    ])
    activity = cohorts.activity_from_orders(lines)
    assert activity.active.loc["A"].tolist() == [True, False, True]
    assert not activity.active.loc[["B", "C"]].to_numpy().any()
    assert activity.amount.loc["A"].tolist() == [100.0, -30.0, 50.0]
    result = cohorts.order_cohorts(lines)
    assert result.basis == "orders"
    assert result.sizes.to_dict() == {P("2024-01", "M"): 1}
    assert row(result.logo, "2024-01") == [1.0, 0.0, 1.0]
    assert row(result.revenue, "2024-01") == [1.0, -0.3, 0.5]


def test_order_amount_is_quantity_times_unit_price_when_not_given():
    lines = pd.DataFrame({"customer_id": ["A", "A"], "date": pd.to_datetime(["2024-01-02", "2024-02-02"]),
                          "quantity": [2.0, -1.0], "unit_price": [10.0, 10.0]})
    activity = cohorts.activity_from_orders(lines)
    assert activity.amount.loc["A"].tolist() == [20.0, -10.0]
    assert activity.active.loc["A"].tolist() == [True, False]


def test_events_count_per_customer_falling_back_to_user():
    events = pd.DataFrame({
        "user_id": ["u1", "u2", "u3", "u3", None],
        "customer_id": pd.Series(["acme", "acme", None, None, None], dtype="string"),
        "timestamp": pd.to_datetime(["2024-01-03", "2024-02-05", "2024-01-09", "2024-03-01", "2024-01-01"]),
    })
    active = cohorts.activity_from_events(events).active
    assert active.loc["acme"].tolist() == [True, True, False]
    assert active.loc["u3"].tolist() == [True, False, True]
    result = cohorts.event_cohorts(events)
    assert result.to_json() == {"basis": "events", "logo": {"2024-01": [1.0, 0.5, 0.5]},
                                "revenue": {"2024-01": [None, None, None]}, "sizes": {"2024-01": 2}}


def test_no_activity_gives_empty_cohorts():
    result = cohorts.order_cohorts(orders([("A", "2024-01-05", -20.0)]))
    assert result.sizes.empty
    assert result.to_json() == {"basis": "orders", "logo": {}, "revenue": {}, "sizes": {}}
    assert cohorts.average_retention(result).empty


def test_large_book_is_vectorised():
    rng = np.random.default_rng(7)
    n, months = 100_000, 60
    start = rng.integers(0, months, n)
    stop = start + rng.integers(1, months, n)
    age = np.arange(months)[None, :]
    book = pd.DataFrame(np.where((age >= start[:, None]) & (age < stop[:, None]), 100.0, 0.0),
                        index=pd.Index(np.arange(n).astype(str), name="customer_id"),
                        columns=pd.period_range("2020-01", periods=months, freq="M"))
    began = time.perf_counter()
    result = cohorts.revenue_cohorts(book)
    assert time.perf_counter() - began < 5
    assert int(result.sizes.sum()) == n
    assert result.logo.iloc[:, 0].eq(1.0).all()


# ---------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def online_retail() -> pd.DataFrame:
    """UCI Online Retail as canonical orders; rows without CustomerID are rejected upstream."""
    raw = pd.read_parquet(RETAIL)
    raw = raw[raw["CustomerID"].notna()]
    return pd.DataFrame({
        "customer_id": raw["CustomerID"].astype("int64").astype(str).astype("string"),
        "date": parse_dates(raw["InvoiceDate"]).values,  # text "2010-12-01 08:26:00"
        "amount": raw["Quantity"] * raw["UnitPrice"],
        "quantity": raw["Quantity"].astype(float),
        "unit_price": raw["UnitPrice"],
        "order_id": raw["InvoiceNo"].astype("string"),
        "product": raw["StockCode"].astype("string"),
    }).reset_index(drop=True)


def test_online_retail_gives_the_published_cohort_table(online_retail):
    result = cohorts.order_cohorts(online_retail)
    out = result.to_json()
    assert list(out["sizes"]) == [str(m) for m in pd.period_range("2010-12", "2011-12", freq="M")]
    assert list(out["sizes"].values()) == [885, 417, 380, 452, 300, 284, 242, 188, 169, 299, 358, 323, 41]
    assert result.counts.loc[P("2010-12", "M")].tolist() == [
        885, 324, 286, 340, 321, 352, 321, 309, 313, 350, 331, 445, 235]
    assert out["logo"]["2010-12"][1] == pytest.approx(0.366, abs=5e-4)
    assert out["logo"]["2010-12"][11] == pytest.approx(0.503, abs=5e-4)
    assert int(result.sizes.sum()) == 4338
    assert [len(r) for r in out["logo"].values()] == list(range(13, 0, -1))
