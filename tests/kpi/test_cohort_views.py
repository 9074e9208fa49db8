"""kpi.metrics.cohorts views for the Retention page: % of previous period, churn-rate trend per period."""

import numpy as np
import pandas as pd
import pytest

from kpi.metrics import cohorts, revenue

P = pd.Period


def mrr(rows: dict[str, list[float]], start: str = "2024-01") -> pd.DataFrame:
    """Customer × month MRR matrix: {customer: [mrr of each month from start]}."""
    width = len(next(iter(rows.values())))
    return pd.DataFrame(list(rows.values()), index=pd.Index(list(rows), name="customer_id"),
                        columns=pd.period_range(start, periods=width, freq="M"), dtype=float)


# A pays every month; B joins in February and churns in April; D joins in February, skips
# March and comes back in April; C joins in March.
BOOK = mrr({
    "A": [100, 100, 100, 100],
    "B": [0, 50, 50, 0],
    "C": [0, 0, 80, 80],
    "D": [0, 30, 0, 30],
})


def cells(frame: pd.DataFrame) -> list[list]:
    return [[None if pd.isna(v) else pytest.approx(float(v)) for v in row] for row in frame.to_numpy()]


# ---------------------------------------------------------------------------- period_over_period


def test_period_over_period_divides_each_cell_by_the_one_an_age_before():
    counts = cohorts.revenue_cohorts(BOOK).counts
    # Feb cohort {B, D}: 2, 1 (B), 1 (D back) → 1/2, 1/1; Jan cohort {A}: 1, 1, 1, 1
    assert cells(cohorts.period_over_period(counts)) == [
        [1.0, 1.0, 1.0],
        [0.5, 1.0, None],
        [1.0, None, None],
    ]


def test_period_over_period_starts_at_age_one_and_keeps_the_cohorts():
    result = cohorts.revenue_cohorts(BOOK)
    view = cohorts.period_over_period(result.logo)
    assert list(view.columns) == [1, 2, 3]
    assert view.columns.name == "age"
    assert view.index.equals(result.logo.index)


def test_period_over_period_of_retention_equals_that_of_counts_and_amounts():
    result = cohorts.revenue_cohorts(BOOK)
    assert cells(cohorts.period_over_period(result.logo)) == cells(cohorts.period_over_period(result.counts))
    assert cells(cohorts.period_over_period(result.revenue)) == cells(cohorts.period_over_period(result.amounts))


def test_period_over_period_after_zero_is_empty_and_can_exceed_one():
    matrix = pd.DataFrame([[4.0, 0.0, 2.0], [2.0, 3.0, np.nan]], columns=pd.RangeIndex(3, name="age"))
    assert cells(cohorts.period_over_period(matrix)) == [[0.0, None], [1.5, None]]


def test_period_over_period_of_an_empty_matrix_is_empty():
    empty = cohorts.revenue_cohorts(mrr({"A": [0, 0]})).logo
    assert cohorts.period_over_period(empty).empty


# ---------------------------------------------------------------------------- churn_rate_trend


def test_monthly_churn_trend_is_the_revenue_kpis_logo_and_gross_mrr_churn():
    series = revenue.movements(BOOK)
    kpis = revenue.revenue_kpis(BOOK, series)
    trend = cohorts.churn_rate_trend(series, "month")
    assert trend["logo_churn_rate"].to_numpy() == pytest.approx(kpis["logo_churn_rate"].to_numpy(), nan_ok=True)
    assert trend["gross_mrr_churn_rate"].to_numpy() == pytest.approx(kpis["gross_mrr_churn_rate"].to_numpy(),
                                                                      nan_ok=True)
    # March: D churned (1 of the 3 paying at the end of February); April: B (1 of 3)
    assert trend.loc[P("2024-03", "M"), "logo_churn_rate"] == pytest.approx(1 / 3)
    assert trend["months"].tolist() == [1, 1, 1, 1]


