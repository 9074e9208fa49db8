"""The report as text for people: a Markdown investor-update summary and a terminal table.

Both read the same `Report` the app and the JSON use. The Markdown is the investor update's
(`kpi.report.update.investor_update` of the as-of month against the month before, rendered by
`kpi.exports.html.to_markdown`), so the CLI's `--format md` and the page's download are the same
text; its narrative is written deterministically from the numbers by `kpi.report.narrative`.
"""

from __future__ import annotations

from kpi import formatting as fmt
from kpi.exports.html import to_markdown
from kpi.report.build import Metric, Report
from kpi.report.update import investor_update

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
    """'In October 2026, MRR grew 5.3 % to €61.9k; net new MRR €3.11k …' (kpi.report.narrative)."""
    if report.revenue is None or report.as_of is None:
        return "No revenue data was given."
    return investor_update(report).narrative


def markdown(report: Report) -> str:
    """Investor-update summary: headline KPIs against the previous month and the narrative."""
    if report.as_of is None:
        return "# KPI report\n\nNo revenue data was given."
    return to_markdown(investor_update(report), report).rstrip("\n")


def text(report: Report) -> str:
    """A terminal table of the headline KPIs."""
    head = f"KPI report as of {report.as_of}" if report.as_of is not None else "KPI report"
    rows = [(label, _show(kind, report.metric(key).value, report.currency), _change(kind, report.metric(key)))
            for key, label, kind in HEADLINE]
    width = max(len(r[0]) for r in rows)
    body = [f"{label:<{width}}  {value:>12}  {change:>10}" for label, value, change in rows]
    return "\n".join([head, "=" * len(head), f"{'':<{width}}  {'value':>12}  {'vs M-1':>10}", *body])
