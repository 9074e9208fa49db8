"""The operations pages' data: formatting, KPI cards and cached views (Support, Customers &
health, Unit economics).

Each view is computed once per content key of the state (workspace, month, filters, settings)
and reused across reruns: keyed by the workspace's content hash, the as-of month, the filters,
the settings and their own parameters, with bounded `max_entries` and `ttl`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from kpi import formatting as fmt
from kpi.metrics import health, support
from kpi.report.build import Metric, Report
from kpi.report.explain import DEFINITIONS, explain
from kpi.report.periods import TICKET_KEYS, period_metric, view
from kpi.report.segments import rows_of_customers
from kpi.report.significance import is_significant, significant_change
from kpi.text import escape_markdown
from ui import data, events_source
from ui.choices import State

# ── formatting that kpi.formatting does not have ─────────────────────────────────────────────


def hours(value: float | None) -> str:
    """'42 min' under an hour, '2.3 h' under two days, '3.1 days' beyond."""
    if fmt.missing(value):
        return fmt.NOT_AVAILABLE
    if value < 1:
        return f"{value * 60:.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} days"


def days(value: float | None) -> str:
    """'5.0 days'; 'n/a' when missing."""
    return fmt.NOT_AVAILABLE if fmt.missing(value) else f"{value:.1f} day{'' if value == 1 else 's'}"


def months(value: float | None) -> str:
    return fmt.NOT_AVAILABLE if fmt.missing(value) else f"{value:.1f} months"


def money(value: float | None, currency: str | None) -> str:
    """Exact under 10k (€2,539, €21.29), compact above (€257.7k): the unit-economics amounts."""
    return fmt.money(value, currency, compact=not fmt.missing(value) and abs(value) >= 10_000)


def money_column_format(currency: str | None) -> str:
    """A st.column_config number format for amounts in `currency`."""
    return {"EUR": "euro", "USD": "dollar", "JPY": "yen"}.get((currency or "").upper(), "localized")


# ── KPI cards ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class OpsCard:
    label: str
    show: Callable[[float | None, str | None], str]
    change: str  # "relative" (amounts, counts: +5.3 %), "points" (rates: +1.2 pp), "times" (ratios: +0.12×)
    lower_is_better: bool
    definition: str
    neutral: bool = False  # a change that is neither good nor bad (ticket volume grows with customers)


CARDS: dict[str, OpsCard] = {
    "fcr": OpsCard("First-contact resolution", lambda v, c: fmt.percent(v), "points", False,
                   "Tickets created this month and resolved at first contact ÷ those whose outcome is known "
                   "(tickets with outcome unknown — still open, or resolved without the flag — are left out, "
                   "like Zendesk's one-touch rate)."),
    "tickets": OpsCard("Tickets", lambda v, c: fmt.count(v), "relative", True,
                       "Tickets created this month, open ones included.", neutral=True),
    "median_resolution_hours": OpsCard("Median resolution time", lambda v, c: hours(v), "relative", True,
                                       "Median time from a ticket's creation to its resolution, over this month's "
                                       "resolved tickets."),
    "ltv": OpsCard("LTV", lambda v, c: money(v, c), "relative", False,
                   "Lifetime value: ARPA × gross margin ÷ mean monthly logo churn of the last months "
                   "(6 by default; ChartMogul)."),
    "cac": OpsCard("CAC", lambda v, c: money(v, c), "relative", True,
                   "Customer acquisition cost: sales & marketing costs ÷ new customers, over the last months "
                   "that have costs (3 by default)."),
    "ltv_cac": OpsCard("LTV : CAC", lambda v, c: fmt.ratio(v), "times", False,
                       "LTV ÷ CAC. Benchmark: above 3×."),
    "payback_months": OpsCard("CAC payback", lambda v, c: months(v), "relative", True,
                              "CAC ÷ (ARPA of new customers × gross margin): months of margin to earn back "
                              "what a customer cost to acquire."),
    "crc": OpsCard("Retention cost (CRC)", lambda v, c: money(v, c), "relative", True,
                   "Customer-success costs of the month ÷ paying customers."),
    "cs_roi": OpsCard("CS ROI", lambda v, c: fmt.percent(v), "points", False,
                      "Customer-success return: (12 × the expansion and reactivation MRR gained over the last 12 "
                      "months − customer-success costs of those months) ÷ those costs."),
    "gross_margin": OpsCard("Gross margin", lambda v, c: fmt.percent(v), "points", False,
                            "1 − COGS ÷ MRR over the last months with costs when COGS are mapped, "
                            "else the setting."),
    "dau_mau": OpsCard("DAU / MAU", lambda v, c: fmt.percent(v), "points", False,
                       "Stickiness: average daily active users of the month ÷ users active in the month."),
    "ttfv_median_days": OpsCard("Time to first value", lambda v, c: days(v), "relative", True,
                                "Median days from a customer's start to its first value event, over the "
                                "customers who reached it."),
    "ttfv_share_reached": OpsCard("Reached first value", lambda v, c: fmt.percent(v), "points", False,
                                  "Customers who reached the value event ÷ customers who started by this month."),
}
PERIOD_BACK = {"month": 1, "quarter": 3, "year": 12}  # the sidebar's "Trends by": compare with this many months back


def compared_month(current: State) -> pd.Period:
    """The month the cards compare with: one month, a quarter or a year before as_of."""
    return pd.Period(current.as_of, freq="M") - PERIOD_BACK.get(current.granularity, 1)


def fcr_note(headline: support.Support) -> str | None:
    """What FCR leaves out, in words: the tickets with outcome unknown, split into those still
    open (not resolved) and those resolved without a first-contact flag; None when every outcome is known."""
    if not headline.unknown:
        return None
    resolved = headline.unknown_resolved
    still_open = headline.unknown - resolved
    parts = ([f"{fmt.count(still_open)} still open"] if still_open else []) + (
        [f"{fmt.count(resolved)} resolved without a first-contact flag"] if resolved else [])
    return (f"FCR counts the {fmt.count(headline.fcr_known)} tickets whose outcome is known; "
            f"{fmt.count(headline.unknown)} with outcome unknown are left out ({' and '.join(parts)}).")


def change_text(card: OpsCard, metric: Metric) -> str | None:
    """'+5.3 %' for amounts and counts, '+1.2 pp' for rates, '+0.12×' for ratios; None without a comparison."""
    if card.change == "points":
        return fmt.point_change(metric.value, metric.previous)
    if card.change == "times":
        return None if metric.change is None else f"{metric.change:+.2f}×"
    return fmt.relative_change(metric.value, metric.previous)


def metric_from_history(key: str, history: pd.Series, as_of: str | pd.Period, back: int = 1) -> Metric:
    """A Metric read like `Report.metric`: the value at as_of, the value `back` months earlier, the history."""
    month = pd.Period(as_of, freq="M")
    history = history[history.index <= month].astype(float)
    value = history.get(month)
    value = None if value is None or pd.isna(value) else float(value)
    previous = history.get(month - back) if value is not None else None
    previous = None if previous is None or pd.isna(previous) else float(previous)
    return Metric(key, value, previous, history)


def formula_popover(report: Report, key: str, label: str) -> None:
    """The card's "Formula" popover: the definition, this month's computation and the benchmark
    (`kpi.report.explain`), as the Overview's cards show them."""
    explanation = explain(report, key)
    with st.popover("Formula", icon=":material/function:", width="stretch"):
        st.markdown(f"**{label}** = {explanation.definition}")
        st.text(f"{report.as_of.strftime('%B %Y')}: {explanation.computation}" if explanation.computation else
                "Not available this month: the data it needs is missing or its denominator is 0.")
        if explanation.benchmark_note:
            st.caption(f"Benchmark: {explanation.benchmark_note}")


