"""Revenue KPIs over a quarter or a year (kpi.metrics.periods) and the cards that read them
(kpi.report.periods): tiny tables computed by hand, and the identity with the monthly KPIs."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.demo import load_demo
from kpi.metrics import periods, revenue
from kpi.report.build import build_report
from kpi.report.periods import period_explanation, period_metric, view

MONTHS = pd.period_range("2026-01", "2026-06", freq="M")
# A churns in April; B expands in February and May; C starts in March and contracts in May; D is new in May
BOOK = pd.DataFrame({"A": [100, 100, 100, 0, 0, 0], "B": [50, 60, 60, 60, 80, 80],
                     "C": [0, 0, 40, 40, 20, 20], "D": [0, 0, 0, 0, 30, 30]}, index=MONTHS, dtype=float).T


def quarters(through: str) -> pd.DataFrame:
    mrr = BOOK.loc[:, BOOK.columns <= pd.Period(through, freq="M")]
    return periods.period_kpis(mrr, revenue.movements(mrr), "quarter", pd.Period(through, freq="M"))


def test_a_quarter_to_date_reads_its_rates_over_the_months_so_far():
    q2 = quarters("2026-05").loc[pd.Period("2026Q2", freq="Q")]
    # base: customers paying at the end of March: A 100, B 60, C 40 (MRR 200)
    march, may = pd.Period("2026-03", freq="M"), pd.Period("2026-05", freq="M")
    assert (q2["start"], q2["end"], q2["partial"]) == (march, may, True)
    assert q2["mrr"] == 130 and q2["customers"] == 3
    assert q2["logo_churn_rate"] == pytest.approx(1 / 3)  # A no longer pays
    assert q2["grr"] == pytest.approx((0 + 60 + 20) / 200)  # min(now, then) per base customer
    assert q2["gross_mrr_churn_rate"] == pytest.approx(1 - 80 / 200)
    assert q2["nrr"] == pytest.approx((0 + 80 + 20) / 200)  # D, new in May, is not in the base
    # April: A churns 100; May: B +20, C −20, D new 30
    assert (q2["churn"], q2["contraction"], q2["expansion"], q2["new"]) == (100, 20, 20, 30)
    assert q2["net_mrr_churn_rate"] == pytest.approx((100 + 20 - 20 - 0) / 200)
    assert q2["quick_ratio"] == pytest.approx((30 + 20) / (100 + 20))
    assert q2["net_new_mrr"] == pytest.approx(130 - 200)
    assert q2["mrr_growth"] == pytest.approx(130 / 200 - 1)


def test_the_first_quarter_has_no_base_so_its_rates_are_null_not_zero():
    q1 = quarters("2026-06").loc[pd.Period("2026Q1", freq="Q")]
    assert not q1["partial"] and q1["mrr"] == 200 and q1["new"] == 190 and q1["expansion"] == 10
    for rate in ("logo_churn_rate", "grr", "nrr", "gross_mrr_churn_rate", "net_mrr_churn_rate", "mrr_growth"):
        assert np.isnan(q1[rate]), rate


def test_a_whole_quarter_is_not_partial():
    table = quarters("2026-06")
    assert list(table["partial"]) == [False, False]
    assert table.loc[pd.Period("2026Q2", freq="Q"), "end"] == pd.Period("2026-06", freq="M")


def test_windows_labels_and_the_last_complete_period():
    window = periods.window_of(pd.Period("2026-11", freq="M"), "quarter")
    assert (window.start, window.end, window.partial, window.months) == (
        pd.Period("2026-09", freq="M"), pd.Period("2026-11", freq="M"), True, 2)
    assert window.label() == "Q4 2026 to date (October–November)"
    assert window.shifted(3).label() == "Q3 2026 to date (July–August)"
    assert periods.window_of(pd.Period("2026-09", freq="M"), "quarter").label() == "Q3 2026"
    assert periods.window_of(pd.Period("2026-01", freq="M"), "year").label() == "2026 to date (January)"
    assert periods.window_of(pd.Period("2026-10", freq="M"), "month").label() == "October 2026"
    assert periods.last_complete(pd.Period("2026-10", freq="M"), "quarter") == pd.Period("2026-09", freq="M")
    assert periods.last_complete(pd.Period("2026-09", freq="M"), "quarter") == pd.Period("2026-09", freq="M")
    assert periods.last_complete(pd.Period("2026-10", freq="M"), "year") == pd.Period("2025-12", freq="M")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 0.0, 10.0, 25.0, 40.0]), min_size=7, max_size=7),
                min_size=1, max_size=8))
def test_one_month_windows_are_the_monthly_kpis_and_every_period_bridges(rows):
    months = pd.period_range("2025-11", "2026-05", freq="M")
    mrr = pd.DataFrame(rows, columns=months, index=[f"c{i}" for i in range(len(rows))])
    series = revenue.movements(mrr)
    monthly = revenue.revenue_kpis(mrr, series)
    by_month = periods.period_kpis(mrr, series, "month", months[-1])
    for mine, theirs in (("logo_churn_rate", "logo_churn_rate"), ("gross_mrr_churn_rate", "gross_mrr_churn_rate"),
                         ("net_mrr_churn_rate", "net_mrr_churn_rate"), ("nrr", "nrr_monthly"),
                         ("grr", "grr_monthly"), ("quick_ratio", "quick_ratio"), ("mrr_growth", "mrr_growth_mom")):
        np.testing.assert_allclose(by_month[mine].to_numpy(float), monthly[theirs].to_numpy(float), atol=1e-9)
    for granularity in ("quarter", "year"):
        table = periods.period_kpis(mrr, series, granularity, months[-1])
        start = np.array([mrr[s].sum() if s in mrr.columns else 0.0 for s in table["start"]])
        np.testing.assert_allclose(start + table["net_new_mrr"], table["mrr"], atol=1e-9)  # MRR bridge
        assert ((table["grr"] <= table["nrr"] + 1e-12) | table["grr"].isna()).all()
        assert ((table["grr"] >= 0) & (table["grr"] <= 1) | table["grr"].isna()).all()


@pytest.fixture(scope="module")
def demo_report():
    return build_report(load_demo())


def test_cards_over_a_quarter_read_rates_over_the_period_and_stocks_at_its_end(demo_report):
    report = demo_report  # as of October 2026: Q4 to date is October alone
    shown = view(report, "quarter")
    assert (shown.label, shown.comparison_label, shown.partial) == ("Q4 2026 to date (October)",
                                                                     "Q3 2026 to date (July)", True)
    table = report.period_table("quarter")
    churn = period_metric(report, "logo_churn_rate", "quarter")
    assert churn.value == pytest.approx(table["logo_churn_rate"].iloc[-1])
    july = periods.window_kpis(report.revenue.mrr, report.revenue.series, [shown.comparison])
    assert churn.previous == pytest.approx(july["logo_churn_rate"].iloc[0])
    assert list(churn.history.index[-2:].astype(str)) == ["2026Q3", "2026Q4"]
    mrr = period_metric(report, "mrr", "quarter")
    assert mrr.value == report.metric("mrr").value
    assert mrr.previous == report.metric("mrr", 3).previous  # July's MRR
    assert mrr.history.index[-1] == pd.Period("2026Q4", freq="Q")
    monthly, direct = period_metric(report, "nrr_monthly", "month"), report.metric("nrr_monthly")
    assert (monthly.value, monthly.previous) == (direct.value, direct.previous)


def test_a_whole_quarter_is_compared_with_the_quarter_before(demo_report):
    report = build_report(demo_report.tables, "2026-09")
    churn = period_metric(report, "logo_churn_rate", "quarter")
    table = report.period_table("quarter")
    assert churn.value == pytest.approx(table.loc[pd.Period("2026Q3", freq="Q"), "logo_churn_rate"])
    assert churn.previous == pytest.approx(table.loc[pd.Period("2026Q2", freq="Q"), "logo_churn_rate"])


def test_the_popover_of_a_period_card_quotes_the_period_numbers(demo_report):
    explanation = period_explanation(demo_report, "nrr_monthly", "quarter")
    assert explanation.computation.startswith("Q4 2026 to date (October): ")
    assert "start" in explanation.definition
    monthly = period_explanation(demo_report, "nrr_monthly", "month")
    assert monthly.computation.startswith("October 2026: ")
    stock = period_explanation(demo_report, "mrr", "year")
    assert stock.definition.endswith("Read at the last month of the period.")
