"""kpi.report.build: the whole report, its sections and their sources."""

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.errors import InputError
from kpi.ingest.mapping import Tables
from kpi.report.build import Settings, build_report, filter_tables, reportable_months


@pytest.fixture(scope="module")
def demo():
    return load_demo()


def test_every_section_of_the_demo_is_computed(demo):
    report = build_report(demo).to_json()
    given = {"revenue", "series", "cohorts", "unit_economics", "nps", "csat", "ces", "support", "engagement"}
    assert all(report[section] is not None for section in given)
    assert report["orders"] is None  # the demo has no orders table: its section stays null
    for section in ("unit_economics", "nps", "csat", "ces", "support", "engagement"):
        assert all(value is not None for value in report[section].values()), section
    assert report["cohorts"]["basis"] == "revenue"
    assert set(report["data_quality"]) == set(demo.quality)


def test_nps_numbers_agree_with_their_counts(demo):
    nps = build_report(demo).to_json()["nps"]
    assert nps["promoters"] + nps["passives"] + nps["detractors"] == nps["n"]
    assert nps["score"] == pytest.approx(100 * (nps["promoters"] - nps["detractors"]) / nps["n"])
    low, high = nps["ci95"]
    assert low < nps["score"] < high


def test_invoices_are_a_revenue_source():
    frame = pd.DataFrame({"customer_id": ["A", "B"], "date": pd.to_datetime(["2024-01-10", "2024-02-03"]),
                          "amount": [1200.0, 30.0], "service_start": pd.to_datetime(["2024-01-10", None]),
                          "service_end": pd.to_datetime(["2025-01-10", None])})
    report = build_report(Tables({"invoices": frame}, {}), "2024-02")
    assert report.to_json()["revenue"]["mrr"] == 130.0


def test_rates_convert_mixed_currencies_into_the_reporting_one():
    frame = pd.DataFrame({"customer_id": ["A", "B"], "start_date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
                          "amount": [100.0, 100.0], "currency": ["EUR", "USD"]})
    with pytest.raises(InputError, match="EUR, USD"):
        build_report(Tables({"subscriptions": frame}, {}))
    report = build_report(Tables({"subscriptions": frame}, {}),
                          settings=Settings(reporting_currency="EUR", rates=(("EUR", 1.0), ("USD", 0.9))))
    assert report.currency == "EUR"
    assert report.to_json()["revenue"]["mrr"] == pytest.approx(190.0)


def test_orders_only_data_reports_cohorts_from_orders_up_to_the_last_order_month():
    frame = pd.DataFrame({"customer_id": ["A", "A", "B"], "date": pd.to_datetime(["2024-01-05", "2024-03-02", "2024-02-10"]),
                          "amount": [10.0, 12.0, 5.0], "order_id": ["1", "2", "3"]})
    report = build_report(Tables({"orders": frame}, {})).to_json()
    assert report["as_of"] == "2024-03" and report["revenue"] is None
    assert report["cohorts"]["basis"] == "orders"
    assert report["cohorts"]["logo"] == {"2024-01": [1.0, 0.0, 1.0], "2024-02": [1.0, 0.0]}
    assert report["cohorts"]["revenue"] == {"2024-01": [1.0, 0.0, 1.2], "2024-02": [1.0, 0.0]}
    assert report["orders"] == {"repeat_purchase_rate": 0.5, "customers": 2, "orders": 3}


def test_no_data_at_all_is_an_empty_report_not_an_error():
    report = build_report(Tables({}, {}))
    assert report.as_of is None and report.to_json()["revenue"] is None


def test_a_segment_filter_keeps_the_rows_of_its_customers_and_the_costs_whole():
    customers = pd.DataFrame({"customer_id": pd.Series(["A", "B", "C"], dtype="str"),
                              "segment": ["SMB", "Enterprise", "SMB"]})
    subscriptions = pd.DataFrame({"customer_id": pd.Series(["A", "B", "C", "D"], dtype="str"),
                                  "start_date": pd.to_datetime(["2024-01-01"] * 4), "amount": [10.0, 20.0, 30.0, 40.0]})
    costs = pd.DataFrame({"month": pd.period_range("2024-01", periods=1, freq="M"), "amount": [5.0],
                          "category": ["sales_marketing"]})
    tables = Tables({"customers": customers, "subscriptions": subscriptions, "costs": costs}, {})
    smb = filter_tables(tables, {"segment": ["SMB"]})
    assert smb.frames["subscriptions"]["customer_id"].tolist() == ["A", "C"]
    assert smb.frames["customers"]["customer_id"].tolist() == ["A", "C"]
    assert smb.frames["costs"].equals(costs)
    assert filter_tables(tables, {"segment": ["Nobody"]}).frames["subscriptions"].empty
    assert filter_tables(tables, {}) is tables


def test_reportable_months_are_the_months_a_full_report_offers(demo):
    """The sidebar's month list comes from `reportable_months` without building a report: it
    must be what the report itself offers — revenue months up to its as-of month, else the
    last month of activity alone, else nothing."""
    report = build_report(demo)
    assert reportable_months(demo) == list(report.months)
    assert len(report.months) > 12 and reportable_months(demo)[-1] == report.as_of
    orders = pd.DataFrame({"customer_id": ["A", "B"], "date": pd.to_datetime(["2024-01-05", "2024-03-02"]),
                           "amount": [10.0, 5.0], "order_id": ["1", "2"]})
    assert reportable_months(Tables({"orders": orders}, {})) == [pd.Period("2024-03", freq="M")]
    assert build_report(Tables({"orders": orders}, {})).as_of == pd.Period("2024-03", freq="M")
    assert reportable_months(Tables({}, {})) == []