def test_quarterly_churn_sums_the_quarters_churn_over_the_previous_quarter_end():
    book = mrr({
        "A": [100, 100, 100, 100, 100, 100],
        "B": [50, 50, 50, 50, 0, 0],  # churns in May
        "C": [0, 0, 80, 0, 0, 0],  # joins in March, churns in April
        "D": [20, 20, 20, 20, 10, 10],  # contracts in May
    })
    trend = cohorts.churn_rate_trend(revenue.movements(book), "quarter")
    assert list(trend.index) == [P("2024Q1", "Q"), P("2024Q2", "Q")]
    q2 = trend.loc[P("2024Q2", "Q")]
    # end of March: A, B, C, D paying (MRR 250); in Q2 C and B churn (80 + 50), D contracts by 10
    assert q2["customers_start"] == 4 and q2["churned_customers"] == 2
    assert q2["logo_churn_rate"] == pytest.approx(2 / 4)
    assert q2["gross_mrr_churn_rate"] == pytest.approx((80 + 50 + 10) / 250)
    assert np.isnan(trend.loc[P("2024Q1", "Q"), "logo_churn_rate"])  # nothing before the first quarter


def test_churn_trend_counts_the_months_of_an_unfinished_period():
    book = mrr({"A": [100] * 5, "B": [50, 50, 50, 50, 0]})  # January … May: Q2 holds two months
    trend = cohorts.churn_rate_trend(revenue.movements(book), "quarter")
    assert trend["months"].tolist() == [3, 2]
    assert trend.loc[P("2024Q2", "Q"), "logo_churn_rate"] == pytest.approx(1 / 2)


def test_yearly_churn_trend_and_zero_denominators_are_empty():
    book = mrr({"A": [0] * 12 + [100] * 12}, start="2023-01")  # nobody pays in 2023
    trend = cohorts.churn_rate_trend(revenue.movements(book), "year")
    assert list(trend.index) == [P("2023", "Y"), P("2024", "Y")]
    assert trend["logo_churn_rate"].isna().all() and trend["gross_mrr_churn_rate"].isna().all()


def test_churn_trend_of_no_months_is_empty():
    empty = revenue.movements(BOOK).iloc[:0]
    trend = cohorts.churn_rate_trend(empty, "quarter")
    assert trend.empty and "logo_churn_rate" in trend.columns


# ---------------------------------------------------------------------------- largest_segments


def test_largest_segments_lists_values_by_customers_then_alphabetically():
    customers = pd.DataFrame({"customer_id": list("abcdefg"),
                              "plan": ["Pro", "Basic", "Pro", None, "Team", "Basic", "Pro"]})
    assert cohorts.largest_segments(customers, "plan") == ["Pro", "Basic", "Team"]
    assert cohorts.largest_segments(customers, "country") == []


def test_largest_segments_reads_values_as_text():
    customers = pd.DataFrame({"customer_id": list("abc"), "employees": [10, 10, 250]})
    assert cohorts.largest_segments(customers, "employees") == ["10", "250"]


def test_the_customers_behind_a_cell_are_its_cohort_with_their_state_then():
    from kpi.metrics.cohorts import cell_customers, revenue_cohorts

    mrr = pd.DataFrame([[10.0, 10.0, 0.0], [5.0, 0.0, 5.0], [0.0, 7.0, 7.0]], index=["A", "B", "C"],
                       columns=pd.period_range("2024-01", periods=3, freq="M"))
    cohorts = revenue_cohorts(mrr)
    cell = cell_customers(cohorts, mrr > 0, mrr, pd.Period("2024-01", freq="M"), 1)
    assert cell.values.tolist() == [["B", False, 0.0], ["A", True, 10.0]]
    assert int(cell["active"].sum()) == cohorts.counts.iloc[0, 1]
    assert cohorts.members.to_dict() == {"A": pd.Period("2024-01", "M"), "B": pd.Period("2024-01", "M"),
                                         "C": pd.Period("2024-02", "M")}
