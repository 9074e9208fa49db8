"""The report's finance half: cash and runway, plan vs actual, and what they need from the rest.

`build_report` calls these with the canonical tables and the revenue it already computed:
- `build_finance`: `kpi.metrics.finance` on the cash table, with the costs (gross burn without
  transactions) and ARR (burn multiple) of the report;
- `plan_actuals`: every plan key's actual value per month, from revenue, finance and costs;
- `build_plan`: `kpi.metrics.plan` on the plan table against those actuals.
Cash and a budget are the company's: under a segment filter the finance section stays the
company's (its burn multiple divides by the company's ARR) and plan vs actual is not computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from kpi.ingest.mapping import Tables
from kpi.metrics import economics
from kpi.metrics import finance as finance_metrics
from kpi.metrics import plan as plan_metrics

if TYPE_CHECKING:
    from kpi.report.build import Revenue, Settings


def _given(tables: Tables, table: str) -> pd.DataFrame | None:
    frame = tables.get(table)
    return frame if frame is not None and not frame.empty else None


def monthly_costs(tables: Tables) -> pd.Series | None:
    """Σ costs per month (every category), None without a costs table."""
    costs = _given(tables, "costs")
    return economics.costs_by_month(costs).sum(axis=1) if costs is not None else None


def build_finance(tables: Tables, revenue_part: Revenue | None, as_of: pd.Period, settings: Settings, *,
                  company: pd.DataFrame | None = None) -> finance_metrics.Finance | None:
    """`kpi.metrics.finance.finance` of the cash table at as_of; None without one. ARR for the burn
    multiple is the company's: `company` (its monthly movements) under a segment filter."""
    cash = _given(tables, "cash")
    if cash is None:
        return None
    if company is not None:
        arr = 12 * company["mrr"]
    else:
        arr = revenue_part.core_kpis["arr"] if revenue_part is not None else None
    return finance_metrics.finance(
        cash, as_of, financing=dict(settings.financing_categories), costs=monthly_costs(tables), arr=arr,
        currency=settings.reporting_currency or (revenue_part.currency if revenue_part is not None else None),
        rates=dict(settings.rates))


def plan_actuals(tables: Tables, revenue_part: Revenue | None, finance: finance_metrics.Finance | None,
                 as_of: pd.Period) -> pd.DataFrame:
    """Months (index, up to as_of) × plan keys: the report's actual value of each key, where it has one.

    mrr, arr, customers, arpa, logo_churn_rate, nrr_monthly   the revenue KPIs of the month
    new, expansion, churn, new_customers, churned_customers  the month's movements
    net_new_mrr                                             MRR(M) − MRR(M−1)
    cash, net_burn, gross_burn                               the finance section's months
    costs                                                    Σ costs of the month"""
    columns: dict[str, pd.Series] = {}
    if revenue_part is not None:
        kpis, series = revenue_part.core_kpis, revenue_part.series
        for key in ("mrr", "arr", "customers", "arpa", "logo_churn_rate", "nrr_monthly"):
            columns[key] = kpis[key]
        for key in ("new", "expansion", "churn", "new_customers", "churned_customers"):
            columns[key] = series[key]
        columns["net_new_mrr"] = series["mrr"].diff()
    if finance is not None:
        for key in ("cash", "net_burn", "gross_burn"):
            columns[key] = finance.by_month[key]
    if (costs := monthly_costs(tables)) is not None:
        columns["costs"] = costs
    if not columns:
        return pd.DataFrame()
    frame = pd.DataFrame(columns).astype(float)
    return frame[frame.index <= as_of]


def build_plan(tables: Tables, revenue_part: Revenue | None, finance: finance_metrics.Finance | None,
               as_of: pd.Period, *, company: pd.DataFrame | None = None) -> plan_metrics.PlanVsActual | None:
    """Plan vs actual at as_of; None without a plan table, or under a segment filter (a budget is the company's)."""
    plan = _given(tables, "plan")
    if plan is None or company is not None:
        return None
    chosen = tables.options.get("plan", {}).get("metrics") or {}
    rows = plan_metrics.planned(plan, chosen)
    return plan_metrics.PlanVsActual(as_of, plan_metrics.plan_vs_actual(rows, plan_actuals(
        tables, revenue_part, finance, as_of)), plan_metrics.metric_keys(plan["metric"], chosen))
