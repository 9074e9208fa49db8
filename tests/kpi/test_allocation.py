"""Company-wide costs under a segment filter (kpi.metrics.allocation, build_report(company=...)):
tiny tables computed by hand, and the demo's SMB segment."""

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.metrics import allocation
from kpi.report.build import Settings, build_report, filter_tables
from kpi.report.settings_json import settings_from_json

MONTHS = pd.PeriodIndex(["2026-01", "2026-02"], freq="M")
COMPANY = pd.DataFrame({"mrr": [1000.0, 2000.0], "new_customers": [4, 0]}, index=MONTHS)
SEGMENT = pd.DataFrame({"mrr": [250.0, 1000.0], "new_customers": [3, 0]}, index=MONTHS)
COSTS = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01", "2026-02-01", "2025-12-01"]),
                      "amount": [800.0, 100.0, 400.0, 60.0, 999.0],
                      "category": ["Marketing", "Hosting", "Marketing", "Support", "Marketing"]})


def test_shares_are_the_segment_over_the_company_each_month():
    shares = allocation.shares(SEGMENT, COMPANY)
    assert list(shares["mrr_share"]) == [0.25, 0.5]
    assert shares.at[pd.Period("2026-01", freq="M"), "new_customers_share"] == 0.75
    assert pd.isna(shares.at[pd.Period("2026-02", freq="M"), "new_customers_share"])  # 0 ÷ 0: undefined


def test_by_mrr_share_every_cost_follows_the_segment_share_of_its_month():
    costs, how = allocation.allocate(COSTS, SEGMENT, COMPANY, "mrr_share")
    # January × 25 %, February × 50 %, December (no company MRR) × 0
    assert list(costs["amount"]) == [200.0, 25.0, 200.0, 30.0, 0.0]
    assert list(costs["category"]) == list(COSTS["category"])
    assert how.text(pd.Period("2026-02", freq="M")) == (
        "company-wide costs allocated to the segment by its share of MRR (February 2026: 50.0%)")


def test_by_new_customers_sales_and_marketing_follow_the_new_customers_share():
    costs, _ = allocation.allocate(COSTS, SEGMENT, COMPANY, "new_customers_share")
    # January marketing × 75 % of new customers; hosting × 25 % MRR share;
    # February has no new customer: marketing by MRR share (50 %); support by MRR share
    assert list(costs["amount"]) == [600.0, 25.0, 200.0, 30.0, 0.0]


def test_none_charges_nothing_and_an_unknown_rule_is_refused():
    costs, how = allocation.allocate(COSTS, SEGMENT, COMPANY, "none")
    assert costs is None and "n/a" in how.text()
    with pytest.raises(ValueError, match="mrr_share, new_customers_share, none"):
        allocation.allocate(COSTS, SEGMENT, COMPANY, "everything")


@pytest.fixture(scope="module")
def demo():
    tables = load_demo()
    return tables, build_report(tables)


def test_a_segment_is_charged_its_share_so_its_gross_margin_is_the_company_s(demo):
    tables, company = demo
    smb = filter_tables(tables, {"segment": ["SMB"]})
    charged = build_report(smb, settings=Settings(), company=company.revenue.series)
    whole = build_report(smb)  # what a plain filter did: every company-wide cost charged to SMB
    assert charged.allocation.rule == "mrr_share"
    assert charged.unit_economics.gross_margin == pytest.approx(company.unit_economics.gross_margin, abs=1e-3)
    assert whole.unit_economics.gross_margin < company.unit_economics.gross_margin - 0.05
    share = charged.allocation.shares["mrr_share"]
    allocated = charged.tables.get("costs")["amount"].sum()
    expected = (tables.get("costs").assign(m=tables.get("costs")["month"].dt.to_period("M"))
                .pipe(lambda f: (f["amount"] * f["m"].map(share).fillna(0.0)).sum()))
    assert allocated == pytest.approx(expected)
    assert charged.unit_economics.cac < whole.unit_economics.cac


def test_under_none_the_cost_kpis_are_na(demo):
    tables, company = demo
    smb = filter_tables(tables, {"segment": ["SMB"]})
    report = build_report(smb, settings=Settings(cost_allocation="none"), company=company.revenue.series)
    ue = report.unit_economics
    assert (ue.cac, ue.ltv_cac, ue.payback_months, ue.crc) == (None, None, None, None)
    assert report.tables.get("costs") is None and ue.gross_margin_source == "setting"


def test_the_rule_is_kept_in_the_settings_json_and_an_unknown_one_falls_back():
    assert settings_from_json('{"cost_allocation": "none"}').cost_allocation == "none"
    assert settings_from_json('{"cost_allocation": "all of it"}').cost_allocation == "mrr_share"