def colour(card: OpsCard, metric: Metric, shown: str | None, report: Report | None = None,
           granularity: str = "month") -> str:
    """st.metric's delta_color: grey ("off") for a neutral KPI or a change that is not significant
    (zero as shown; FCR, NPS, CSAT inside the 95 % margin of the two periods' answers, with `report`)."""
    if card.neutral:
        return "off"
    if report is None:
        significant = is_significant(metric.key, metric.value, metric.previous, shown=shown)
    else:
        period = view(report, granularity)
        spans = ((period.window.start, period.window.end), (period.comparison.start, period.comparison.end)) \
            if period is not None and granularity != "month" and metric.key in TICKET_KEYS else None
        significant = significant_change(report, metric.key, metric.value, metric.previous,
                                         back=PERIOD_BACK.get(granularity, 1), shown=shown, spans=spans)
    return ("inverse" if card.lower_is_better else "normal") if significant else "off"


def card_row(metrics: list[Metric], currency: str | None, *, per_row: int = 3,
             report: Report | None = None, granularity: str = "month") -> None:
    """KPI cards in rows of equal columns: value, change (grey when not significant), sparkline;
    the definition on hover. With `report`, a card whose KPI `kpi.report.explain` defines gets
    its "Formula" popover, and survey-like changes are tested against their margin of error."""
    for start in range(0, len(metrics), per_row):
        for column, metric in zip(st.columns(per_row), metrics[start:start + per_row], strict=False):
            card = CARDS[metric.key]
            history = metric.history.dropna().tail(12)
            shown = change_text(card, metric)
            column.metric(
                card.label, card.show(metric.value, currency), delta=shown,
                delta_color=colour(card, metric, shown, report, granularity),
                help=card.definition, border=True, height="stretch",
                chart_data=history.to_list() if len(history) > 1 else None, chart_type="line",
            )
            if report is not None and metric.key in DEFINITIONS:
                with column:
                    formula_popover(report, metric.key, card.label)


