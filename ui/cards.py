"""KPI cards: the value, its change against the previous period, a sparkline, the benchmark,
the workspace's target when one is set, and a "How is this computed?" popover with this month's
numbers (from kpi.report.explain).

A change is green or red only when it is significant (kpi.report.significance): zero as
displayed, or an NPS / CSAT / FCR change inside its 95 % margin, is grey — delta and sparkline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from kpi import formatting as fmt
from kpi.metrics.periods import PERIOD_KEYS, PERIOD_MONTHS
from kpi.report.build import Metric, Report
from kpi.report.periods import TICKET_KEYS, PeriodView, period_explanation, period_metric, view
from kpi.report.significance import change_margin, is_significant, shown_as_zero, significant_change
from ui import state


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
    "renewal_rate": Card("Renewal rate", _percent, True),
    "ltv_cac": Card("LTV : CAC", lambda v, c: fmt.ratio(v), False, absolute=True),
    "nps": Card("NPS", lambda v, c: fmt.NOT_AVAILABLE if fmt.missing(v) else f"{v:+.0f}", False, points=True),
    "csat": Card("CSAT", _percent, True),
    "fcr": Card("FCR", _percent, True),
    "cash": Card("Cash", _money, False),
    "net_burn": Card("Net burn", _money, False, lower_is_better=True),
    "net_burn_3m": Card("Net burn (3-month avg)", _money, False, lower_is_better=True),
    "gross_burn": Card("Gross burn", _money, False, lower_is_better=True),
    "runway_months": Card("Runway", lambda v, c: fmt.NOT_AVAILABLE if fmt.missing(v) else f"{v:.1f} mo", False),
    "burn_multiple": Card("Burn multiple", lambda v, c: fmt.ratio(v), False, lower_is_better=True, absolute=True),
}
OVERVIEW_FINANCE = ("cash", "runway_months", "burn_multiple")  # with a bank export
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
    period = view(report, granularity)
    history = metric.history.dropna().tail(12)
    with st.container(border=True):
        shown = delta(spec, metric)
        colour, note = delta_colour(report, key, metric, shown, period)
        st.metric(
            label(key, granularity), spec.show(metric.value, report.currency), delta=shown,
            delta_color=colour, delta_description=note,
            help=f"{period.label}, compared with {period.comparison_label}. Grey: no change as shown"
                 + (f", or a change within the margin of error of the answers ({note} at 95 %)." if note else "."),
            chart_data=history.to_list() if len(history) > 1 else None, chart_type="line",
        )
        st.caption(explanation.benchmark or "\u00a0")  # keeps the cards of a row aligned
        target_line(key, metric.value, report.currency)
        plan_line(report, key, metric.value)
        with st.popover("Formula", icon=":material/function:", width="stretch"):
            st.markdown(f"**{label(key, granularity)}** = {explanation.definition}")
            if explanation.computation:
                st.text(explanation.computation)
            else:
                st.text(f"Not available for {period.label}: the data it needs is missing or its denominator is 0.")
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
            shown = delta(spec, metric)
            colour = _direction(spec) if is_significant(metric.key, metric.value, metric.previous, shown=shown) \
                else "off"
            st.metric(spec.label, spec.show(metric.value, currency), delta=shown, delta_color=colour, border=True,
                      chart_data=history.to_list() if len(history) > 1 else None, chart_type="line")


# ── delta colour: significant changes only ───────────────────────────────────────────────────


def _direction(spec: Card) -> str:
    return "inverse" if spec.lower_is_better else "normal"


def _margin_text(key: str, margin: float) -> str:
    """The margin of a change as the card says it next to the delta: '±9.5 pts' (NPS), '±10.3 pp' (rates)."""
    return f"±{margin:.1f} pts" if key == "nps" else f"±{margin * 100:.1f} pp"


def delta_colour(report: Report, key: str, metric: Metric, shown: str | None,
                 period: PeriodView | None = None) -> tuple[str, str | None]:
    """st.metric's delta_color for a card ("normal", "inverse", or "off" = grey for a change that is not
    significant, kpi.report.significance) and, for a survey change inside its 95 % margin, that margin
    ("±9.5 pts") to show next to the delta. `period`: the card's period (None: the month); a ticket
    figure over a quarter or a year is tested on the answers of the two periods' months."""
    back = PERIOD_MONTHS[period.granularity] if period is not None else 1
    spans = ((period.window.start, period.window.end), (period.comparison.start, period.comparison.end)) \
        if period is not None and period.granularity != "month" and key in TICKET_KEYS else None
    if significant_change(report, key, metric.value, metric.previous, back=back, shown=shown, spans=spans):
        return _direction(CARDS[key]), None
    margin = change_margin(report, key, back, spans) if metric.change and not shown_as_zero(shown) else None
    return "off", None if margin is None else _margin_text(key, margin)


