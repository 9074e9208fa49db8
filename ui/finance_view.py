"""Cash & runway page parts: the runway sentence, the accounts and financing tables, plan vs actual.

Each takes the report (kpi.report.build.Report) and draws one block; the numbers are the report's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi import formatting as fmt
from kpi.metrics.finance import Finance
from kpi.metrics.plan import LOWER_IS_BETTER, RATE_KEYS, PlanVsActual
from kpi.text import escape_markdown, label_of
from ui import finance_charts

PLAN_LABELS = {"mrr": "MRR", "arr": "ARR", "customers": "Paying customers", "new_customers": "New customers",
               "churned_customers": "Churned customers", "new": "New MRR", "expansion": "Expansion MRR",
               "churn": "Churned MRR", "net_new_mrr": "Net new MRR", "logo_churn_rate": "Logo churn",
               "nrr_monthly": "NRR (monthly)", "arpa": "ARPA", "cash": "Cash", "net_burn": "Net burn",
               "gross_burn": "Gross burn", "costs": "Costs"}
COUNT_KEYS = ("customers", "new_customers", "churned_customers")


def runway_sentence(finance: Finance, currency: str | None) -> str:
    """'Runway 18.2 months at the last 3 months' burn (€27.1k a month): cash runs out in April 2028.' or
    'Not burning: the last 3 months brought in €4.2k a month more than they spent.'"""
    month = finance.by_month.loc[finance.as_of]
    burn = month["net_burn_3m"]
    if fmt.missing(month["runway_months"]):
        return (f"Not burning: over the last 3 months money in exceeded money out by {fmt.money(-burn, currency)} "
                "a month, so there is no runway to count down.")
    zero = finance.cash_zero_month
    return (f"Runway {month['runway_months']:.1f} months at the last 3 months' burn ({fmt.money(burn, currency)} a "
            f"month): cash runs out in {zero.strftime('%B %Y')}.")


def value_text(key: str, value: float | None, currency: str | None) -> str:
    """A plan or actual value in the key's unit: a rate in %, a count, else money."""
    if fmt.missing(value):
        return fmt.NOT_AVAILABLE
    if key in RATE_KEYS:
        return fmt.percent(value)
    if key in COUNT_KEYS:
        return fmt.count(value)
    return fmt.money(value, currency, compact=False)


def plan_rows(plan: PlanVsActual, currency: str | None) -> pd.DataFrame:
    """The as-of month's plan vs actual as the page shows it: KPI, plan, actual, variance, attainment, status."""
    rows = plan.at()
    out = []
    for key, row in rows.iterrows():
        attainment = row["attainment"]
        if fmt.missing(attainment):
            status = "no actual" if fmt.missing(row["actual"]) else "n/a"
        else:
            worse = attainment > 1.10 if key in LOWER_IS_BETTER else attainment < 0.90
            better = attainment < 0.90 if key in LOWER_IS_BETTER else attainment > 1.10
            status = "missed by more than 10 %" if worse else "beaten by more than 10 %" if better else "within 10 %"
        variance = row["variance"]
        out.append({"KPI": PLAN_LABELS.get(key, label_of(key)), "Plan": value_text(key, row["plan"], currency),
                    "Actual": value_text(key, row["actual"], currency),
                    "Variance": (fmt.NOT_AVAILABLE if fmt.missing(variance) else
                                 f"{variance * 100:+.1f} pp" if key in RATE_KEYS else
                                 f"{variance:+,.0f}" if key in COUNT_KEYS else
                                 ("+" if variance >= 0 else "−") + fmt.money(abs(variance), currency, compact=False)),
                    "Attainment": fmt.percent(attainment, 0), "Status": status})
    return pd.DataFrame(out, columns=["KPI", "Plan", "Actual", "Variance", "Attainment", "Status"])


def show_plan(plan: PlanVsActual, currency: str | None) -> None:
    """The as-of month's table, a chart of one planned KPI over the months, and the budget rows not compared."""
    st.dataframe(plan_rows(plan, currency), hide_index=True, width="stretch")
    keys = [key for key in PLAN_LABELS if key in set(plan.table["key"])]
    if keys:
        key = st.selectbox("KPI over the plan's months", keys, format_func=lambda k: PLAN_LABELS[k],
                           key="cash_plan_kpi")
        st.plotly_chart(finance_charts.plan_against_actual(plan.table, key, f"{PLAN_LABELS[key]}: plan and actual",
                                                           currency, rate=key in RATE_KEYS), width="stretch")
    ignored = plan.names[plan.names["key"].isna()]["name"].tolist()
    if ignored:
        st.caption("Budget rows not compared (no KPI of the report matches their name; choose one on **Map "
                   "columns**): " + escape_markdown(", ".join(ignored)) + ".")


def show_accounts(finance: Finance, currency: str | None) -> None:
    """Cash per account at the as-of month and the financing kept out of burn."""
    accounts = finance.accounts.assign(cash=finance.accounts["cash"].map(lambda v: fmt.money(v, currency,
                                                                                            compact=False)),
                                       last_date=finance.accounts["last_date"].dt.strftime("%Y-%m-%d"))
    left, right = st.columns(2)
    with left:
        st.markdown("**Accounts**")
        st.dataframe(accounts.rename(columns={"account": "Account", "cash": f"Cash, {finance.as_of.strftime('%B %Y')}",
                                              "last_date": "Last transaction"}), hide_index=True, width="stretch")
    with right:
        st.markdown("**Financing, not burn**")
        rows = finance.financing_rows
        if rows.empty:
            st.caption("No transaction reads as financing (a round, a loan, a grant). If one does, switch its "
                       "category on **Definitions & settings**.")
        else:
            shown = rows.assign(date=rows["date"].dt.strftime("%Y-%m-%d"),
                                amount=rows["amount"].map(lambda v: fmt.money(v, currency, compact=False)))
            st.dataframe(shown.rename(columns=lambda c: c.capitalize()), hide_index=True, width="stretch")


def financing_choices(report) -> pd.DataFrame | None:
    """The bank export's categories as the settings page edits them: Category, Rows, Amount, Financing
    (in force), Why; None without a bank export or without categories."""
    from kpi.metrics.finance import categories

    cash = report.tables.get("cash") if report is not None and report.tables is not None else None
    if cash is None or cash.empty or "category" not in cash:
        return None
    table = categories(cash, dict(report.settings.financing_categories))
    if table.empty:
        return None
    return pd.DataFrame({"Category": table["category"], "Rows": table["rows"], "Amount": table["amount"],
                         "Financing": table["financing"], "Why": table["source"]})


def financing_overrides(report, edited: pd.DataFrame) -> tuple[tuple[str, bool], ...]:
    """The categories whose edited switch differs from what their words say: the setting to save."""
    from kpi.metrics.finance import categories

    by_words = categories(report.tables.get("cash")).set_index("category")["financing"]
    return tuple((str(category), bool(chosen)) for category, chosen in zip(edited["Category"], edited["Financing"],
                                                                           strict=True)
                 if category in by_words.index and bool(chosen) != bool(by_words[category]))
