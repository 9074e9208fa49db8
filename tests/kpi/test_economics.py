"""kpi.metrics.economics on a hand-computed company: cost categories, LTV, CAC, payback, CRC, margin."""

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.metrics import economics, revenue
from kpi.report.build import build_revenue

P = pd.Period


@pytest.mark.parametrize("label, category", [
    ("Ventes & marketing", "sales_marketing"), ("Sales and Marketing", "sales_marketing"),
    ("S&M", "sales_marketing"), ("Marketing", "sales_marketing"), ("Acquisition", "sales_marketing"),
    ("Service client", "customer_success"), ("Customer Success", "customer_success"),
    ("Support", "customer_success"), ("CS", "customer_success"),
    ("COGS (hébergement, support N1)", "cogs"), ("Coût des ventes", "cogs"), ("Hosting", "cogs"),
    ("Cost of goods sold", "cogs"),
    ("Autres", "other"), ("R&D", "other"), ("Loyer", "other"), (None, "other"),
])
def test_cost_labels_in_english_or_french_map_to_schema_categories(label, category):
    assert economics.cost_category(label) == category


def test_cost_category_maps_a_column_once_per_distinct_label():
    labels = pd.Series(["Ventes & marketing", "Autres", "Ventes & marketing", None], dtype="string")
    assert economics.cost_category(labels).tolist() == ["sales_marketing", "other", "sales_marketing", "other"]


MONTHS = pd.period_range("2024-01", "2024-08", freq="M", name="month")
# 10 paying customers every month, ARPA 100; churned customers Jan–Aug 0, 5, 1, 1, 0, 1, 1, 2, so the
# monthly logo churn of the last 6 months (Mar–Aug) is 0.1, 0.1, 0, 0.1, 0.1, 0.2 → mean 0.1
# (February's 0.5 is out of the window). New customers Jun–Aug 1 + 1 + 2 = 4 bringing 320 of new MRR.
SERIES = pd.DataFrame({
    "mrr": 1000.0,
    "customers": 10,
    "new": [1000.0, 400, 80, 80, 0, 80, 80, 160],
    "new_customers": [10, 5, 1, 1, 0, 1, 1, 2],
    "churned_customers": [0, 5, 1, 1, 0, 1, 1, 2],
}, index=MONTHS)


def costs(rows):
    """Rows of (month, category label, amount)."""
    frame = pd.DataFrame(list(rows), columns=["month", "category", "amount"])
    frame["month"] = pd.to_datetime(frame["month"])
    frame["category"] = frame["category"].astype("string")
    frame["amount"] = frame["amount"].astype(float)
    return frame


COSTS = costs([
    ("2024-06-01", "Ventes & marketing", 1000), ("2024-07-01", "Ventes & marketing", 1000),
    ("2024-08-01", "Ventes & marketing", 2000),
    ("2024-06-01", "COGS (hébergement)", 200), ("2024-07-01", "COGS (hébergement)", 200),
    ("2024-08-01", "COGS (hébergement)", 200),
    ("2024-08-01", "Service client", 500), ("2024-08-01", "Autres", 9999),
    ("2024-05-01", "Ventes & marketing", 50000),  # outside the 3-month window
])


def test_unit_economics_by_hand():
    result = economics.unit_economics(SERIES, COSTS, "2024-08")
    assert result.churn_rate_6m == pytest.approx(0.1)
    assert result.gross_margin == pytest.approx(1 - 600 / 3000) and result.gross_margin_source == "costs"
    assert result.ltv == pytest.approx(100 * 0.8 / 0.1)  # 800
    assert result.cac == pytest.approx(4000 / 4)  # 1000
    assert result.ltv_cac == pytest.approx(0.8)
    assert result.arpa_new == pytest.approx(80)
    assert result.payback_months == pytest.approx(1000 / (80 * 0.8))  # 15.625
    assert result.crc == pytest.approx(500 / 10)
    assert list(result.to_json()) == ["ltv", "cac", "ltv_cac", "payback_months", "crc", "cs_roi", "gross_margin"]


def test_without_cogs_the_gross_margin_is_the_setting():
    without_cogs = COSTS[~COSTS["category"].str.startswith("COGS")]
    result = economics.unit_economics(SERIES, without_cogs, "2024-08", gross_margin=0.75)
    assert (result.gross_margin, result.gross_margin_source) == (0.75, "setting")
    assert result.ltv == pytest.approx(100 * 0.75 / 0.1)
    assert economics.unit_economics(SERIES, None, "2024-08").gross_margin == 1.0


def test_zero_denominators_give_null_never_zero_or_an_error():
    calm = SERIES.assign(churned_customers=0, new_customers=0, new=0.0)
    result = economics.unit_economics(calm, COSTS, "2024-08")
    assert (result.ltv, result.cac, result.ltv_cac, result.payback_months) == (None, None, None, None)
    no_costs = economics.unit_economics(SERIES, None, "2024-08").to_json()
    assert (no_costs["cac"], no_costs["crc"], no_costs["ltv_cac"], no_costs["payback_months"]) == (None,) * 4
    assert no_costs["ltv"] == pytest.approx(1000)


def test_a_costs_sheet_that_stops_early_is_not_read_as_zero_spend():
    until_july = COSTS[COSTS["month"] < "2024-08-01"]
    result = economics.unit_economics(SERIES, until_july, "2024-08")
    assert result.cost_months == (P("2024-06"), P("2024-07"))
    assert result.cac == pytest.approx(2000 / 2)
    assert result.crc is None  # no cost row in August


def test_ltv_variants_of_the_seed_articles():
    result = economics.unit_economics(SERIES, COSTS, "2024-08")
    variants = economics.ltv_variants(result)
    assert variants.chartmogul == pytest.approx(800)
    assert variants.without_margin == pytest.approx(100 / 0.1)  # CLV = ARPU ÷ churn
    assert variants.contract_duration == pytest.approx(800) and variants.lifetime_months == pytest.approx(10)
    stated = economics.ltv_variants(result, lifetime_months=12)
    assert stated.contract_duration == pytest.approx(100 * 0.8 * 12)  # CLV = ARPU × margin × duration


def test_reads_the_movements_of_an_mrr_matrix():
    mrr = pd.DataFrame({P("2024-01"): [100.0, 100.0], P("2024-02"): [100.0, 0.0], P("2024-03"): [100.0, 50.0]},
                       index=pd.Index(["A", "B"], name="customer_id"))
    series = revenue.movements(mrr)
    result = economics.unit_economics(series, costs([("2024-03-01", "S&M", 300)]), "2024-03")
    assert result.cac is None  # March's only start is a reactivation, not a new customer
    assert result.churn_rate_6m == pytest.approx((0.5 + 0) / 2)  # January has no month before it


def test_demo_unit_economics_are_plausible():
    tables = load_demo()
    revenue_part = build_revenue(tables)
    result = economics.unit_economics(revenue_part.series, tables.frames["costs"], "2026-10")
    assert 0.7 < result.gross_margin < 0.9  # the story: COGS 16–22 % of MRR
    assert 800 < result.cac < 2500  # the story: blended CAC ≈ €1.2k, trade-show bump in October
    assert 1000 < result.ltv < 10000 and result.ltv_cac > 0
    assert 5 < result.payback_months < 100 and 0 < result.crc < 100
