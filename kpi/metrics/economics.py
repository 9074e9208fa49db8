"""Unit economics: LTV, CAC, LTV:CAC, CAC payback, customer retention cost, CS ROI, gross margin.

docs/definitions.md, ChartMogul's conventions. Inputs are the monthly MRR movements
(`kpi.metrics.revenue.movements`: mrr, customers, new, new_customers, churned_customers…) and a costs
table (month, amount, category) whose categories arrive as free text in English or French and
are read by `cost_category`. Windows end with the as-of month: CAC, CAC payback and gross
margin use the last 3 months, LTV's churn the last 6, the customer-success ROI the last 12. A month counts in a cost window only when
the costs table has at least one row for it, so a costs sheet that stops early never reads as
zero spend. A KPI whose cost category never appears in the table is null, not 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi import formatting as fmt
from kpi.errors import InputError
from kpi.ingest.schema import COST_CATEGORIES
from kpi.ingest.vocabulary import cost_category

CAC_MONTHS = 3
CHURN_MONTHS = 6
CS_ROI_MONTHS = 12  # customer-success ROI: expansion and reactivation against CS costs over a year
DEFAULT_GROSS_MARGIN = 1.0

def costs_by_month(costs: pd.DataFrame) -> pd.DataFrame:
    """Costs per month (index `pd.Period`) and category (columns sales_marketing,
    customer_success, cogs, other); only months with at least one cost row appear."""
    category = cost_category(costs["category"]) if "category" in costs else pd.Series("other", index=costs.index)
    month = costs["month"].dt.to_period("M").rename("month")
    table = costs["amount"].astype(float).groupby([month, category.rename("category")]).sum().unstack("category")
    return table.reindex(columns=list(COST_CATEGORIES)).fillna(0.0).sort_index()


def _div(numerator: float, denominator: float) -> float | None:
    if numerator is None or denominator is None or pd.isna(numerator) or pd.isna(denominator) or denominator == 0:
        return None
    return float(numerator) / float(denominator)


@dataclass(frozen=True)
class UnitEconomics:
    """Unit economics at the as-of month, with every input the formulas used."""

    month: pd.Period
    ltv: float | None
    cac: float | None
    ltv_cac: float | None
    payback_months: float | None
    crc: float | None
    cs_roi: float | None
    gross_margin: float | None
    # evidence
    gross_margin_source: str  # "costs" (1 − cogs ÷ MRR) or "setting"
    arpa: float | None
    churn_rate_6m: float | None  # mean monthly logo churn of the last 6 months
    churn_months: tuple[pd.Period, ...]
    cost_months: tuple[pd.Period, ...]  # the months of the CAC / margin window that have costs
    sales_marketing: float | None
    new_customers: int
    new_mrr: float
    arpa_new: float | None
    customer_success: float | None
    customers: int
    cogs: float | None
    revenue: float | None  # Σ MRR over cost_months (gross margin's denominator)
    cs_months: tuple[pd.Period, ...] = ()  # the months of the last 12 that have costs (CS ROI's window)
    cs_gained_mrr: float = 0.0  # Σ expansion + reactivation MRR over cs_months
    cs_costs: float | None = None  # Σ customer_success costs over cs_months

    def to_json(self) -> dict:
        return {"ltv": self.ltv, "cac": self.cac, "ltv_cac": self.ltv_cac, "payback_months": self.payback_months,
                "crc": self.crc, "cs_roi": self.cs_roi, "gross_margin": self.gross_margin}


def logo_churn_rates(series: pd.DataFrame) -> pd.Series:
    """Monthly logo churn rate: churned ÷ customers at the end of the month before (NaN without any)."""
    previous = series["customers"].shift(1)
    return series["churned_customers"] / previous.where(previous > 0)


def mean_logo_churn(series: pd.DataFrame, month: pd.Period, months: int = CHURN_MONTHS, *,
                    rates: pd.Series | None = None) -> tuple[float | None, tuple]:
    """Mean of the monthly logo churn rates (churned ÷ customers at the end of the month before)
    of the `months` months ending with `month`; months without customers before are skipped.
    `rates`: `logo_churn_rates(series)` when the caller already has it (a history of many months)."""
    rates = (logo_churn_rates(series) if rates is None else rates).loc[:month].iloc[-months:].dropna()
    return (float(rates.mean()) if len(rates) else None), tuple(rates.index)


def unit_economics(series: pd.DataFrame, costs: pd.DataFrame | None, as_of: pd.Period | str, *,
                   gross_margin: float = DEFAULT_GROSS_MARGIN, cac_months: int = CAC_MONTHS,
                   churn_months: int = CHURN_MONTHS) -> UnitEconomics:
    """LTV, CAC, LTV:CAC, payback, CRC and gross margin at `as_of` (§5).

    W = the last `cac_months` months up to as_of that have cost rows.
    gross_margin  = 1 − Σ_W cogs ÷ Σ_W MRR when the costs have a cogs category, else the setting;
    ltv           = ARPA(as_of) × gross_margin ÷ mean monthly logo churn of the last 6 months;
    cac           = Σ_W sales_marketing ÷ Σ_W new customers;
    ltv_cac       = ltv ÷ cac;
    payback_months = cac ÷ (ARPA of new customers × gross_margin),
                    ARPA of new customers = Σ_W new MRR ÷ Σ_W new customers;
    crc           = customer_success costs of as_of ÷ paying customers at as_of;
    cs_roi        = (12 × Σ_Y (expansion + reactivation) − Σ_Y customer_success) ÷ Σ_Y customer_success,
                    Y = the last 12 months up to as_of that have cost rows (`cs_roi`).
    A zero or missing denominator gives None.
    """
    table, present = _monthly_costs(costs)
    return _unit_economics(series, table, present, pd.Period(as_of, freq="M"), gross_margin=gross_margin,
                           cac_months=cac_months, churn_months=churn_months)


def _monthly_costs(costs: pd.DataFrame | None) -> tuple[pd.DataFrame, set]:
    """Costs per month and category, and the categories that appear at all."""
    table = costs_by_month(costs) if costs is not None and len(costs) else pd.DataFrame(columns=list(COST_CATEGORIES))
    present = set(cost_category(costs["category"]).unique()) if costs is not None and "category" in costs else set()
    return table, present


def unit_economics_history(series: pd.DataFrame, costs: pd.DataFrame | None, months: pd.PeriodIndex, *,
                           gross_margin: float = DEFAULT_GROSS_MARGIN, cac_months: int = CAC_MONTHS,
                           churn_months: int = CHURN_MONTHS) -> list[UnitEconomics]:
    """`unit_economics` at each of `months`, reading the costs once."""
    table, present = _monthly_costs(costs)
    rates = logo_churn_rates(series)  # once, not once a month
    return [_unit_economics(series, table, present, month, gross_margin=gross_margin, cac_months=cac_months,
                            churn_months=churn_months, rates=rates) for month in months]


def _unit_economics(series: pd.DataFrame, table: pd.DataFrame, present: set, month: pd.Period, *,
                    gross_margin: float, cac_months: int, churn_months: int,
                    rates: pd.Series | None = None) -> UnitEconomics:
    if month not in series.index:
        raise InputError(f"as-of month {month} is outside the revenue data")
    row = series.loc[month]
    customers = int(row["customers"])
    arpa = _div(row["mrr"], customers)
    churn, churn_window = mean_logo_churn(series, month, churn_months, rates=rates)

    window_months = pd.period_range(month - (cac_months - 1), month, freq="M")
    covered = tuple(m for m in window_months if m in table.index)
    spend = table.loc[list(covered)].sum() if covered else pd.Series(0.0, index=list(COST_CATEGORIES))
    in_window = series.reindex(list(covered))
    new_customers = int(in_window["new_customers"].fillna(0).sum())
    new_mrr = float(in_window["new"].fillna(0).sum())
    revenue = float(in_window["mrr"].fillna(0).sum()) if covered else None

    if "cogs" in present and covered:
        margin, source = (None if not revenue else 1 - float(spend["cogs"]) / revenue), "costs"
    else:
        margin, source = gross_margin, "setting"
    sales_marketing = float(spend["sales_marketing"]) if "sales_marketing" in present and covered else None
    customer_success = (float(table.loc[month, "customer_success"])
                        if "customer_success" in present and month in table.index else None)

    cs_months, cs_gained, cs_costs = _customer_success_window(series, table, present, month)
    ltv = _div(arpa * margin, churn) if arpa is not None and margin is not None else None
    cac = _div(sales_marketing, new_customers)
    arpa_new = _div(new_mrr, new_customers)
    payback = _div(cac, arpa_new * margin) if arpa_new is not None and margin is not None else None
    return UnitEconomics(
        month=month, ltv=ltv, cac=cac, ltv_cac=_div(ltv, cac), payback_months=payback,
        crc=_div(customer_success, customers), cs_roi=cs_roi(cs_gained, cs_costs), gross_margin=margin,
        gross_margin_source=source,
        arpa=arpa, churn_rate_6m=churn, churn_months=churn_window, cost_months=covered,
        sales_marketing=sales_marketing, new_customers=new_customers, new_mrr=new_mrr, arpa_new=arpa_new,
        customer_success=customer_success, customers=customers,
        cogs=float(spend["cogs"]) if "cogs" in present and covered else None, revenue=revenue,
        cs_months=cs_months, cs_gained_mrr=cs_gained, cs_costs=cs_costs,
    )


def cs_roi(gained_mrr: float, costs: float | None) -> float | None:
    """Customer-success ROI: (12 × MRR gained from expansion and reactivation − customer-success
    costs) ÷ those costs. The MRR gained is counted for a year (12 ×), the costs as spent; None
    without customer-success costs and when they are 0."""
    return None if costs is None else _div(12 * gained_mrr - costs, costs)


def _customer_success_window(series: pd.DataFrame, table: pd.DataFrame, present: set,
                             month: pd.Period) -> tuple[tuple[pd.Period, ...], float, float | None]:
    """CS ROI's inputs: Y = the months among the last CS_ROI_MONTHS up to `month` that have cost rows
    (a costs sheet that stops early is never read as zero spend), Σ_Y (expansion + reactivation) from
    the monthly movements, Σ_Y customer_success costs (None when that category never appears)."""
    window = pd.period_range(month - (CS_ROI_MONTHS - 1), month, freq="M")
    covered = tuple(m for m in window if m in table.index)
    gains = series.reindex(index=list(covered), columns=["expansion", "reactivation"])  # a month without: none
    gained = float(gains.fillna(0.0).to_numpy().sum())
    costs = float(table.loc[list(covered), "customer_success"].sum()) \
        if "customer_success" in present and covered else None
    return covered, gained, costs


@dataclass(frozen=True)
class LtvVariants:
    """The LTV formulas of the seed articles beside the headline, for the definitions page."""

    chartmogul: float | None  # ARPA × gross margin ÷ monthly logo churn (the headline `ltv`)
    without_margin: float | None  # seed 000: CLV = ARPU ÷ churn rate
    contract_duration: float | None  # seed 000: CLV = ARPU × gross margin × average contract duration (months)
    lifetime_months: float | None  # the duration used: the setting, else 1 ÷ churn


def ltv_variants(economics: UnitEconomics, *, lifetime_months: float | None = None) -> LtvVariants:
    """Seed 000 gives CLV = ARPU × marge brute × durée moyenne des contrats, or CLV = ARPU ÷ % de
    désabonnement. Without a stated average contract duration, it is 1 ÷ monthly churn (then the
    duration variant equals the headline)."""
    arpa, margin, churn = economics.arpa, economics.gross_margin, economics.churn_rate_6m
    duration = lifetime_months if lifetime_months is not None else _div(1.0, churn)
    return LtvVariants(
        chartmogul=economics.ltv,
        without_margin=_div(arpa, churn),
        contract_duration=arpa * margin * duration if None not in (arpa, margin, duration) else None,
        lifetime_months=duration,
    )


# ── Views for the Unit economics page: benchmark, workings, variants, costs ──────────────────

LTV_CAC_BENCHMARK = 3.0  # docs/definitions.md: LTV:CAC > 3


@dataclass(frozen=True)
class Benchmark:
    """Where a KPI stands against its published benchmark (§8)."""

    met: bool | None  # None: the KPI is n/a
    text: str


def ltv_cac_benchmark(ltv_cac: float | None) -> Benchmark:
    """LTV:CAC against the seeds' benchmark: above 3 (a customer returns more than three times
    what acquiring it cost) is healthy; at or below 3, acquisition costs too much for what a
    customer brings in."""
    if ltv_cac is None or pd.isna(ltv_cac):
        return Benchmark(None, "LTV:CAC is n/a this month (it needs churn, sales & marketing costs and new "
                               "customers), so it cannot be compared with the benchmark of 3×.")
    shown = fmt.ratio(ltv_cac)
    if ltv_cac > LTV_CAC_BENCHMARK:
        return Benchmark(True, f"LTV:CAC is {shown}, above the benchmark of 3×: a customer's lifetime value "
                               "covers its acquisition cost more than three times.")
    return Benchmark(False, f"LTV:CAC is {shown}, below the benchmark of 3×: a customer's lifetime value covers "
                            f"{shown.removesuffix('×')} times its acquisition cost, where healthy SaaS aims for "
                            "more than three.")


def _months_text(value: float | None) -> str:
    return fmt.NOT_AVAILABLE if fmt.missing(value) else f"{value:.1f} months"


def _window_text(months: tuple[pd.Period, ...]) -> str:
    if not months:
        return "no month with costs"
    first, last = months[0], months[-1]
    return first.strftime("%b %Y") if first == last else f"{first.strftime('%b %Y')}–{last.strftime('%b %Y')}"


def unit_economics_workings(economics: UnitEconomics, currency: str | None = None) -> pd.DataFrame:
    """How each unit-economics KPI was computed this month, formula and numbers side by side.

    One row per KPI (LTV, CAC, LTV:CAC, CAC payback, CRC, CS ROI, gross margin, and the two inputs
    ARPA of new customers and logo churn): kpi, formula, workings (the formula with this month's
    inputs, formatted as the UI shows them) and value. Text only: ready to show as a table.
    """
    def money(value: float | None) -> str:
        return fmt.money(value, currency, compact=False) if not fmt.missing(value) and abs(value) < 10_000 \
            else fmt.money(value, currency)

    e = economics
    cost_window = _window_text(e.cost_months)
    churn_window = _window_text(e.churn_months)
    if e.gross_margin_source == "costs":
        margin_formula = f"1 − COGS ÷ MRR, summed over {cost_window}"
        margin_workings = f"1 − {money(e.cogs)} ÷ {money(e.revenue)}"
    else:
        margin_formula = "the gross-margin setting (no COGS costs mapped)"
        margin_workings = f"setting: {fmt.percent(e.gross_margin)}"
    rows = [
        ("LTV", f"ARPA × gross margin ÷ mean monthly logo churn, {churn_window}",
         f"{money(e.arpa)} × {fmt.percent(e.gross_margin)} ÷ {fmt.percent(e.churn_rate_6m, 2)}", money(e.ltv)),
        ("CAC", f"sales & marketing costs ÷ new customers, over {cost_window}",
         f"{money(e.sales_marketing)} ÷ {fmt.count(e.new_customers)}", money(e.cac)),
        ("LTV:CAC", "LTV ÷ CAC (benchmark: above 3×)", f"{money(e.ltv)} ÷ {money(e.cac)}", fmt.ratio(e.ltv_cac)),
        ("CAC payback", "CAC ÷ (ARPA of new customers × gross margin)",
         f"{money(e.cac)} ÷ ({money(e.arpa_new)} × {fmt.percent(e.gross_margin)})", _months_text(e.payback_months)),
        ("CRC", f"customer-success costs of {e.month.strftime('%b %Y')} ÷ paying customers",
         f"{money(e.customer_success)} ÷ {fmt.count(e.customers)}", money(e.crc)),
        ("CS ROI", f"(12 × expansion and reactivation MRR − customer-success costs) ÷ those costs, over "
                   f"{_window_text(e.cs_months)}",
         f"(12 × {money(e.cs_gained_mrr)} − {money(e.cs_costs)}) ÷ {money(e.cs_costs)}", fmt.percent(e.cs_roi)),
        ("Gross margin", margin_formula, margin_workings, fmt.percent(e.gross_margin)),
        ("ARPA of new customers", f"new MRR ÷ new customers, over {cost_window}",
         f"{money(e.new_mrr)} ÷ {fmt.count(e.new_customers)}", money(e.arpa_new)),
        ("Logo churn (mean)", f"mean of the monthly logo churn rates, {churn_window}",
         f"{len(e.churn_months)} month(s) averaged", fmt.percent(e.churn_rate_6m, 2)),
    ]
    return pd.DataFrame(rows, columns=["kpi", "formula", "workings", "value"])


def ltv_variants_table(variants: LtvVariants, currency: str | None = None) -> pd.DataFrame:
    """The common LTV formulas side by side: variant, formula, value (formatted) and amount (number)."""
    duration = _months_text(variants.lifetime_months)
    rows = [
        ("ChartMogul (headline)", "ARPA × gross margin ÷ monthly logo churn", variants.chartmogul),
        ("Without margin", "ARPA ÷ monthly logo churn", variants.without_margin),
        ("Contract duration", f"ARPA × gross margin × contract duration ({duration})",
         variants.contract_duration),
    ]
    return pd.DataFrame({
        "variant": [row[0] for row in rows],
        "formula": [row[1] for row in rows],
        "value": [fmt.money(row[2], currency, compact=False) for row in rows],
        "amount": [np.nan if row[2] is None else float(row[2]) for row in rows],
    })


def costs_up_to(costs: pd.DataFrame, as_of: pd.Period | str, months: int | None = None) -> pd.DataFrame:
    """`costs_by_month` up to as_of (the last `months` months of it when given): one row per month
    with cost rows, columns sales_marketing, customer_success, cogs, other."""
    table = costs_by_month(costs)
    table = table[table.index <= pd.Period(as_of, freq="M")]
    return table.iloc[-months:] if months else table
