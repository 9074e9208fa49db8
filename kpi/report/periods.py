"""KPI cards over a month, a quarter or a year, with the words that say which months they cover.

`period_metric(report, key, granularity)` is `Report.metric` for a period:
- flows and rates over the period (logo churn, gross and net MRR churn, NRR, GRR, quick ratio,
  MRR growth) come from `kpi.metrics.periods` over the whole period's months;
- FCR, the ticket count and the median resolution time are counted over the tickets created in
  the period's months; the renewal rate over the renewals of the period's months (Σ renewed ÷
  Σ renewing);
- stocks (MRR, ARR, customers, ARPA) and measures that already look back over a window of their
  own (NPS and CSAT over the survey window, LTV:CAC, payback) are read at the period's end.
A partial period (Q4 to date in November) is compared with the same months one period earlier;
a whole period with the period before. Histories hold one value per period for the sparklines.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kpi import formatting as fmt
from kpi.metrics import periods, renewals, support
from kpi.metrics.revenue import PERIOD_FREQ
from kpi.report.build import Metric, Report, _number
from kpi.report.explain import Explanation, explain

PERIOD_DEFINITIONS = {
    "logo_churn_rate": "Customers paying at the start of the period and no longer paying at its end ÷ customers "
                       "paying at its start.",
    "gross_mrr_churn_rate": "1 − GRR over the period: the MRR the period's starting customers lost by its end "
                            "(churn and contraction, net of what they won back) ÷ MRR at its start.",
    "net_mrr_churn_rate": "(churn + contraction − expansion − reactivation, summed over the period's months) ÷ MRR "
                          "at its start (negative = net expansion).",
    "nrr_monthly": "MRR at the period's end of the customers paying at its start ÷ their MRR at its start.",
    "grr_monthly": "Σ min(MRR at the period's end, MRR at its start) of the customers paying at its start ÷ "
                   "their MRR at its start.",
    "quick_ratio": "(new + expansion + reactivation) ÷ (churn + contraction), each summed over the period's months.",
    "fcr": "Tickets created in the period and resolved at first contact ÷ those whose outcome is known.",
    "tickets": "Tickets created in the period.",
    "median_resolution_hours": "Median hours from creation to resolution of the period's resolved tickets.",
    "renewal_rate": "Customers renewed in the period's months ÷ customers renewing in them: each month's renewing "
                    "customers (a renewal date that month) and those still paying at its end, added up over the "
                    "months.",
}
AT_PERIOD_END = "Read at the last month of the period."


@dataclass(frozen=True)
class PeriodView:
    """What a card over `granularity` covers: the period's window and its comparison."""

    granularity: str
    window: periods.Window
    comparison: periods.Window

    @property
    def label(self) -> str:
        return self.window.label()

    @property
    def comparison_label(self) -> str:
        return self.comparison.label()

    @property
    def partial(self) -> bool:
        return self.window.partial


def view(report: Report, granularity: str) -> PeriodView | None:
    """The as-of period of `granularity` and the period it is compared with (None without as-of)."""
    if report.as_of is None:
        return None
    window = periods.window_of(report.as_of, granularity)
    return PeriodView(granularity, window, window.shifted(periods.PERIOD_MONTHS[granularity]))


def _at_period_ends(history: pd.Series, granularity: str) -> pd.Series:
    """A monthly history reduced to one value per period: the one of its last month (as_of for the last)."""
    if history.empty or granularity == "month":
        return history
    history = history.dropna()
    return history.groupby(pd.PeriodIndex(history.index, freq="M").asfreq(PERIOD_FREQ[granularity])).last()


def period_metric(report: Report, key: str, granularity: str) -> Metric:
    """The KPI `key` over the as-of period of `granularity`, its comparison and one value per
    period up to as-of (see the module docstring for which KPIs are period figures)."""
    if granularity == "month" and key not in TICKET_KEYS:
        return report.metric(key)
    shown = view(report, granularity)
    back = periods.PERIOD_MONTHS[granularity]
    if key == "renewal_rate" and shown is not None and report.revenue is not None \
            and report.revenue.renewals is not None:
        return _renewal_metric(report, granularity, shown)
    if key in periods.PERIOD_KEYS and report.revenue is not None and shown is not None:
        column = periods.PERIOD_KEYS[key]
        pair = periods.window_kpis(report.revenue.mrr, report.revenue.series, [shown.comparison, shown.window])
        history = report.period_table(granularity)[column].astype(float)
        return Metric(key, _number(pair[column].iloc[1]), _number(pair[column].iloc[0]), history)
    if key in TICKET_KEYS and shown is not None and (rows := _tickets(report)) is not None:
        value, previous = (_ticket_figure(rows, key, window) for window in (shown.window, shown.comparison))
        months = pd.period_range(rows["month"].min(), report.as_of, freq="M") if len(rows) else rows["month"]
        history = pd.Series({window.period: _ticket_figure(rows, key, window)
                             for window in periods.windows(months, granularity, report.as_of)}, dtype=float)
        return Metric(key, value, previous, history)
    metric = report.metric(key, back)
    return Metric(key, metric.value, metric.previous, _at_period_ends(metric.history, granularity))


TICKET_KEYS = ("fcr", "tickets", "median_resolution_hours")