# ── targets: the goal and the progress towards it ───────────────────────────────────────────


def target_text(key: str, value: float | None, target: float, currency: str | None) -> str:
    """'Target €60k · 94 %' (amounts, counts, ratios: value ÷ target while short), 'Target ≥ +45 · 3.1 pts
    short', 'Target ≤ 2.0 % · 0.6 pp above', and '· met' once reached (at or under for lower-is-better KPIs)."""
    spec = CARDS[key]
    goal = spec.show(target, currency)
    if fmt.missing(value):
        return f"Target {goal}"
    if spec.lower_is_better:
        if value <= target:
            return f"Target ≤ {goal} · met"
        return f"Target ≤ {goal} · {_gap(spec, value - target)} above"
    if value >= target:
        return f"Target {goal} · met" if not (spec.rate or spec.points) else f"Target ≥ {goal} · met"
    if spec.rate or spec.points:
        return f"Target ≥ {goal} · {_gap(spec, target - value)} short"
    return f"Target {goal} · {value / target * 100:.0f} %" if target > 0 else f"Target {goal}"


def _gap(spec: Card, difference: float) -> str:
    """A distance to a target in the KPI's unit of change: pp for rates, pts for NPS."""
    return f"{difference:.1f} pts" if spec.points else f"{difference * 100:.1f} pp"


def plan_text(key: str, value: float | None, plan: float, currency: str | None) -> str:
    """'Plan €64.5k · 4 % under' (amounts, counts), 'Plan 2.0 % · 0.6 pp over' (rates), '· on plan' within 0.5 %."""
    spec = CARDS[key]
    goal = spec.show(plan, currency)
    if fmt.missing(value):
        return f"Plan {goal}"
    if spec.rate or spec.points:
        gap = value - plan
        return f"Plan {goal} · on plan" if abs(gap) < 5e-4 else \
            f"Plan {goal} · {_gap(spec, abs(gap))} {'over' if gap > 0 else 'under'}"
    if plan == 0:
        return f"Plan {goal}"
    share = value / plan - 1
    return f"Plan {goal} · on plan" if abs(share) < 0.005 else \
        f"Plan {goal} · {abs(share) * 100:.0f} % {'over' if share > 0 else 'under'}"


def plan_line(report: Report, key: str, value: float | None) -> None:
    """The card's "vs plan" caption when the workspace's budget plans this KPI for the as-of month."""
    if report.plan is None:
        return
    rows = report.plan.at()
    if key in rows.index and not fmt.missing(rows.at[key, "plan"]):
        st.caption(plan_text(key, value, float(rows.at[key, "plan"]), report.currency))


def target_line(key: str, value: float | None, currency: str | None) -> None:
    """The card's target caption (ui.state.targets(), set on Definitions & settings); a blank line when
    this KPI has none but others do, so the cards of a row stay aligned."""
    targets = state.targets()
    if key in targets:
        st.caption(target_text(key, value, targets[key], currency))
    elif targets:
        st.caption("\u00a0")