# ── cached views ─────────────────────────────────────────────────────────────────────────────


def _key(current: State) -> tuple:
    return current.workspace.key, current.as_of, current.filters, current.report_settings


def _frame(current: State, table: str) -> pd.DataFrame | None:
    """A segment-filtered canonical table of the current report (None when not mapped or empty)."""
    tables = data.report(current).tables
    frame = tables.get(table) if tables is not None else None
    return frame if frame is not None and not frame.empty else None


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _metrics(key: tuple, keys: tuple[str, ...], granularity: str, _current: State) -> list[Metric]:
    report = data.report(_current)
    return [period_metric(report, k, granularity) for k in keys]


def metrics(current: State, keys: tuple[str, ...]) -> list[Metric]:
    """The report's KPIs over the as-of month, quarter or year (`kpi.report.periods.period_metric`:
    ticket figures over the period's tickets, the others read at its end), compared with the
    period before, with one value per period; computed once per report and granularity."""
    return _metrics(_key(current), tuple(keys), current.granularity, current)


def period_caption(current: State, report: Report, *, with_filter: bool = True) -> str:
    """'October 2026, compared with September 2026' / 'Q4 2026 to date (October), compared with Q3
    2026 to date (July)', then (`with_filter`) the filter in force; markdown-escaped."""
    shown = view(report, current.granularity)
    text = f"{shown.label}, compared with {shown.comparison_label}" if shown is not None else ""
    return escape_markdown(text) + (f" · filtered: {escape_markdown(current.filter_text())}"
                                    if current.filters and with_filter else "")


@dataclass(frozen=True)
class SupportView:
    """What the Support page shows besides the headline: trend, distributions, heaviest accounts."""

    monthly: pd.DataFrame  # support_by_month up to as_of
    window: support.Support  # the tickets of the chosen window
    resolution: pd.DataFrame  # resolution_time_distribution
    per_customer: pd.DataFrame  # tickets_per_customer_distribution
    heaviest: pd.DataFrame  # heaviest accounts with their names


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _support_view(key: tuple, window: support.Window, top: int, _current: State) -> SupportView:
    tickets = _frame(_current, "tickets")
    as_of = _current.as_of
    load = support.ticket_load(tickets, as_of=as_of, window=window)
    return SupportView(
        monthly=support.support_by_month(tickets, as_of=as_of),
        window=dataclasses.replace(support.support(tickets, as_of=as_of, window=window), rows=pd.DataFrame()),
        resolution=support.resolution_time_distribution(tickets, as_of=as_of, window=window),
        per_customer=support.tickets_per_customer_distribution(load),
        heaviest=health.with_customer_names(load.head(top), _frame(_current, "customers")),
    )


def support_view(current: State, window: support.Window = 90, top: int = 15) -> SupportView:
    """Support trend and distributions of the current report's tickets (needs a tickets table)."""
    return _support_view(_key(current), window, top, current)


@dataclass(frozen=True)
class HealthView:
    table: pd.DataFrame  # health_table: most at risk first, with names and MRR
    bands: pd.DataFrame  # band_summary


