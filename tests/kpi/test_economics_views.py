"""kpi.metrics.economics' page views: the LTV:CAC benchmark, the workings table, the LTV variants, costs up to as_of."""

import pandas as pd
import pytest

from kpi import formatting as fmt
from kpi.metrics import economics

P = pd.Period
MONTHS = pd.period_range("2024-01", "2024-06", freq="M")
# 10 customers at 100 each in January, then +2 new and −1 churned every month.
SERIES = pd.DataFrame({
    "mrr": [1000.0, 1100.0, 1200.0, 1300.0, 1400.0, 1500.0],
    "customers": [10, 11, 12, 13, 14, 15],
    "new": [1000.0, 200.0, 200.0, 200.0, 200.0, 200.0],
    "new_customers": [10, 2, 2, 2, 2, 2],
    "churned_customers": [0, 1, 1, 1, 1, 1],
}, index=pd.PeriodIndex(MONTHS, name="month"))
COSTS = pd.DataFrame({
    "month": pd.to_datetime(["2024-04-01", "2024-05-01", "2024-06-01"] * 3 + ["2024-07-01"]),
    "amount": [600.0, 600.0, 600.0, 150.0, 150.0, 150.0, 45.0, 30.0, 60.0, 999.0],
    "category": ["Ventes & marketing"] * 3 + ["Service client"] * 3 + ["COGS (hébergement)"] * 3 + ["Autres"],
})


def test_ltv_cac_benchmark_is_above_three():
    assert economics.ltv_cac_benchmark(4.2).met is True
    assert "above the benchmark of 3×" in economics.ltv_cac_benchmark(4.2).text
    below = economics.ltv_cac_benchmark(0.83)
    assert below.met is False and "0.83×" in below.text and "below the benchmark of 3×" in below.text
    assert economics.ltv_cac_benchmark(3.0).met is False  # the benchmark is "> 3"
    assert economics.ltv_cac_benchmark(None).met is None
    assert "n/a" in economics.ltv_cac_benchmark(float("nan")).text


def test_workings_show_each_formula_with_the_months_inputs():
    unit = economics.unit_economics(SERIES, COSTS, "2024-06")
    workings = economics.unit_economics_workings(unit, "EUR").set_index("kpi")
    # CAC = 1 800 ÷ 6 new customers; gross margin = 1 − 135 ÷ 4 200 over Apr–Jun
    assert workings.loc["CAC", "workings"] == "€1,800 ÷ 6"
    assert workings.loc["CAC", "value"] == fmt.money(unit.cac, "EUR", compact=False) == "€300"
    assert "Apr 2024–Jun 2024" in workings.loc["CAC", "formula"]
    assert workings.loc["Gross margin", "workings"] == "1 − €135 ÷ €4,200"
    assert workings.loc["Gross margin", "value"] == fmt.percent(unit.gross_margin)
    assert workings.loc["LTV", "workings"] == (f"€100 × {fmt.percent(unit.gross_margin)} ÷ "
                                               f"{fmt.percent(unit.churn_rate_6m, 2)}")
    assert workings.loc["LTV:CAC", "value"] == fmt.ratio(unit.ltv_cac)
    assert workings.loc["CAC payback", "value"] == f"{unit.payback_months:.1f} months"
    assert workings.loc["CRC", "workings"] == "€150 ÷ 15"
    assert list(workings.columns) == ["formula", "workings", "value"]


def test_workings_name_the_setting_when_no_cogs_are_mapped():
    unit = economics.unit_economics(SERIES, COSTS[~COSTS["category"].str.startswith("COGS")], "2024-06",
                                    gross_margin=0.7)
    row = economics.unit_economics_workings(unit, "EUR").set_index("kpi").loc["Gross margin"]
    assert row["workings"] == "setting: 70.0 %"
    assert "setting" in row["formula"]


def test_workings_without_costs_say_n_a():
    unit = economics.unit_economics(SERIES, None, "2024-06")
    workings = economics.unit_economics_workings(unit, None).set_index("kpi")
    assert workings.loc["CAC", "value"] == "n/a"
    assert workings.loc["CAC", "workings"] == "n/a ÷ 0"  # no month with costs: the window is empty
    assert "no month with costs" in workings.loc["CAC", "formula"]


def test_ltv_variants_table_lists_the_three_formulas():
    unit = economics.unit_economics(SERIES, COSTS, "2024-06")
    variants = economics.ltv_variants(unit, lifetime_months=24)
    table = economics.ltv_variants_table(variants, "EUR")
    assert table["amount"].tolist() == pytest.approx([unit.ltv, unit.arpa / unit.churn_rate_6m,
                                                      unit.arpa * unit.gross_margin * 24])
    assert table["value"].tolist() == [fmt.money(v, "EUR", compact=False) for v in table["amount"]]
    assert "24.0 months" in table["formula"].iloc[2]


def test_costs_up_to_as_of_and_the_last_months():
    table = economics.costs_up_to(COSTS, "2024-06")
    assert table.index.tolist() == [P("2024-04"), P("2024-05"), P("2024-06")]  # July is after as_of
    assert table.loc[P("2024-05"), "cogs"] == 30.0
    assert economics.costs_up_to(COSTS, "2024-07", months=2).index.tolist() == [P("2024-06"), P("2024-07")]
