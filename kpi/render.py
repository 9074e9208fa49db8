"""The report as text for people: a Markdown investor-update summary and a terminal table.

Both read the same `Report` the app and the JSON use; the narrative is generated
deterministically from the numbers.
"""

from __future__ import annotations

from kpi import formatting as fmt
from kpi.report import Metric, Report

HEADLINE = (
    ("mrr", "MRR", "money"), ("arr", "ARR", "money"), ("customers", "Paying customers", "count"),
    ("arpa", "ARPA", "money"), ("mrr_growth_mom", "MRR growth (MoM)", "rate"),
    ("logo_churn_rate", "Logo churn", "rate"), ("gross_mrr_churn_rate", "Gross MRR churn", "rate"),
    ("net_mrr_churn_rate", "Net MRR churn", "rate"), ("nrr_monthly", "NRR (monthly)", "rate"),
    ("grr_monthly", "GRR (monthly)", "rate"), ("nrr_12m", "NRR (12 months)", "rate"),
    ("grr_12m", "GRR (12 months)", "rate"), ("quick_ratio", "Quick ratio", "ratio"),
)


def _show(kind: str, value: float | None, currency: str | None) -> str:
    if kind == "money":
        return fmt.money(value, currency)
    if kind == "count":
        return fmt.count(value)
    if kind == "ratio":
        return fmt.ratio(value)
    return fmt.percent(value)


def _change(kind: str, metric: Metric) -> str:
    change = (fmt.point_change if kind in ("rate",) else fmt.relative_change)(metric.value, metric.previous)
    return change or "n/a"


def narrative(report: Report) -> str:
    """'MRR grew 6.1 % to €51.2k; net new MRR €2.9k: new €3.5k, expansion €0.8k, …'."""
    if report.revenue is None or report.as_of is None:
        return "No revenue data was given."
    currency = report.currency
    mrr = report.metric("mrr")
    row = report.revenue.series.loc[report.as_of]
    net_new = row["new"] + row["expansion"] + row["reactivation"] - row["contraction"] - row["churn"]
    if mrr.previous is None or mrr.previous == 0:
        opening = f"MRR is {fmt.money(mrr.value, currency)}"
    else:
        verb = "grew" if mrr.value >= mrr.previous else "fell"
        opening = f"MRR {verb} {fmt.percent(abs(mrr.value / mrr.previous - 1))} to {fmt.money(mrr.value, currency)}"
    parts = [f"new {fmt.money(row['new'], currency)}", f"expansion {fmt.money(row['expansion'], currency)}"]
    if row["reactivation"]:
        parts.append(f"reactivation {fmt.money(row['reactivation'], currency)}")
    parts += [f"contraction {fmt.money(-row['contraction'], currency)}", f"churn {fmt.money(-row['churn'], currency)}"]
    customers = report.metric("customers")
    churn = report.metric("logo_churn_rate")
    return (
        f"{opening}; net new MRR {fmt.money(net_new, currency)}: {', '.join(parts)}. "
        f"{fmt.count(customers.value)} paying customers ({int(row['new_customers'])} new, "
        f"{int(row['churned_customers'])} churned, logo churn {fmt.percent(churn.value)})."
    )


def markdown(report: Report) -> str:
    """Investor-update summary: headline KPIs with month-over-month change and a narrative."""
    title = f"# KPI report — {report.as_of.strftime('%B %Y')}" if report.as_of is not None else "# KPI report"
    lines = [title, "", narrative(report), "", "| KPI | Value | vs previous month |", "|---|---:|---:|"]
    for key, label, kind in HEADLINE:
        metric = report.metric(key)
        lines.append(f"| {label} | {_show(kind, metric.value, report.currency)} | {_change(kind, metric)} |")
    return "\n".join(lines)


def text(report: Report) -> str:
    """A terminal table of the headline KPIs."""
    head = f"KPI report as of {report.as_of}" if report.as_of is not None else "KPI report"
    rows = [(label, _show(kind, report.metric(key).value, report.currency), _change(kind, report.metric(key)))
            for key, label, kind in HEADLINE]
    width = max(len(r[0]) for r in rows)
    body = [f"{label:<{width}}  {value:>12}  {change:>10}" for label, value, change in rows]
    return "\n".join([head, "=" * len(head), f"{'':<{width}}  {'value':>12}  {'vs M-1':>10}", *body])
