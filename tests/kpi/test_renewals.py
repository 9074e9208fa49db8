"""kpi.metrics.renewals on tiny subscription tables written in full, and the report's renewal rate and CS ROI.

Each expected value is counted by hand from the rows above it: a renewal is start + k × interval
(k ≥ 1) falling in the month while the row was still running the day before (end_date exclusive);
renewed when the customer still has MRR at the end of that month."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.ingest.mapping import Tables
from kpi.metrics import economics, renewals, revenue
from kpi.report.build import build_report, filter_tables
from kpi.report.periods import period_explanation, period_metric

NaT = None


def subscriptions(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (customer_id, start_date, end_date, interval in months, amount, status, trial_end)."""
    frame = pd.DataFrame(rows, columns=["customer_id", "start_date", "end_date", "interval", "amount", "status",
                                        "trial_end"])
    for column in ("start_date", "end_date", "trial_end"):
        frame[column] = pd.to_datetime(frame[column])
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame["status"] = frame["status"].astype("string")
    frame["interval"] = frame["interval"].astype(float)
    return frame


def rates(rows: list[tuple], first: str, last: str) -> pd.DataFrame:
    """renewal_rate_by_month of these rows, with the MRR matrix built from the same rows."""
    table = subscriptions(rows)
    months = pd.period_range(first, last, freq="M")
    mrr = revenue.mrr_from_subscriptions(table, last_month=months[-1].year * 12 + months[-1].month - 1)
    return renewals.renewal_rate_by_month(table, mrr, months)


def as_lists(frame: pd.DataFrame) -> tuple[list, list, list]:
    return frame["renewing"].tolist(), frame["renewed"].tolist(), frame["renewal_rate"].tolist()


def test_a_monthly_plan_renews_every_month_after_its_first():
    frame = rates([("A", "2025-01-15", NaT, 1, 100, "active", NaT)], "2025-01", "2025-04")
    renewing, renewed, rate = as_lists(frame)
    assert renewing == [0, 1, 1, 1] and renewed == [0, 1, 1, 1]
    assert np.isnan(rate[0]) and rate[1:] == [1.0, 1.0, 1.0]  # January: nobody renews → null, not 0


def test_an_annual_plan_renews_only_on_its_anniversary():
    frame = rates([("B", "2024-03-10", NaT, 12, 1200, "active", NaT)], "2024-03", "2025-04")
    assert frame["renewing"][frame["renewing"] > 0].index.tolist() == [pd.Period("2025-03", "M")]
    assert frame.loc["2025-03"].tolist() == [1, 1, 1.0]
    assert frame["renewal_rate"].drop(pd.Period("2025-03", "M")).isna().all()


def test_a_quarterly_plan_renews_every_three_months():
    frame = rates([("Q", "2025-01-20", NaT, 3, 300, "active", NaT)], "2025-01", "2025-10")
    assert frame["renewing"].tolist() == [0, 0, 0, 1, 0, 0, 1, 0, 0, 1]


def test_a_row_ended_the_day_of_its_renewal_was_renewing_and_did_not_renew():
    # ends 10 March, the day of its renewal: it was running on 9 March, so March counts it as renewing;
    # with no MRR at the end of March it is not renewed. February renewed normally.
    frame = rates([("C", "2025-01-10", "2025-03-10", 1, 100, "canceled", NaT)], "2025-01", "2025-03")
    assert as_lists(frame)[:2] == ([0, 1, 1], [0, 1, 0])
    assert frame.loc["2025-03", "renewal_rate"] == 0.0


def test_a_row_ended_the_day_before_its_renewal_never_reaches_it():
    frame = rates([("C", "2025-01-10", "2025-03-09", 1, 100, "canceled", NaT)], "2025-01", "2025-03")
    assert frame["renewing"].tolist() == [0, 1, 0] and np.isnan(frame.loc["2025-03", "renewal_rate"])


def test_a_customer_who_cancels_mid_month_after_renewing_is_not_renewed():
    frame = rates([("D", "2025-01-05", "2025-03-20", 1, 100, "canceled", NaT),
                   ("E", "2025-01-08", NaT, 1, 50, "active", NaT)], "2025-01", "2025-04")
    # March: D (5 March) and E (8 March) renew; D has no MRR at the end of March → 1 of 2
    assert frame.loc["2025-03"].tolist() == [2, 1, 0.5]
    assert frame.loc["2025-04"].tolist() == [1, 1, 1.0]  # D ended before its 5 April renewal


