"""kpi.report.sections: a report's sections computed on first read, with the numbers of an eager build."""

import hashlib
import json
import threading

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.metrics import economics, renewals, revenue, support, surveys
from kpi.report.build import build_cohorts, build_report, filter_tables
from kpi.report.finance import build_finance, build_plan
from kpi.report.sections import Sections

SECTIONS = ("cohorts", "orders", "unit_economics", "nps", "csat", "ces", "support", "engagement", "churn_reasons",
            "snapshot", "finance", "plan")
OVERVIEW = ("mrr", "arr", "customers", "arpa", "quick_ratio", "logo_churn_rate", "gross_mrr_churn_rate",
            "net_mrr_churn_rate", "nrr_monthly", "grr_monthly", "ltv_cac", "nps", "csat", "fcr")


@pytest.fixture(scope="module")
def demo():
    return load_demo()


def _reports(tables):
    """A fresh unfiltered report of the demo and a fresh SMB one (as the app builds it)."""
    whole = build_report(tables)
    smb = build_report(filter_tables(tables, {"segment": ["SMB"]}), whole.as_of, company=whole.revenue.series)
    return whole, smb


def _digest(report) -> str:
    return hashlib.sha256(json.dumps(report.to_json(), sort_keys=True).encode()).hexdigest()


def test_nothing_but_revenue_is_computed_by_the_build_and_a_read_section_is_kept(demo):
    report = build_report(demo)
    assert report.sections.computed() == ()
    assert "_renewal_tables" not in report.revenue.__dict__  # the renewal rates wait for a read too
    nps = report.nps
    assert report.sections.computed() == ("nps",)
    assert report.nps is nps  # the same object: computed once


def test_the_overview_cards_compute_neither_cohorts_nor_renewals(demo):
    report = build_report(demo)
    values = {key: report.metric(key).value for key in OVERVIEW}
    assert values["mrr"] is not None and values["ltv_cac"] is not None and values["nps"] is not None
    assert "cohorts" not in report.sections.computed()
    assert "_renewal_tables" not in report.revenue.__dict__
    assert report.metric("renewal_rate").value == report.revenue.renewals.loc[report.as_of, "renewal_rate"]


@pytest.mark.parametrize("which", ["unfiltered", "SMB"])
def test_the_json_report_is_the_same_whatever_a_page_read_first(demo, which):
    pick = 0 if which == "unfiltered" else 1
    untouched = _digest(_reports(demo)[pick])
    for order in (SECTIONS, SECTIONS[::-1], ("plan", "renewal_rate", "ltv_cac", "nps")):
        report = _reports(demo)[pick]
        for name in order:
            report.metric(name) if name in ("renewal_rate", "ltv_cac") else getattr(report, name)
        assert _digest(report) == untouched, order


@pytest.mark.parametrize("which", ["unfiltered", "SMB"])
def test_each_section_is_what_its_function_computes_from_the_same_tables(demo, which):
    report = _reports(demo)[0 if which == "unfiltered" else 1]
    tables, month, settings = report.tables, report.as_of, report.settings
    company = None if which == "unfiltered" else _reports(demo)[0].revenue.series
    survey = {"as_of": month, "window": settings.survey_window, "rule": settings.nps_rule}
    expected = {
        "cohorts": build_cohorts(tables, report.revenue, month, settings),
        "nps": surveys.nps(tables.get("nps"), **survey),
        "support": support.support(tables.get("tickets"), as_of=month),
        "unit_economics": economics.unit_economics(report.revenue.series, tables.get("costs"), month,
                                                   gross_margin=settings.gross_margin, cac_months=settings.cac_months,
                                                   churn_months=settings.ltv_churn_months),
        "finance": build_finance(tables, report.revenue, month, settings, company=company),
    }
    for name, section in expected.items():
        assert getattr(report, name).to_json() == section.to_json(), name
    plan = build_plan(tables, report.revenue, report.finance, month, company=company)
    assert (report.plan is None) == (plan is None) == (which == "SMB")  # a budget is the company's
    if plan is not None:
        assert report.plan.to_json() == plan.to_json()


def test_the_revenue_kpis_are_those_of_one_eager_call_renewal_rate_included(demo):
    report = build_report(demo)
    part = report.revenue
    renewed, annual = renewals.renewal_rates_by_month(demo.get("subscriptions"), part.mrr, part.mrr.columns)
    pd.testing.assert_frame_equal(part.kpis, revenue.revenue_kpis(part.mrr, part.series, renewed))
    pd.testing.assert_frame_equal(part.annual_renewals, annual)
    assert part.core_kpis["renewal_rate"].isna().all()
    pd.testing.assert_frame_equal(part.core_kpis.drop(columns="renewal_rate"), part.kpis.drop(columns="renewal_rate"))


def test_two_threads_reading_a_section_at_once_compute_it_once():
    calls = []
    started = threading.Event()

    def slow() -> str:
        calls.append(1)
        started.set()
        threading.Event().wait(0.2)  # the second reader arrives while this one computes
        return "computed"

    sections = Sections({"cohorts": slow})
    results = []
    first = threading.Thread(target=lambda: results.append(sections.get("cohorts")))
    first.start()
    started.wait(5)
    results.append(sections.get("cohorts"))
    first.join()
    assert results == ["computed", "computed"] and len(calls) == 1
    assert sections.get("nps") is None  # no function given: a section the tables cannot give


def test_a_section_that_raises_is_not_kept_and_raises_again():
    attempts = []

    def failing() -> None:
        attempts.append(1)
        raise ValueError("boom")

    sections = Sections({"nps": failing})
    for _ in range(2):
        with pytest.raises(ValueError, match="boom"):
            sections.get("nps")
    assert len(attempts) == 2 and sections.computed() == ()


def test_the_customers_behind_a_logo_churn_alert_are_those_of_their_own_call(demo):
    """Logo and gross MRR churn alerts share one reading of the month's movers (churn and
    contraction); the churned ones alone, in the same order, are what a call for churn returns."""
    from kpi.metrics.alerts import customers_behind
    from kpi.report.alerts import _customers

    report = build_report(demo)
    for month in report.months[-6:]:
        direct = customers_behind(report.revenue.mrr, month, ("churn",), nps=demo.get("nps"),
                                  tickets=demo.get("tickets"))
        shared = _customers(report, month, ("churn", "contraction"))
        churned = _customers(report, month, ("churn",))
        assert [c.customer_id for c in churned] == direct["customer_id"].astype(str).tolist()
        assert [c.mrr_lost for c in churned] == direct["mrr_lost"].tolist()
        assert [c.open_tickets for c in churned] == [None if pd.isna(v) else int(v) for v in direct["open_tickets"]]
        assert len(shared) >= len(churned) > 0