def _renewal_metric(report: Report, granularity: str, shown: PeriodView) -> Metric:
    """The renewal rate over the period's months and its comparison's (`renewal_rate_between`), one
    value per period for the history."""
    table = report.revenue.renewals

    def rate(window: periods.Window) -> float:
        return renewals.renewal_rate_between(table, window.start, window.end)[2]

    history = pd.Series({window.period: rate(window)
                         for window in periods.windows(report.months, granularity, report.as_of)}, dtype=float)
    return Metric("renewal_rate", _number(rate(shown.window)), _number(rate(shown.comparison)), history)


def _tickets(report: Report) -> pd.DataFrame | None:
    """The report's dated tickets as month of creation, first_contact and resolution_hours (once per report)."""
    cache = report._period_tables  # noqa: SLF001  (the report's own cache of period figures)
    if "tickets" not in cache:
        tickets = report.tables.get("tickets") if report.tables is not None else None
        if tickets is None or tickets.empty or "created_at" not in tickets:
            cache["tickets"] = None
        else:
            rows = support.with_outcomes(tickets)
            rows = rows[rows["created_at"].notna()]
            cache["tickets"] = pd.DataFrame({"month": rows["created_at"].dt.to_period("M"),
                                             "first_contact": rows["first_contact"],
                                             "resolution_hours": rows["resolution_hours"]})
    return cache["tickets"]


def _ticket_figure(rows: pd.DataFrame, key: str, window: periods.Window) -> float | None:
    """Over the tickets created in the window's months: their count, FCR (first contact ÷ known
    outcome) or median resolution hours (over the resolved ones); None when there is none to count."""
    chosen = rows[(rows["month"] > window.start) & (rows["month"] <= window.end)]
    if key == "tickets":
        return float(len(chosen))
    if key == "fcr":
        known = chosen["first_contact"].dropna()
        return float(known.astype(bool).mean()) if len(known) else None
    hours = chosen["resolution_hours"].dropna()
    return float(hours.median()) if len(hours) else None


def period_explanation(report: Report, key: str, granularity: str) -> Explanation:
    """`kpi.report.explain.explain` for a period: the period definition and its numbers, the
    computation prefixed with the period it covers ("Q4 2026 to date (October): …")."""
    monthly = explain(report, key)
    shown = view(report, granularity)
    if shown is None:
        return monthly
    if granularity == "month" or key not in PERIOD_DEFINITIONS:
        computation = f"{shown.window.end.strftime('%B %Y')}: {monthly.computation}" if monthly.computation else None
        definition = monthly.definition if granularity == "month" else f"{monthly.definition} {AT_PERIOD_END}"
        return Explanation(key, definition, computation, monthly.benchmark, monthly.benchmark_note)
    return Explanation(key, PERIOD_DEFINITIONS[key], _period_computation(report, key, shown),
                       None if key in ("nrr_monthly", "grr_monthly", "logo_churn_rate") else monthly.benchmark,
                       monthly.benchmark_note if key not in ("nrr_monthly", "grr_monthly", "logo_churn_rate")
                       else "Monthly benchmarks do not apply to a period of several months.")


def _period_computation(report: Report, key: str, shown: PeriodView) -> str | None:
    """The period formula with the numbers of `shown.window`, prefixed with the period's label."""
    metric = period_metric(report, key, shown.granularity)
    if metric.value is None and key != "quick_ratio":
        return None
    if key == "renewal_rate":
        renewing, renewed, _ = renewals.renewal_rate_between(report.revenue.renewals, shown.window.start,
                                                             shown.window.end)
        return (f"{shown.label}: {fmt.count(renewed)} renewed of {fmt.count(renewing)} renewing = "
                f"{fmt.percent(metric.value)}")
    if key == "fcr":
        rows = _tickets(report)
        chosen = rows[(rows["month"] > shown.window.start) & (rows["month"] <= shown.window.end)]
        known = chosen["first_contact"].dropna().astype(bool)
        return (f"{shown.label}: {int(known.sum())} ÷ {len(known)} tickets with a known outcome = "
                f"{fmt.percent(metric.value)}")
    row = periods.window_details(report.revenue.mrr, report.revenue.series, shown.window)
    m = lambda v: fmt.money(v, report.currency)  # noqa: E731
    texts = {
        "logo_churn_rate": f"{fmt.count(row['base_lost'])} of {fmt.count(row['base_customers'])} customers paying at "
                           f"the end of "
                           f"{shown.window.start.strftime('%B %Y')} no longer pay = {fmt.percent(metric.value)}",
        "gross_mrr_churn_rate": f"1 − {m(row['base_kept_mrr'])} ÷ {m(row['start_mrr'])} = {fmt.percent(metric.value)}",
        "net_mrr_churn_rate": f"({m(row['churn'])} + {m(row['contraction'])} − {m(row['expansion'])} − "
                              f"{m(row['reactivation'])}) ÷ {m(row['start_mrr'])} = {fmt.percent(metric.value)}",
        "nrr_monthly": f"{m(row['base_now_mrr'])} ÷ {m(row['start_mrr'])} = {fmt.percent(metric.value)}",
        "grr_monthly": f"{m(row['base_kept_mrr'])} ÷ {m(row['start_mrr'])} = {fmt.percent(metric.value)}",
        "quick_ratio": f"({m(row['new'])} + {m(row['expansion'])} + {m(row['reactivation'])}) ÷ "
                       f"({m(row['churn'])} + {m(row['contraction'])}) = {fmt.ratio(metric.value)}",
    }
    text = texts.get(key)
    return f"{shown.label}: {text}" if text else None