def test_trial_rows_are_left_out_and_a_converted_trial_renews_from_its_trial_end():
    frame = rates([("T", "2025-01-01", NaT, 1, 100, "trialing", "2025-01-15"),
                   ("U", "2024-01-01", NaT, 12, 1200, "active", "2024-01-20")], "2024-12", "2025-03")
    # T is still in trial: never renewing. U pays from 20 January 2024: its anniversary is 20 January 2025.
    assert frame["renewing"].tolist() == [0, 1, 0, 0]


def test_two_rows_of_one_customer_renewing_the_same_month_count_once_and_any_row_keeps_it_renewed():
    frame = rates([("F", "2025-01-03", "2025-03-03", 1, 100, "canceled", NaT),
                   ("F", "2025-02-25", NaT, 1, 40, "active", NaT)], "2025-01", "2025-03")
    # March: row 1 renews on 3 March (its end day) and row 2 on 25 March; F still pays 40 at the end of March
    assert frame.loc["2025-03"].tolist() == [1, 1, 1.0]


def test_the_end_of_a_short_month_holds_the_renewal_of_a_31st():
    frame = rates([("G", "2025-01-31", "2025-02-28", 1, 100, "canceled", NaT)], "2025-01", "2025-03")
    # 31 January + 1 month = 28 February, the row's end day: renewing in February, not renewed
    assert as_lists(frame)[:2] == ([0, 1, 0], [0, 0, 0])


def test_a_customer_with_hundreds_of_monthly_rows_at_once_is_one_renewing_customer():
    # the runs covering a month are counted in the narrowest integer that holds the customer's rows:
    # 300 rows overflow an int8 (and 300 ≡ 44 mod 256, 256 rows would wrap to 0)
    for count in (127, 128, 256, 300):
        frame = rates([("A", "2025-01-15", NaT, 1, 10, "active", NaT)] * count + [("B", "2025-01-10", NaT, 1, 10,
                                                                                  "active", NaT)],
                      "2025-01", "2025-03")
        assert frame["renewing"].tolist() == [0, 2, 2] and frame["renewed"].tolist() == [0, 2, 2], count

def test_a_weekly_plan_renewing_four_times_in_a_month_is_one_renewing_customer():
    frame = rates([("W", "2025-01-01", NaT, 12 / 52, 10, "active", NaT)], "2025-01", "2025-02")
    assert frame["renewing"].tolist() == [1, 1]  # 8, 15, 22, 29 January; 5, 12, 19, 26 February


def test_nobody_renewing_is_null_in_every_month():
    frame = rates([("H", "2025-03-01", NaT, 12, 1200, "active", NaT)], "2025-03", "2025-06")
    assert frame["renewing"].sum() == 0 and frame["renewal_rate"].isna().all()


def test_the_annual_variant_counts_only_anniversaries():
    table = subscriptions([("A", "2025-01-15", NaT, 1, 100, "active", NaT),
                           ("B", "2024-03-10", "2025-03-10", 12, 1200, "canceled", NaT),
                           ("C", "2024-03-20", NaT, 12, 600, "active", NaT)])
    months = pd.period_range("2025-01", "2025-04", freq="M")
    mrr = revenue.mrr_from_subscriptions(table, last_month=2025 * 12 + 3)
    annual = renewals.annual_renewal_rate_by_month(table, mrr, months)
    assert annual["renewing"].tolist() == [0, 0, 2, 0] and annual.loc["2025-03", "renewed"] == 1
    every = renewals.renewal_rate_by_month(table, mrr, months)
    assert every["renewing"].tolist() == [0, 1, 3, 1]  # A every month, B and C in March


def test_a_period_rate_is_its_months_renewals_together():
    months = pd.period_range("2025-01", "2025-03", freq="M", name="month")
    frame = pd.DataFrame({"renewing": [4, 0, 6], "renewed": [3, 0, 6]}, index=months)
    assert renewals.renewal_rate_between(frame, pd.Period("2024-12", "M"), pd.Period("2025-03", "M")) == (10, 9, 0.9)
    assert np.isnan(renewals.renewal_rate_between(frame, pd.Period("2025-01", "M"), pd.Period("2025-02", "M"))[2])


