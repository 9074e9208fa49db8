"""kpi.metrics.revenue against small fixtures computed by hand, and the MRR bridge as a property."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.errors import InputError
from kpi.metrics import revenue

P = pd.Period


def subscriptions(rows):
    """Rows of (customer, start, end, amount, interval_months, quantity, discount, trial_end, status)."""
    columns = ["customer_id", "start_date", "end_date", "amount", "interval", "quantity", "discount",
               "trial_end", "status"]
    frame = pd.DataFrame([list(r) + [None] * (len(columns) - len(r)) for r in rows], columns=columns)
    for column in ("start_date", "end_date", "trial_end"):
        frame[column] = pd.to_datetime(frame[column], format="mixed")
    for column in ("amount", "interval", "quantity", "discount"):
        frame[column] = frame[column].astype(float)
    return frame


# A: monthly 100 · B: annual 1200, ends 20 March · C: 2 seats at 50 −10 %, upgraded to 80 on
# 5 March · D: 30 in January only, back in April · E: starts and ends inside February ·
# F: trial until 10 April · G: still trialing.
HAND = subscriptions([
    ("A", "2024-01-10", None, 100, 1),
    ("B", "2024-01-15", "2024-03-20", 1200, 12),
    ("C", "2024-02-01", "2024-03-05", 50, 1, 2, 0.10),
    ("C", "2024-03-05", None, 80, 1, 2, 0.10),
    ("D", "2024-01-01", "2024-02-01", 30, 1),
    ("D", "2024-04-02", None, 30, 1),
    ("E", "2024-02-03", "2024-02-20", 500, 1),
    ("F", "2024-03-01", None, 40, 1, None, None, "2024-04-10"),
    ("G", "2024-03-01", None, 99, 1, None, None, None, "trialing"),
])


def test_matrix_follows_end_of_month_snapshots():
    mrr = revenue.mrr_from_subscriptions(HAND)
    assert list(mrr.columns) == [P("2024-01"), P("2024-02"), P("2024-03"), P("2024-04")]
    assert mrr.loc["A"].tolist() == [100, 100, 100, 100]
    assert mrr.loc["B"].tolist() == [100, 100, 0, 0]
    assert mrr.loc["C"].tolist() == [0, 90, 144, 144]
    assert mrr.loc["D"].tolist() == [30, 0, 0, 30]
    assert mrr.loc["F"].tolist() == [0, 0, 0, 40]
    assert "E" not in mrr.index  # started and cancelled inside one month: never shows
    assert "G" not in mrr.index  # trialing is not MRR


def test_annual_plan_counts_one_twelfth_each_month():
    mrr = revenue.mrr_from_subscriptions(subscriptions([("X", "2024-01-31", "2025-01-31", 1200, 12)]))
    assert mrr.loc["X"].tolist() == [100.0] * 12 + [0.0]


def test_quarterly_and_weekly_intervals_normalise_to_a_month():
    mrr = revenue.mrr_from_subscriptions(subscriptions([
        ("Q", "2024-01-01", None, 300, 3), ("W", "2024-01-01", None, 12, 12 / 52)]))
    assert mrr.loc["Q"].tolist() == [100.0]
    assert mrr.loc["W"].tolist() == [52.0]


def test_end_date_is_exclusive_and_time_of_day_is_ignored():
    rows = subscriptions([("X", "2024-01-01", "2024-03-31 23:00", 10, 1), ("Y", "2024-01-01", "2024-04-01", 10, 1)])
    mrr = revenue.mrr_from_subscriptions(rows, last_month=2024 * 12 + 3)
    assert mrr.loc["X"].tolist() == [10, 10, 0, 0]  # ends on the last day of March: not in March
    assert mrr.loc["Y"].tolist() == [10, 10, 10, 0]


def test_start_on_the_last_day_of_a_month_counts_in_that_month():
    mrr = revenue.mrr_from_subscriptions(subscriptions([("X", "2024-09-30 02:36", None, 10, 1)]))
    assert list(mrr.columns) == [P("2024-09")]


def test_two_overlapping_subscriptions_of_one_customer_add_up():
    mrr = revenue.mrr_from_subscriptions(subscriptions([
        ("X", "2024-01-01", None, 100, 1), ("X", "2024-02-10", "2024-04-01", 19, 1)]))
    assert mrr.loc["X"].tolist() == [100, 119, 119, 100]


def test_full_discount_is_zero_mrr_and_therefore_churn():
    rows = subscriptions([("X", "2024-01-01", "2024-02-01", 100, 1), ("X", "2024-02-01", None, 100, 1, 1, 1.0)])
    mrr = revenue.mrr_from_subscriptions(rows)
    series = revenue.movements(mrr)
    assert series.loc[P("2024-02"), "churn"] == 100


def test_mixed_currencies_are_an_error_naming_them():
    rows = subscriptions([("X", "2024-01-01", None, 100, 1), ("Y", "2024-01-01", None, 100, 1)])
    rows["currency"] = ["eur", "USD"]
    with pytest.raises(InputError, match="EUR, USD"):
        revenue.mrr_from_subscriptions(rows)


def test_movements_by_hand():
    series = revenue.movements(revenue.mrr_from_subscriptions(HAND))
    assert series["mrr"].tolist() == [230, 290, 244, 314]
    assert series["customers"].tolist() == [3, 3, 2, 4]
    assert series["new"].tolist() == [230, 90, 0, 40]
    assert series["churn"].tolist() == [0, 30, 100, 0]
    assert series["expansion"].tolist() == [0, 0, 54, 0]
    assert series["contraction"].tolist() == [0, 0, 0, 0]
    assert series["reactivation"].tolist() == [0, 0, 0, 30]
    assert series["new_customers"].tolist() == [3, 1, 0, 1]
    assert series["churned_customers"].tolist() == [0, 1, 1, 0]
    assert series["reactivated_customers"].tolist() == [0, 0, 0, 1]


def test_same_month_upgrade_and_downgrade_nets_out():
    rows = subscriptions([
        ("X", "2024-01-01", "2024-02-05", 100, 1), ("X", "2024-02-05", "2024-02-20", 200, 1),
        ("X", "2024-02-20", None, 80, 1)])
    series = revenue.movements(revenue.mrr_from_subscriptions(rows))
    assert series.loc[P("2024-02"), "contraction"] == 20
    assert series.loc[P("2024-02"), "expansion"] == 0


def test_revenue_kpis_by_hand():
    kpis = revenue.revenue_kpis(revenue.mrr_from_subscriptions(HAND))
    march, april = kpis.loc[P("2024-03")], kpis.loc[P("2024-04")]
    assert march["logo_churn_rate"] == pytest.approx(1 / 3)
    assert march["gross_mrr_churn_rate"] == pytest.approx(100 / 290)
    assert march["net_mrr_churn_rate"] == pytest.approx((100 - 54) / 290)
    assert march["revenue_churn_rate"] == pytest.approx((290 - 244) / 290)
    assert march["expansion_rate"] == pytest.approx(54 / 290)
    assert march["nrr_monthly"] == pytest.approx((290 - 100 + 54) / 290)
    assert march["grr_monthly"] == pytest.approx(190 / 290)
    assert march["quick_ratio"] == pytest.approx(54 / 100)
    assert april["mrr"] == 314 and april["arr"] == 12 * 314 and april["customers"] == 4
    assert april["arpa"] == pytest.approx(78.5)
    assert april["mrr_growth_mom"] == pytest.approx(314 / 244 - 1)
    assert april["logo_churn_rate"] == 0
    assert april["net_mrr_churn_rate"] == pytest.approx(-30 / 244)
    assert math.isnan(april["quick_ratio"])  # nothing lost: a zero denominator is null, not 0
    assert math.isnan(kpis.loc[P("2024-01"), "mrr_growth_mom"])  # no previous month


def test_twelve_month_retention_by_hand():
    rows = subscriptions([
        ("A", "2024-01-01", "2024-07-01", 100, 1), ("A", "2024-07-01", None, 150, 1),  # expands to 150
        ("B", "2024-01-01", "2024-06-01", 50, 1),                                       # churns
        ("C", "2024-01-01", "2024-03-01", 40, 1), ("C", "2024-03-01", None, 20, 1),     # contracts to 20
        ("D", "2024-06-01", None, 500, 1),                                               # new: not in the base
    ])
    kpis = revenue.revenue_kpis(revenue.mrr_from_subscriptions(rows, last_month=2025 * 12 + 0))
    january = kpis.loc[P("2025-01")]
    assert january["nrr_12m"] == pytest.approx((150 + 0 + 20) / 190)
    assert january["grr_12m"] == pytest.approx((100 + 0 + 20) / 190)
    assert january["customer_retention_rate_12m"] == pytest.approx(2 / 3)
    assert math.isnan(kpis.loc[P("2024-12"), "nrr_12m"])  # no month 12 months earlier


def test_mrr_from_long_rows_treats_blank_as_zero():
    rows = pd.DataFrame({"customer_id": ["A", "A", "B"], "month": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"]),
                         "mrr": [10.0, 12.0, None]})
    mrr = revenue.mrr_from_long(rows)
    assert mrr.loc["A"].tolist() == [10, 0, 12]


def test_movement_of_lists_the_customers_behind_a_month():
    mrr = revenue.mrr_from_subscriptions(HAND)
    march = revenue.movement_of(mrr, P("2024-03"))
    assert march[["customer_id", "movement", "amount"]].values.tolist() == [["B", "churn", 100], ["C", "expansion", 54]]


row_strategy = st.tuples(
    st.sampled_from(list("ABCDEFGH")),
    st.integers(0, 30),            # start month offset
    st.one_of(st.none(), st.integers(1, 20)),  # duration in months
    st.integers(0, 27),            # start day
    st.floats(0, 1000, allow_nan=False).map(lambda x: round(x, 2)),
    st.sampled_from([1, 3, 12, 12 / 52]),
    st.integers(1, 5),
    st.sampled_from([0.0, 0.1, 0.5, 1.0]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(row_strategy, min_size=1, max_size=25))
def test_mrr_bridge_and_retention_bounds_hold_on_random_subscriptions(rows):
    base = pd.Timestamp("2022-01-01")
    table = subscriptions([
        (c, base + pd.DateOffset(months=s, days=d),
         None if n is None else base + pd.DateOffset(months=s + n, days=d), a, i, q, disc)
        for c, s, n, d, a, i, q, disc in rows
    ])
    mrr = revenue.mrr_from_subscriptions(table)
    if mrr.shape[1] == 0:
        return
    series = revenue.movements(mrr)
    previous = series["mrr"].shift(1, fill_value=0.0)
    bridge = previous + series["new"] + series["reactivation"] + series["expansion"] - series["contraction"] - series["churn"]
    np.testing.assert_allclose(bridge, series["mrr"], atol=1e-6)
    kpis = revenue.revenue_kpis(mrr, series)
    for grr, nrr in (("grr_12m", "nrr_12m"), ("grr_monthly", "nrr_monthly")):
        valid = kpis[grr].notna()
        assert ((kpis.loc[valid, grr] >= -1e-12) & (kpis.loc[valid, grr] <= 1 + 1e-12)).all()
        assert (kpis.loc[valid, grr] <= kpis.loc[valid, nrr] + 1e-12).all()


def test_float_noise_between_equal_amounts_is_not_a_movement():
    rows = subscriptions([
        ("X", "2024-01-01", "2024-02-01", 0.1, 1), ("X", "2024-01-01", "2024-02-01", 0.2, 1),
        ("X", "2024-02-01", None, 0.3, 1)])  # 0.1 + 0.2 != 0.3 in floating point
    series = revenue.movements(revenue.mrr_from_subscriptions(rows))
    assert series.loc[P("2024-02"), ["expansion", "contraction"]].tolist() == [0, 0]
    assert series.loc[P("2024-02"), "contraction_customers"] == 0


def invoices(rows):
    """Rows of (customer, date, amount, service_start, service_end, interval_months)."""
    columns = ["customer_id", "date", "amount", "service_start", "service_end", "interval"]
    frame = pd.DataFrame([list(r) + [None] * (len(columns) - len(r)) for r in rows], columns=columns)
    for column in ("date", "service_start", "service_end"):
        frame[column] = pd.to_datetime(frame[column], format="mixed")
    frame["amount"] = frame["amount"].astype(float)
    frame["interval"] = frame["interval"].astype(float)
    return frame


def test_yearly_invoice_gives_a_twelfth_for_twelve_months():
    mrr = revenue.mrr_from_invoices(invoices([("X", "2024-01-15", 1200, "2024-01-15", "2025-01-15")]),
                                    last_month=2025 * 12 + 1)
    assert mrr.loc["X"].tolist() == [100.0] * 12 + [0.0, 0.0]


def test_invoice_without_service_period_covers_one_interval_from_its_date():
    rows = invoices([("M", "2024-01-15", 50), ("Q", "2024-01-31", 300, None, None, 3)])
    mrr = revenue.mrr_from_invoices(rows, last_month=2024 * 12 + 4)
    assert mrr.loc["M"].tolist() == [50, 0, 0, 0, 0]
    assert mrr.loc["Q"].tolist() == [100, 100, 100, 0, 0]  # 31 Jan + 3 months = 30 April


def test_weekly_invoice_counts_scaled_in_the_month_whose_end_it_covers():
    rows = invoices([("W", "2024-01-28", 70, "2024-01-28", "2024-02-04"), ("V", "2024-02-05", 70, "2024-02-05", "2024-02-12")])
    mrr = revenue.mrr_from_invoices(rows)
    assert mrr.loc["W", P("2024-01")] == pytest.approx(70 * 30.4375 / 7)
    assert "V" not in mrr.index  # covers no month end: never MRR


def test_currencies_convert_with_a_rates_table_and_an_unknown_one_is_named():
    rows = subscriptions([("X", "2024-01-01", None, 100, 1), ("Y", "2024-01-01", None, 100, 1)])
    rows["currency"] = ["eur", "USD"]
    converted = revenue.convert_currency(rows, {"EUR": 1.0, "usd": 0.9}, "subscriptions")
    assert revenue.mrr_from_subscriptions(converted).iloc[:, 0].tolist() == [100.0, 90.0]
    with pytest.raises(InputError, match="USD"):
        revenue.convert_currency(rows, {"EUR": 1.0}, "subscriptions")


def test_quarters_take_mrr_at_their_last_month_and_sum_movements():
    series = revenue.movements(revenue.mrr_from_subscriptions(HAND))
    quarters = revenue.aggregate_series(series, "quarter")
    assert quarters.index.astype(str).tolist() == ["2024Q1", "2024Q2"]
    assert quarters["mrr"].tolist() == [244, 314]
    assert quarters.loc[pd.Period("2024Q1"), "new"] == 230 + 90
    assert quarters.loc[pd.Period("2024Q1"), "churn"] == 30 + 100
    assert quarters.loc[pd.Period("2024Q2"), "reactivation"] == 30


def test_bridge_over_a_quarter_adds_up():
    series = revenue.movements(revenue.mrr_from_subscriptions(HAND))
    months = pd.period_range("2024-02", "2024-04", freq="M")
    bridge = revenue.bridge(series, months)
    assert bridge["start"] == 230 and bridge["end"] == 314
    gains = bridge["new"] + bridge["expansion"] + bridge["reactivation"]
    assert bridge["start"] + gains - bridge["contraction"] - bridge["churn"] == bridge["end"]


def test_movement_details_list_customers_per_month():
    details = revenue.movement_details(revenue.mrr_from_subscriptions(HAND), pd.period_range("2024-03", "2024-04", freq="M"))
    assert details[["month", "customer_id", "movement"]].astype(str).values.tolist() == [
        ["2024-03", "B", "churn"], ["2024-03", "C", "expansion"], ["2024-04", "F", "new"], ["2024-04", "D", "reactivation"]]


def test_movement_details_sign_each_change_as_the_bridge_draws_it():
    # X pays 100 then leaves, Y goes 50 → 20, Z goes 10 → 40, W arrives at 25: churn and contraction are negative
    mrr = pd.DataFrame([[100.0, 0.0], [50.0, 20.0], [10.0, 40.0], [0.0, 25.0]],
                       index=pd.Index(list("XYZW"), name="customer_id"),
                       columns=pd.period_range("2024-01", periods=2, freq="M"))
    details = revenue.movement_details(mrr, pd.PeriodIndex([P("2024-02")]))
    signed = dict(zip(details["movement"], details["change"], strict=True))
    assert signed == {"churn": -100.0, "contraction": -30.0, "expansion": 30.0, "new": 25.0}
    assert details["amount"].tolist() == details["change"].abs().tolist()  # the size stays unsigned
    assert details["change"].sum() == mrr.iloc[:, 1].sum() - mrr.iloc[:, 0].sum()  # the bridge's net move


# ChartMogul's worked examples (issue 4).
def test_back_to_back_rows_at_the_same_price_are_neither_churn_nor_new():
    rows = subscriptions([("X", "2024-01-01", "2024-02-01", 50, 1), ("X", "2024-02-01", "2024-03-01", 50, 1),
                          ("X", "2024-03-01", None, 50, 1)])
    series = revenue.movements(revenue.mrr_from_subscriptions(rows))
    assert series["churn"].sum() == 0 and series["new"].tolist() == [50, 0, 0]
    assert series["reactivation"].sum() == 0


def test_an_annual_plan_of_2000_is_166_67_of_new_mrr():
    series = revenue.movements(revenue.mrr_from_subscriptions(subscriptions([("X", "2024-01-01", None, 2000, 12)])))
    assert series.loc[P("2024-01"), "new"] == pytest.approx(166.67, abs=0.005)


def test_cancelling_one_of_two_plans_is_contraction_and_the_last_one_churn_then_back_is_reactivation():
    rows = subscriptions([("X", "2024-01-01", "2024-03-01", 100, 1), ("X", "2024-01-01", "2024-04-01", 30, 1),
                          ("X", "2024-06-01", None, 80, 1)])
    series = revenue.movements(revenue.mrr_from_subscriptions(rows))
    assert series.loc[P("2024-03"), ["contraction", "churn"]].tolist() == [100, 0]
    assert series.loc[P("2024-04"), ["contraction", "churn"]].tolist() == [0, 30]
    assert series.loc[P("2024-06"), ["reactivation", "new"]].tolist() == [80, 0]


def test_statuses_of_every_billing_tool_that_mean_not_paying_yet_are_left_out():
    statuses = ["In_Trial", "in-trial", "trialing", "Période d'essai", "future", "active", "past_due",
                "non_renewing", "cancelled", None]
    paying = revenue.paying_rows(pd.DataFrame({"status": statuses}))
    assert paying.tolist() == [False] * 5 + [True] * 5
