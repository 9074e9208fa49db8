"""KPI cards: the value, its change against the previous period, a sparkline, the benchmark,
and a "How is this computed?" popover with this month's numbers (from kpi.report.explain)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from kpi import formatting as fmt
from kpi.report.build import Metric, Report
from kpi.metrics.periods import PERIOD_KEYS
from kpi.report.periods import period_explanation, period_metric, view


@dataclass(frozen=True)
class Card:
    label: str
    show: Callable[[float | None, str | None], str]
    rate: bool  # rates change in percentage points, amounts and counts in %
    lower_is_better: bool = False
    points: bool = False  # NPS changes in points
    absolute: bool = False  # ratios change by their difference (+0.81×)


def _money(v, c):
    return fmt.money(v, c)


def _percent(v, c):
    return fmt.percent(v)


CARDS: dict[str, Card] = {
    "mrr": Card("MRR", _money, False),
    "arr": Card("ARR", _money, False),
    "customers": Card("Paying customers", lambda v, c: fmt.count(v), False),
    "arpa": Card("ARPA", lambda v, c: fmt.money(v, c, compact=False), False),
    "logo_churn_rate": Card("Logo churn", _percent, True, lower_is_better=True),
    "gross_mrr_churn_rate": Card("Gross MRR churn", _percent, True, lower_is_better=True),
    "net_mrr_churn_rate": Card("Net MRR churn", _percent, True, lower_is_better=True),
    "nrr_monthly": Card("NRR (monthly)", _percent, True),
    "grr_monthly": Card("GRR (monthly)", _percent, True),
    "quick_ratio": Card("Quick ratio", lambda v, c: fmt.ratio(v), False, absolute=True),
    "ltv_cac": Card("LTV : CAC", lambda v, c: fmt.ratio(v), False, absolute=True),
    "nps": Card("NPS", lambda v, c: fmt.NOT_AVAILABLE if fmt.missing(v) else f"{v:+.0f}", False, points=True),
    "csat": Card("CSAT", _percent, True),
    "fcr": Card("FCR", _percent, True),
}
OVERVIEW = ("mrr", "arr", "customers", "arpa", "quick_ratio", "logo_churn_rate", "gross_mrr_churn_rate",
            "net_mrr_churn_rate", "nrr_monthly", "grr_monthly", "ltv_cac", "nps", "csat", "fcr")


def label(key: str, granularity: str) -> str:
    """The card's label: a rate over a quarter or a year drops "(monthly)" (the page says which
    months the rates cover)."""
    text = CARDS[key].label
    return text if granularity == "month" or key not in PERIOD_KEYS else text.replace(" (monthly)", "")


def delta(card: Card, metric: Metric) -> str | None:
    if card.points:
        return None if metric.change is None else f"{metric.change:+.1f} pts"
    if card.absolute:
        return None if metric.change is None else f"{metric.change:+.2f}×"
    if card.rate:
        return fmt.point_change(metric.value, metric.previous)
    return fmt.relative_change(metric.value, metric.previous)


def card(report: Report, key: str, granularity: str = "month") -> None:
    """One bordered card over the as-of month, quarter or year (kpi.report.periods): value, delta
    against the period before (the same months of it, for a period to date), sparkline of one
    value per period, benchmark, popover."""
    spec = CARDS[key]
    metric = period_metric(report, key, granularity)
    explanation = period_explanation(report, key, granularity)
    shown = view(report, granularity)
    history = metric.history.dropna().tail(12)
    with st.container(border=True):
        st.metric(
            label(key, granularity), spec.show(metric.value, report.currency), delta=delta(spec, metric),
            delta_color="inverse" if spec.lower_is_better else "normal",
            help=f"{shown.label}, compared with {shown.comparison_label}.",
            chart_data=history.to_list() if len(history) > 1 else None, chart_type="line",
        )
        st.caption(explanation.benchmark or "\u00a0")  # keeps the cards of a row aligned
        with st.popover("Formula", icon=":material/function:", width="stretch"):
            st.markdown(f"**{label(key, granularity)}** = {explanation.definition}")
            if explanation.computation:
                st.text(explanation.computation)
            else:
                st.text(f"Not available for {shown.label}: the data it needs is missing or its denominator is 0.")
            if explanation.benchmark_note:
                st.caption(f"Benchmark: {explanation.benchmark_note}")


def grid(report: Report, keys: tuple[str, ...], granularity: str = "month", per_row: int = 5) -> None:
    """Cards in rows of `per_row`, over the as-of period of the granularity."""
    for start in range(0, len(keys), per_row):
        columns = st.columns(per_row)
        for column, key in zip(columns, keys[start:start + per_row]):
            with column:
                card(report, key, granularity)


def row(metrics: list[Metric], currency: str | None) -> None:
    """A compact row of bordered KPI cards (no popovers) with deltas against the previous month."""
    with st.container(horizontal=True):
        for metric in metrics:
            spec = CARDS[metric.key]
            history = metric.history.dropna().tail(12)
            st.metric(spec.label, spec.show(metric.value, currency), delta=delta(spec, metric),
                      delta_color="inverse" if spec.lower_is_better else "normal", border=True,
                      chart_data=history.to_list() if len(history) > 1 else None, chart_type="line")