def _naive(table: pd.DataFrame, months: pd.PeriodIndex) -> set[tuple[str, pd.Period]]:
    """The definition, row by row with pandas' DateOffset: (customer, month) of every renewal."""
    out = set()
    for row in table.itertuples():
        start = row.start_date.normalize()
        step = pd.DateOffset(days=7) if abs(row.interval - 12 / 52) < 1e-9 else pd.DateOffset(months=int(row.interval))
        k = 1
        while (date := start + step * k) <= months[-1].to_timestamp(how="end"):
            if not pd.isna(row.end_date) and date > row.end_date.normalize():
                break
            if date.to_period("M") in months:
                out.add((row.customer_id, date.to_period("M")))
            k += 1
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 700), st.one_of(st.none(), st.integers(1, 800)),
                          st.sampled_from([1.0, 3.0, 12.0, 12 / 52, 2.0])), min_size=1, max_size=8))
def test_vectorised_renewals_equal_the_definition_row_by_row(rows):
    base = pd.Timestamp("2024-01-01")
    table = subscriptions([(c, base + pd.Timedelta(days=s), None if e is None else base + pd.Timedelta(days=s + e),
                            i, 100, "active", NaT) for c, s, e, i in rows])
    months = pd.period_range("2024-03", "2026-02", freq="M")
    found = renewals.renewal_months(table, months)
    assert set(zip(found["customer_id"], found["month"], strict=True)) == _naive(table, months)



@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 700), st.one_of(st.none(), st.integers(1, 800)),
                          st.sampled_from([1.0, 1.0, 3.0, 12.0, 12 / 52])), min_size=1, max_size=10))
def test_both_rate_tables_from_one_pass_count_the_definition_row_by_row(rows):
    """Monthly rows are marked as runs of months (a difference array), the others listed one by
    one: both tables still count, per month, the customers of `_naive` and those of them paying."""
    base = pd.Timestamp("2024-01-01")
    table = subscriptions([(c, base + pd.Timedelta(days=s), None if e is None else base + pd.Timedelta(days=s + e),
                            i, 100, "active", NaT) for c, s, e, i in rows])
    months = pd.period_range("2024-03", "2026-02", freq="M", name="month")
    mrr = revenue.mrr_from_subscriptions(table, last_month=2026 * 12 + 1)
    every, annual = renewals.renewal_rates_by_month(table, mrr, months)
    for frame, rows_counted in ((every, table), (annual, renewals.annual_plans(table))):
        cells = _naive(rows_counted, months)
        paying = {(c, pd.Period(m, "M")) for c in mrr.index for m in mrr.columns if mrr.loc[c, m] > 0}
        assert frame["renewing"].tolist() == [sum(1 for _, m in cells if m == month) for month in months]
        assert frame["renewed"].tolist() == [sum(1 for c, m in cells if m == month and (c, m) in paying)
                                             for month in months]


# ── in the report ────────────────────────────────────────────────────────────────────────────

SUBSCRIPTIONS = subscriptions([
    ("A", "2025-01-15", NaT, 1, 100, "active", NaT),
    ("B", "2024-03-10", "2025-03-10", 12, 1200, "canceled", NaT),
    ("C", "2024-03-20", NaT, 12, 600, "active", NaT),
    ("D", "2025-01-05", "2025-02-20", 1, 80, "canceled", NaT),
])


def test_the_report_has_the_renewal_rate_with_its_history_and_a_quarter_sums_its_months():
    report = build_report(Tables({"subscriptions": SUBSCRIPTIONS}, {}), as_of="2025-03")
    # February: A and D renew, D leaves on 20 February → 1 of 2. March: A, B (its end day), C → 2 of 3.
    assert report.to_json()["revenue"]["renewal_rate"] == pytest.approx(2 / 3)
    metric = report.metric("renewal_rate")
    assert (metric.value, metric.previous) == (pytest.approx(2 / 3), 0.5)
    assert report.revenue.annual_renewals.loc["2025-03"].tolist() == [2, 1, 0.5]
    quarter = period_metric(report, "renewal_rate", "quarter")
    assert quarter.value == pytest.approx((1 + 2) / (2 + 3))  # January: nobody renews
    assert "3 renewed of 5 renewing" in period_explanation(report, "renewal_rate", "quarter").computation