def _company(current: State) -> State:
    """The same state without its segment filters: the company's."""
    return dataclasses.replace(current, filters=())


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _health_view(key: tuple, weights: health.HealthWeights, _current: State, events_token: str = "") -> HealthView:
    report = data.report(_current)
    mrr = report.revenue.mrr if report.revenue is not None else None
    month = pd.Period(_current.as_of, freq="M")
    if _current.filters and mrr is not None and month in mrr.columns and _frame(_current, "events") is None:
        # each score reads its customer's own rows (MRR, NPS answers, tickets) but usage, which asks whether the
        # whole events log has an event in the window: without events, a segment's scores are the company's rows
        # of its paying customers, in the same order (tests/kpi/test_report_sections.py checks it)
        company = _health_view(_key(_company(_current)), weights, _company(_current))
        current = mrr[month]
        table = rows_of_customers(company.table, current.index[current > 0])
        return HealthView(table, health.band_summary(table))
    customers = _frame(_current, "customers")
    events = _frame(_current, "events") if not events_token else events_source.report_inputs(  # the team's database
        events_token, _current.report_settings, report.tables, _current.filters)[1]
    scores = health.health_scores(_current.as_of, mrr=mrr, events=events,
                                  nps=_frame(_current, "nps"), tickets=_frame(_current, "tickets"),
                                  customers=customers, weights=weights)
    table = health.health_table(scores, customers=customers, mrr=mrr, as_of=_current.as_of)
    return HealthView(table, health.band_summary(table))


def health_view(current: State, weights: health.HealthWeights) -> HealthView:
    """Health scores of the customers paying at as_of, with these weights."""
    return _health_view(_key(current), weights, current, events_source.token(current.report_settings))


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def _directory(key: tuple, _current: State) -> pd.DataFrame:
    report = data.report(_current)
    customers = _frame(_current, "customers")
    if _current.filters and customers is not None:
        # a segment keeps every row of its customers (filter_tables), its MRR ones among them: the same names
        # and labels as the company's, so its directory is the company's rows of its customers, in that order
        return rows_of_customers(_directory(_key(_company(_current)), _company(_current)), customers["customer_id"])
    return health.customer_directory(_frame(_current, "customers"),
                                     report.revenue.mrr if report.revenue is not None else None)


def customer_directory(current: State) -> pd.DataFrame:
    """Every customer of the current (filtered) tables: customer_id, name, label."""
    return _directory(_key(current), current)


FIELD_WORDS = {"customer_id": "Customer ID", "signup_date": "Signup date", "mrr": "MRR"}


def record_in_words(record: pd.DataFrame) -> pd.DataFrame:
    """A customer record (field, value) with each field name as words: `customer_id` → "Customer ID",
    `acquisition_channel` → "Acquisition channel"."""
    def words(name: object) -> str:
        text = str(name).replace("_", " ")
        return FIELD_WORDS.get(str(name), text[:1].upper() + text[1:])

    return record.assign(field=record["field"].map(words))


@dataclass(frozen=True)
class CustomerView:
    """One customer's story up to as_of."""

    customer_id: str
    record: pd.DataFrame  # field, value from the customers table
    mrr: pd.Series  # MRR per month
    movements: pd.DataFrame  # month, movement, previous, current, change
    answers: pd.DataFrame | None  # NPS answers (None: no NPS table)
    tickets: pd.DataFrame | None  # tickets with outcomes (None: no tickets table)

    @property
    def has_paid(self) -> bool:
        return bool((self.mrr > 0).any())


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _customer_view(key: tuple, customer_id: str, _current: State) -> CustomerView:
    report = data.report(_current)
    as_of = _current.as_of
    mrr = report.revenue.mrr if report.revenue is not None else None
    nps, tickets = _frame(_current, "nps"), _frame(_current, "tickets")
    return CustomerView(
        customer_id=customer_id,
        record=record_in_words(health.customer_record(_frame(_current, "customers"), customer_id)),
        mrr=health.customer_mrr(mrr, customer_id, as_of) if mrr is not None else pd.Series(dtype=float),
        movements=(health.customer_movements(mrr, customer_id, as_of) if mrr is not None
                   else pd.DataFrame(columns=["month", "movement", "previous", "current", "change"])),
        answers=health.customer_answers(nps, customer_id, as_of=as_of) if nps is not None else None,
        tickets=support.customer_tickets(tickets, customer_id, as_of=as_of) if tickets is not None else None,
    )


def customer_view(current: State, customer_id: str) -> CustomerView:
    return _customer_view(_key(current), customer_id, current)
