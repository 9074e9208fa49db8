"""KPI cards: one `st.metric` per KPI with its month-over-month delta, sparkline and definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import streamlit as st

from kpi.report import Metric
from kpi import formatting as fmt


@dataclass(frozen=True)
class Card:
    label: str
    show: Callable[[float | None, str | None], str]
    rate: bool  # rates change in percentage points, amounts and counts in %
    lower_is_better: bool
    definition: str


CARDS: dict[str, Card] = {
    "mrr": Card("MRR", lambda v, c: fmt.money(v, c), False, False,
                "Monthly recurring revenue: Σ of every paying customer's MRR on the last day of the month."),
    "arr": Card("ARR", lambda v, c: fmt.money(v, c), False, False, "Annual run rate: 12 × MRR."),
    "customers": Card("Paying customers", lambda v, c: fmt.count(v), False, False,
                      "Customers with MRR > 0 at the end of the month."),
    "arpa": Card("ARPA", lambda v, c: fmt.money(v, c, compact=False), False, False,
                 "Average revenue per account: MRR ÷ paying customers."),
    "logo_churn_rate": Card("Logo churn", lambda v, c: fmt.percent(v), True, True,
                            "Customers who churned this month ÷ paying customers at the end of last month. "
                            "Benchmark: 3–8 % a month is typical for small-business SaaS, 0.42–0.58 % for "
                            "established SaaS."),
    "nrr_monthly": Card("NRR (monthly)", lambda v, c: fmt.percent(v), True, False,
                        "Net revenue retention: (last month's MRR − churn − contraction + expansion) ÷ "
                        "last month's MRR. Benchmark: ≥ 100 % is excellent."),
}


def delta(card: Card, metric: Metric) -> str | None:
    if card.rate:
        return fmt.point_change(metric.value, metric.previous)
    return fmt.relative_change(metric.value, metric.previous)


def row(metrics: list[Metric], currency: str | None) -> None:
    """A responsive row of bordered KPI cards with deltas against the previous month."""
    with st.container(horizontal=True):
        for metric in metrics:
            card = CARDS[metric.key]
            history = metric.history.dropna().tail(12)
            st.metric(
                card.label,
                card.show(metric.value, currency),
                delta=delta(card, metric),
                delta_color="inverse" if card.lower_is_better else "normal",
                help=card.definition,
                border=True,
                chart_data=history.to_list() if len(history) > 1 else None,
                chart_type="line",
            )