def test_a_segment_counts_its_own_customers_renewals():
    customers = pd.DataFrame({"customer_id": pd.array(["A", "B", "C", "D"], dtype="string"),
                              "segment": ["SMB", "ENT", "ENT", "SMB"]})
    tables = Tables({"subscriptions": SUBSCRIPTIONS, "customers": customers}, {})
    smb = build_report(filter_tables(tables, {"segment": ["SMB"]}), as_of="2025-02")  # its data ends in February
    enterprise = build_report(filter_tables(tables, {"segment": ["ENT"]}), as_of="2025-03")
    assert smb.revenue.renewals.loc["2025-02"].tolist() == [2, 1, 0.5]
    assert smb.to_json()["revenue"]["renewal_rate"] == 0.5
    assert enterprise.to_json()["revenue"]["renewal_rate"] == 0.5  # March: B and C, B leaves


def test_invoices_or_mrr_rows_have_no_renewal_rate():
    invoices = pd.DataFrame({"customer_id": pd.array(["A", "A"], dtype="string"),
                             "date": pd.to_datetime(["2025-01-05", "2025-02-05"]), "amount": [100.0, 100.0]})
    report = build_report(Tables({"invoices": invoices}, {}), as_of="2025-02")
    assert report.to_json()["revenue"]["renewal_rate"] is None and report.revenue.renewals is None


# ── customer-success ROI ─────────────────────────────────────────────────────────────────────

MONTHS = pd.period_range("2024-01", "2024-12", freq="M", name="month")
SERIES = pd.DataFrame({"mrr": 1000.0, "customers": 10, "new": 0.0, "new_customers": 0, "churned_customers": 0,
                       "expansion": [0.0] * 10 + [30.0, 20.0], "reactivation": [0.0] * 11 + [50.0]}, index=MONTHS)


def costs(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame({"month": pd.to_datetime([r[0] for r in rows]),
                         "category": pd.array([r[1] for r in rows], dtype="string"),
                         "amount": [float(r[2]) for r in rows]})


def test_cs_roi_by_hand():
    spend = costs([(f"2024-{m:02d}-01", "Service client", 100) for m in range(1, 13)])
    unit = economics.unit_economics(SERIES, spend, "2024-12")
    # gained 30 + 20 + 50 = 100 of MRR over the year, worth 12 × 100 = 1 200; CS costs 12 × 100 = 1 200
    assert (unit.cs_gained_mrr, unit.cs_costs) == (100.0, 1200.0)
    assert unit.cs_roi == pytest.approx((1200 - 1200) / 1200) and unit.to_json()["cs_roi"] == 0.0
    cheaper = economics.unit_economics(SERIES, costs([("2024-12-01", "Service client", 400),
                                                      *((f"2024-{m:02d}-01", "Autres", 5) for m in range(1, 12))]),
                                       "2024-12")
    assert cheaper.cs_roi == pytest.approx((1200 - 400) / 400)  # 2.0: each euro of CS brought back three


def test_cs_roi_is_null_without_customer_success_costs_or_when_they_are_zero():
    assert economics.unit_economics(SERIES, None, "2024-12").cs_roi is None
    other_only = costs([("2024-12-01", "Autres", 900)])
    assert economics.unit_economics(SERIES, other_only, "2024-12").cs_roi is None
    zero = costs([("2024-12-01", "Service client", 0)])
    assert economics.unit_economics(SERIES, zero, "2024-12").cs_roi is None


def test_cs_roi_counts_only_the_months_the_costs_sheet_covers():
    spend = costs([("2024-11-01", "Service client", 100), ("2024-12-01", "Service client", 100)])
    unit = economics.unit_economics(SERIES, spend, "2024-12")
    assert unit.cs_months == (pd.Period("2024-11", "M"), pd.Period("2024-12", "M"))
    assert unit.cs_roi == pytest.approx((12 * 100 - 200) / 200)
