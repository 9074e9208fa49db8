"""Support, customer-health and unit-economics views: their cached data, KPI cards, widgets and plotly figures.

The three "operations" pages (Support, Customers & health, Unit economics) draw with these helpers.
Data helpers call `kpi` on the report's segment-filtered tables and are cached like ui/data.py: keyed
by the workspace's content hash, the as-of month, the filters, the settings and their own parameters,
with bounded `max_entries` and `ttl`. Figures take the frames `kpi` returns and never show user text
(customer names, ticket subjects): plotly renders some HTML, so those stay in `st.dataframe`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from kpi import formatting as fmt
from kpi.errors import InputError
from kpi.metrics import economics, health, support
from kpi.report.build import Metric
from ui import data, state
from ui.charts import COLORS
from ui.state import State

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
                   "(open tickets not yet flagged are left out, like Zendesk's one-touch rate)."),
    "tickets": OpsCard("Tickets", lambda v, c: fmt.count(v), "relative", True,
                       "Tickets created this month, open ones included.", neutral=True),
    "median_resolution_hours": OpsCard("Median resolution time", lambda v, c: hours(v), "relative", True,
                                       "Median of resolved_at − created_at over this month's resolved tickets."),
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
    "gross_margin": OpsCard("Gross margin", lambda v, c: fmt.percent(v), "points", False,
                            "1 − COGS ÷ MRR over the last months with costs when COGS are mapped, "
                            "else the setting."),
}
PERIOD_BACK = {"month": 1, "quarter": 3, "year": 12}  # the sidebar's "Trends by": compare with this many months back


def compared_month(current: State) -> pd.Period:
    """The month the cards compare with: one month, a quarter or a year before as_of."""
    return pd.Period(current.as_of, freq="M") - PERIOD_BACK.get(current.granularity, 1)


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


def card_row(metrics: list[Metric], currency: str | None, *, per_row: int = 3) -> None:
    """KPI cards in rows of equal columns: value, change, 12-month sparkline; the definition on hover."""
    for start in range(0, len(metrics), per_row):
        for column, metric in zip(st.columns(per_row), metrics[start:start + per_row], strict=False):
            card = CARDS[metric.key]
            history = metric.history.dropna().tail(12)
            column.metric(
                card.label, card.show(metric.value, currency), delta=change_text(card, metric),
                delta_color="off" if card.neutral else ("inverse" if card.lower_is_better else "normal"),
                help=card.definition, border=True, height="stretch",
                chart_data=history.to_list() if len(history) > 1 else None, chart_type="line",
            )


# ── cached views ─────────────────────────────────────────────────────────────────────────────


def _key(current: State) -> tuple:
    return current.workspace.key, current.as_of, current.filters, current.report_settings


def _frame(current: State, table: str) -> pd.DataFrame | None:
    """A segment-filtered canonical table of the current report (None when not mapped or empty)."""
    tables = data.report(current).tables
    frame = tables.get(table) if tables is not None else None
    return frame if frame is not None and not frame.empty else None


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _metrics(key: tuple, keys: tuple[str, ...], back: int, _current: State) -> list[Metric]:
    report = data.report(_current)
    found = [report.metric(k, back) for k in keys if k != "tickets"]
    if "tickets" in keys:  # not a report KPI: its history is support_by_month's ticket count
        tickets = _frame(_current, "tickets")
        history = support.support_by_month(tickets, as_of=_current.as_of)["tickets"] if tickets is not None \
            else pd.Series(dtype=float)
        found.insert(keys.index("tickets"), metric_from_history("tickets", history, _current.as_of, back))
    return found


def metrics(current: State, keys: tuple[str, ...]) -> list[Metric]:
    """The report's KPIs at as_of, compared with `compared_month`, with their history (`Report.metric`),
    computed once per report and granularity; "tickets" is the count of tickets created each month."""
    return _metrics(_key(current), tuple(keys), PERIOD_BACK.get(current.granularity, 1), current)


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


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _health_view(key: tuple, weights: health.HealthWeights, _current: State) -> HealthView:
    report = data.report(_current)
    mrr = report.revenue.mrr if report.revenue is not None else None
    customers = _frame(_current, "customers")
    scores = health.health_scores(_current.as_of, mrr=mrr, events=_frame(_current, "events"),
                                  nps=_frame(_current, "nps"), tickets=_frame(_current, "tickets"),
                                  customers=customers, weights=weights)
    table = health.health_table(scores, customers=customers, mrr=mrr, as_of=_current.as_of)
    return HealthView(table, health.band_summary(table))


def health_view(current: State, weights: health.HealthWeights) -> HealthView:
    """Health scores of the customers paying at as_of, with these weights."""
    return _health_view(_key(current), weights, current)


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def _directory(key: tuple, _current: State) -> pd.DataFrame:
    report = data.report(_current)
    return health.customer_directory(_frame(_current, "customers"),
                                     report.revenue.mrr if report.revenue is not None else None)


def customer_directory(current: State) -> pd.DataFrame:
    """Every customer of the current (filtered) tables: customer_id, name, label."""
    return _directory(_key(current), current)


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
        record=health.customer_record(_frame(_current, "customers"), customer_id),
        mrr=health.customer_mrr(mrr, customer_id, as_of) if mrr is not None else pd.Series(dtype=float),
        movements=(health.customer_movements(mrr, customer_id, as_of) if mrr is not None
                   else pd.DataFrame(columns=["month", "movement", "previous", "current", "change"])),
        answers=health.customer_answers(nps, customer_id, as_of=as_of) if nps is not None else None,
        tickets=support.customer_tickets(tickets, customer_id, as_of=as_of) if tickets is not None else None,
    )


def customer_view(current: State, customer_id: str) -> CustomerView:
    return _customer_view(_key(current), customer_id, current)


# ── widgets ──────────────────────────────────────────────────────────────────────────────────

WEIGHTS_KEY = "health_weights"  # the session's HealthWeights, shared by every page
_WEIGHT_INPUTS = (
    ("usage", "Usage", "Events of the customer in the last 30 days."),
    ("nps", "NPS", "The customer's latest NPS answer ÷ 10."),
    ("tickets", "Tickets", "Fewer tickets in the last 90 days is healthier."),
    ("mrr_trend", "MRR trend", "MRR change over the last 3 months."),
)
_CAP_INPUTS = (
    ("usage_cap", "Events in 30 days for full usage", 1.0, "%.0f",
     "A customer with this many events in the last 30 days scores 100 % on usage."),
    ("tickets_cap", "Tickets in 90 days that bring it to 0", 1.0, "%.0f",
     "Each ticket in the last 90 days takes 1 ÷ this off the tickets component."),
    ("mrr_drop_cap", "MRR fall that brings the trend to 0 (%)", 5.0, "%.0f",
     "An MRR fall of this share or more over 3 months scores 0 on MRR trend; flat or growing scores 100 %."),
)


def session_weights() -> health.HealthWeights:
    """The health weights chosen in this session (the defaults until someone edits them)."""
    return st.session_state.get(WEIGHTS_KEY) or health.DEFAULT_WEIGHTS


def _shown(weights: health.HealthWeights, name: str) -> float:
    value = float(getattr(weights, name))
    return value * 100 if name == "mrr_drop_cap" else value


def _reset_weights() -> None:
    st.session_state[WEIGHTS_KEY] = health.DEFAULT_WEIGHTS
    for name in [n for n, *_ in _WEIGHT_INPUTS] + [n for n, *_ in _CAP_INPUTS]:
        st.session_state[f"health::{name}"] = _shown(health.DEFAULT_WEIGHTS, name)


def health_weights_editor() -> health.HealthWeights:
    """Number inputs for the health weights and caps, in an expander. Returns the weights to use:
    the edited ones when `HealthWeights` accepts them (then kept in the session for every page),
    else the last valid ones, with the InputError shown."""
    stored = session_weights()
    names = [n for n, *_ in _WEIGHT_INPUTS] + [n for n, *_ in _CAP_INPUTS]
    for name in names:  # widgets forget their value on other pages: start again from the session's weights
        st.session_state.setdefault(f"health::{name}", _shown(stored, name))
    with st.expander("Score weights and caps", icon=":material/tune:"):
        st.caption("Weights are relative: each customer's score uses the components it has data for, "
                   "weighted by these numbers and rescaled to 0–100.")
        columns = st.columns(len(_WEIGHT_INPUTS))
        for column, (name, label, help_text) in zip(columns, _WEIGHT_INPUTS, strict=True):
            column.number_input(f"{label} weight", min_value=0.0, step=0.05, format="%.2f",
                                key=f"health::{name}", help=help_text)
        columns = st.columns(len(_CAP_INPUTS))
        for column, (name, label, step, number_format, help_text) in zip(columns, _CAP_INPUTS, strict=True):
            column.number_input(label, min_value=0.0, step=step, format=number_format, key=f"health::{name}",
                                help=help_text)
        st.button("Back to the default weights", icon=":material/restart_alt:", on_click=_reset_weights)
        edited = {name: float(st.session_state[f"health::{name}"]) for name in names}
        edited["mrr_drop_cap"] /= 100
        try:
            weights = dataclasses.replace(stored, **edited)
        except InputError as error:
            message = str(error)
            st.error(f"{message[:1].upper()}{message[1:]}. The scores below still use the last valid weights.",
                     icon=":material/error:")
            return stored
    st.session_state[WEIGHTS_KEY] = weights
    return weights


def weights_summary(weights: health.HealthWeights) -> str:
    """'Usage 35 % · NPS 25 % · Tickets 15 % · MRR trend 25 %' (shares of the total weight)."""
    total = sum(getattr(weights, name) for name, *_ in _WEIGHT_INPUTS)
    return " · ".join(f"{label} {fmt.percent(getattr(weights, name) / total, 0)}"
                      for name, label, _ in _WEIGHT_INPUTS)


CUSTOMER_KEY = "customer_pick"
PICKER_OPTIONS = 5000  # beyond this, a search box narrows the list first (100k options: ~1 MB a rerun)


def customer_picker(directory: pd.DataFrame, default: str | None) -> str | None:
    """A searchable selectbox of customers (by name and id), in sync with `?customer=cus_…`.

    The link decides on arrival; after that the widget does, and the link follows it. With more than
    PICKER_OPTIONS customers, a search box chooses which of them the list offers."""
    if directory.empty:
        return None
    known = pd.Index(directory["customer_id"].astype(str))
    if st.session_state.get(CUSTOMER_KEY) not in known:
        linked = st.query_params.get("customer")
        st.session_state[CUSTOMER_KEY] = linked if linked in known else (default if default in known else known[0])
    chosen = st.session_state[CUSTOMER_KEY]
    offered = directory
    if len(directory) > PICKER_OPTIONS:
        text = st.text_input("Find a customer", key="customer_find", placeholder="Part of a name or customer id",
                             icon=":material/search:")
        offered = health.find_customers(directory, text, limit=PICKER_OPTIONS)
        if chosen not in set(offered["customer_id"].astype(str)):  # the selection stays selectable
            offered = pd.concat([directory[known == chosen], offered], ignore_index=True)
    labels = dict(zip(offered["customer_id"].astype(str), offered["label"].astype(str), strict=True))
    chosen = st.selectbox("Customer", list(labels), key=CUSTOMER_KEY, format_func=labels.__getitem__,
                          filter_mode="contains", help="Type part of a name or of a customer id.")
    st.query_params["customer"] = chosen
    return chosen


# ── tables ───────────────────────────────────────────────────────────────────────────────────

BANDS = ("red", "yellow", "green")
BAND_LABELS = {"red": "Red · at risk", "yellow": "Yellow · watch", "green": "Green · healthy"}
BAND_COLORS = {"red": "#ffc9c9", "yellow": "#ffec99", "green": "#b2f2bb"}  # pill backgrounds: text stays dark
BAND_METRIC_COLORS = {"red": "red", "yellow": "orange", "green": "green"}


COMPONENT_SOURCES = {"usage_events_30d": "usage (events)", "nps_latest": "NPS (survey answers)",
                     "tickets_90d": "tickets (ticket export)", "mrr_change_3m": "MRR trend"}
HEALTH_ROWS = 1000  # the table shows the most at-risk customers; all of them would be megabytes a rerun


def health_table(table: pd.DataFrame, currency: str | None, *, height: int = 420) -> None:
    """The health table, most at risk first (the first HEALTH_ROWS); the band is a coloured pill with its
    name written in it."""
    if len(table) > HEALTH_ROWS:
        st.caption(f"The {fmt.count(HEALTH_ROWS)} most at risk of {fmt.count(len(table))} scored customers.")
        table = table.head(HEALTH_ROWS)
    shown = table.assign(band=[[band] if isinstance(band, str) else [] for band in table["band"]],
                         mrr_change_3m=table["mrr_change_3m"] * 100)
    order = ["band", "score", "name", "customer_id", "mrr", "usage_events_30d", "nps_latest", "tickets_90d",
             "mrr_change_3m"]
    unused = [column for column in order[2:] if table[column].isna().all()]  # a table not mapped, or no data yet
    order = [column for column in order if column not in unused]
    missing = [COMPONENT_SOURCES[column] for column in unused if column in COMPONENT_SOURCES]
    if missing:
        st.caption(f"No data for {', '.join(missing)}: scores use the other components. Map those tables on "
                   "**Map columns** to score them too.")
    st.dataframe(
        shown, hide_index=True, width="stretch", height=height, column_order=order, placeholder="—",
        column_config={
            "band": st.column_config.MultiselectColumn(
                "Band", options=list(BANDS), color=[BAND_COLORS[b] for b in BANDS], format_func=BAND_LABELS.get,
                help="Red < 40 ≤ yellow < 70 ≤ green", width=120),
            "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%.0f", width=100),
            "name": st.column_config.TextColumn("Customer", width=190),
            "customer_id": st.column_config.TextColumn("Customer ID", width=150),
            "mrr": st.column_config.NumberColumn("MRR", format=money_column_format(currency), width=75),
            "usage_events_30d": st.column_config.NumberColumn("Events 30 d", format="%.0f", width=80,
                                                              help="Product events in the last 30 days."),
            "nps_latest": st.column_config.NumberColumn("NPS", format="%.0f", width=50,
                                                        help="The latest NPS answer up to this month."),
            "tickets_90d": st.column_config.NumberColumn("Tickets 90 d", format="%.0f", width=85,
                                                         help="Tickets created in the last 90 days."),
            "mrr_change_3m": st.column_config.NumberColumn("MRR 3 m", format="%+.0f %%", width=75,
                                                           help="MRR change over the last 3 months."),
        },
    )


def heaviest_accounts(frame: pd.DataFrame) -> None:
    """The heaviest accounts: name (when the customers table gives one), id, tickets, open, FCR,
    median resolution time."""
    order = ["name", "customer_id", "tickets", "open", "fcr", "median_resolution_hours"]
    if frame["name"].isna().all():
        order.remove("name")
    st.dataframe(
        frame.assign(fcr=frame["fcr"] * 100), hide_index=True, width="stretch", height="content",
        column_order=order,
        column_config={
            "name": st.column_config.TextColumn("Customer"),
            "customer_id": st.column_config.TextColumn("Customer ID"),
            "tickets": st.column_config.ProgressColumn("Tickets", min_value=0,
                                                       max_value=max(int(frame["tickets"].max()), 1), format="%d"),
            "open": st.column_config.NumberColumn("Still open", format="%d"),
            "fcr": st.column_config.NumberColumn("FCR", format="%.0f %%"),
            "median_resolution_hours": st.column_config.NumberColumn("Median resolution (h)", format="%.1f"),
        },
    )


def band_cards(bands: pd.DataFrame, currency: str | None) -> None:
    """Customers per band, with their share and MRR, as three cards."""
    titles = {"red": "At risk · red, below 40", "yellow": "Watch · yellow, 40 to 69",
              "green": "Healthy · green, 70 and above"}
    with st.container(horizontal=True):
        for band, title in titles.items():
            row = bands.loc[band]
            st.metric(title, fmt.count(row["customers"]), border=True,
                      delta=f"{fmt.percent(row['share'], 0)} of customers · {fmt.money(row['mrr'], currency)} MRR",
                      delta_color=BAND_METRIC_COLORS[band], delta_arrow="off")


def customer_cards(customer: CustomerView, table: pd.DataFrame, month: pd.Period, currency: str | None) -> None:
    """One customer's MRR at as_of, health score and band (when scored), NPS answers and tickets."""
    scored = table[table["customer_id"] == customer.customer_id]
    band = scored["band"].iloc[0] if len(scored) and isinstance(scored["band"].iloc[0], str) else None
    with st.container(horizontal=True):
        st.metric(f"MRR, {month.strftime('%b %Y')}", fmt.money(customer.mrr.iloc[-1] if len(customer.mrr) else 0.0,
                                                               currency, compact=False), border=True, height="stretch")
        st.metric("Health score", fmt.count(scored["score"].iloc[0] if len(scored) else None), border=True,
                  delta=BAND_LABELS[band] if band else None, delta_color=BAND_METRIC_COLORS.get(band, "off"),
                  delta_arrow="off",
                  help="Customers are scored while they pay: n/a for a customer not paying this month.",
                  height="stretch")
        st.metric("NPS answers", fmt.count(len(customer.answers)) if customer.answers is not None
                  else fmt.NOT_AVAILABLE, border=True, height="stretch")
        st.metric("Tickets", fmt.count(len(customer.tickets)) if customer.tickets is not None
                  else fmt.NOT_AVAILABLE, border=True, height="stretch")


def movements_table(movements: pd.DataFrame, currency: str | None) -> None:
    if movements.empty:
        st.caption("No MRR movement up to this month.")
        return
    money_format = money_column_format(currency)
    st.dataframe(
        month_text(movements.iloc[::-1]), hide_index=True, width="stretch", height="content",
        column_config={
            "month": st.column_config.TextColumn("Month"),
            "movement": st.column_config.TextColumn("Movement"),
            "previous": st.column_config.NumberColumn("Before", format=money_format),
            "current": st.column_config.NumberColumn("After", format=money_format),
            "change": st.column_config.NumberColumn("Change", format=money_format),
        },
    )


def answers_table(answers: pd.DataFrame | None) -> None:
    if answers is None:
        st.info("No NPS survey in this workspace: map one on **Map columns**.", icon=":material/reviews:")
        return
    if answers.empty:
        st.caption("This customer has not answered the NPS survey.")
        return
    st.dataframe(
        answers, hide_index=True, width="stretch", height="content",
        column_config={
            "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
            "score": st.column_config.NumberColumn("Score", format="%.0f"),
            "category": st.column_config.TextColumn("Category"),
            "comment": st.column_config.TextColumn("Comment", width="large"),
        },
    )


def tickets_table(tickets: pd.DataFrame | None) -> None:
    if tickets is None:
        st.info("No ticket export in this workspace: map one on **Map columns**.", icon=":material/support_agent:")
        return
    if tickets.empty:
        st.caption("This customer has opened no ticket.")
        return
    st.dataframe(
        tickets, hide_index=True, width="stretch", height="content",
        column_order=[c for c in ("ticket_id", "created_at", "resolved_at", "first_contact", "resolution_hours",
                                  "contacts") if c in tickets],
        column_config={
            "ticket_id": st.column_config.TextColumn("Ticket"),
            "created_at": st.column_config.DatetimeColumn("Created", format="YYYY-MM-DD HH:mm"),
            "resolved_at": st.column_config.DatetimeColumn("Resolved", format="YYYY-MM-DD HH:mm"),
            "first_contact": st.column_config.CheckboxColumn("First contact"),
            "resolution_hours": st.column_config.NumberColumn("Hours to resolve", format="%.1f"),
            "contacts": st.column_config.NumberColumn("Replies", format="%d"),
        },
    )


def record_table(record: pd.DataFrame) -> None:
    if record.empty:
        st.caption("Not in the customers table.")
        return
    st.dataframe(record, hide_index=True, width="stretch", height="content",
                 column_config={"field": st.column_config.TextColumn("Field"),
                                "value": st.column_config.TextColumn("Value")})


def workings_table(workings: pd.DataFrame) -> None:
    """KPI, formula, the formula with this month's numbers, value (text; the currency code may be the user's)."""
    st.dataframe(
        workings, hide_index=True, width="stretch", height="content",
        column_config={
            "kpi": st.column_config.TextColumn("KPI", width=170),
            "formula": st.column_config.TextColumn("Formula", width="large"),
            "workings": st.column_config.TextColumn("With this month's numbers", width="medium"),
            "value": st.column_config.TextColumn("Value", width=100),
        },
    )


def variants_table(variants: pd.DataFrame) -> None:
    st.dataframe(
        variants, hide_index=True, width="stretch", height="content", column_order=["variant", "value", "formula"],
        column_config={
            "variant": st.column_config.TextColumn("Variant", width=200),
            "value": st.column_config.TextColumn("LTV", width=80),
            "formula": st.column_config.TextColumn("Formula", width="large"),
        },
    )


def month_text(frame: pd.DataFrame, column: str = "month") -> pd.DataFrame:
    """Periods written 'Oct 2026' for a table."""
    return frame.assign(**{column: pd.PeriodIndex(frame[column], freq="M").strftime("%b %Y")}) if len(frame) \
        else frame


# ── figures ──────────────────────────────────────────────────────────────────────────────────

_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10},
           "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, "bargap": 0.25}
_COST_COLORS = {"sales_marketing": COLORS["mrr"], "customer_success": "#20c997", "cogs": "#f08c00",
                "other": "#adb5bd"}
_COST_NAMES = {"sales_marketing": "Sales & marketing", "customer_success": "Customer success", "cogs": "COGS",
               "other": "Other"}


def _symbol(currency: str | None) -> str:
    return fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")


def fcr_trend(monthly: pd.DataFrame, *, months_shown: int = 24) -> go.Figure:
    """FCR per month (line, left axis) over the tickets created that month (pale bars, right axis)."""
    monthly = monthly.tail(months_shown)
    x = monthly.index.to_timestamp()
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    # plotly draws the secondary axis on top: the line goes there, its axis moved to the left
    figure.add_bar(x=x, y=monthly["tickets"], name="Tickets created", marker_color="rgba(134,142,150,0.45)",
                   hovertemplate="%{y} tickets<extra></extra>", secondary_y=False)
    figure.add_scatter(x=x, y=monthly["fcr"], name="First-contact resolution", mode="lines+markers",
                       line={"color": COLORS["mrr"], "width": 3}, marker={"size": 6}, connectgaps=False,
                       hovertemplate="FCR %{y:.1%}<extra></extra>", secondary_y=True)
    figure.update_layout(height=340, hovermode="x unified", **_LAYOUT)
    figure.update_layout(yaxis={"side": "right", "title": "Tickets", "showgrid": False, "rangemode": "tozero",
                                "tickmode": "auto", "tickformat": "d"},
                         yaxis2={"side": "left", "title": "FCR", "tickformat": ".0%", "range": [0, 1.05],
                                 "tickmode": "auto", "showgrid": True})
    figure.update_xaxes(dtick="M3", tickformat="%b %Y")
    return figure


def _median_position(distribution: pd.DataFrame, median_hours: float) -> float | None:
    """Where the median falls on the band axis: its band's index, plus its place inside the band on a
    log scale (bands are categories, so the line has to be placed by hand)."""
    inside = distribution.index[(distribution["lower_hours"] <= median_hours)
                                & (median_hours < distribution["upper_hours"])]
    if not len(inside):
        return None
    i = int(inside[0])
    lower, upper = distribution.at[i, "lower_hours"], distribution.at[i, "upper_hours"]
    if lower <= 0 or not np.isfinite(upper):
        return float(i)
    return i - 0.5 + float(np.log(median_hours / lower) / np.log(upper / lower))


def resolution_histogram(distribution: pd.DataFrame, median_hours: float | None) -> go.Figure:
    """Share of resolved tickets per resolution-time band (a log scale in readable steps), the median
    marked by a dashed line placed inside its band."""
    figure = go.Figure(go.Bar(
        x=list(range(len(distribution))), y=distribution["share"], marker_color="#91a7ff",
        customdata=distribution[["band", "tickets"]],
        hovertemplate="%{customdata[0]}: %{customdata[1]} tickets (%{y:.0%})<extra></extra>",
    ))
    position = _median_position(distribution, median_hours) if not fmt.missing(median_hours) else None
    if position is not None:
        figure.add_vline(x=position, line={"color": COLORS["mrr"], "dash": "dash", "width": 2})
        figure.add_annotation(x=position, y=1, yref="paper", yanchor="bottom", showarrow=False,
                              text=f"median {hours(median_hours)}", font={"color": COLORS["mrr"], "size": 12})
    figure.update_layout(height=320, showlegend=False, **_LAYOUT)
    figure.update_xaxes(title_text="Time to resolve", tickmode="array", tickvals=list(range(len(distribution))),
                        ticktext=list(distribution["band"]), tickangle=0, tickfont={"size": 11})
    figure.update_yaxes(title_text="Share of resolved tickets", tickformat=".0%", rangemode="tozero")
    return figure


def tickets_per_customer(distribution: pd.DataFrame) -> go.Figure:
    """Customers by number of tickets they opened in the period."""
    figure = go.Figure(go.Bar(
        x=distribution["tickets"], y=distribution["customers"], marker_color="#20c997",
        text=[fmt.percent(share, 0) if not fmt.missing(share) and share > 0 else "" for share in distribution["share"]],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y} customers opened %{x} ticket(s)<extra></extra>",
    ))
    figure.update_layout(height=320, showlegend=False, **_LAYOUT)
    figure.update_xaxes(title_text="Tickets opened", type="category")
    figure.update_yaxes(title_text="Customers", rangemode="tozero")
    return figure


def customer_mrr_timeline(mrr: pd.Series, movements: pd.DataFrame, currency: str | None) -> go.Figure:
    """One customer's MRR per month (bars; the trace holds every month of the series) with its
    movements marked, zoomed on the months from a little before its first MRR."""
    symbol = _symbol(currency)
    x = mrr.index.to_timestamp()
    figure = go.Figure(go.Bar(
        x=x, y=mrr.to_numpy(), name="MRR", marker_color="rgba(59,91,219,0.55)",
        hovertemplate=f"MRR {symbol}%{{y:,.2f}}<extra></extra>",
    ))
    for movement in ("new", "expansion", "reactivation", "contraction", "churn"):
        rows = movements[movements["movement"] == movement]
        if rows.empty:
            continue
        figure.add_scatter(
            x=pd.PeriodIndex(rows["month"], freq="M").to_timestamp(), y=rows["current"], mode="markers",
            name=movement.capitalize(), cliponaxis=False,
            marker={"color": COLORS[movement], "size": 12, "line": {"color": "white", "width": 2}},
            hovertemplate=f"{movement.capitalize()} → {symbol}%{{y:,.2f}}<extra></extra>",
        )
    paying = mrr.index[mrr.to_numpy() > 0]
    if len(paying):
        start = max(paying[0] - 3, mrr.index[0])
        figure.update_xaxes(range=[(start - 1).to_timestamp(how="end"), (mrr.index[-1] + 1).to_timestamp()])
    figure.update_layout(height=320, hovermode="x unified", bargap=0.15,
                         **{k: v for k, v in _LAYOUT.items() if k != "bargap"})
    figure.update_yaxes(title_text=f"MRR ({currency or 'amount'})", tickprefix=symbol, rangemode="tozero")
    figure.update_xaxes(tickformat="%b %Y")
    return figure


def costs_by_category(costs: pd.DataFrame, currency: str | None) -> go.Figure:
    """Monthly costs stacked by category (sales & marketing, customer success, COGS, other)."""
    symbol = _symbol(currency)
    x = costs.index.to_timestamp()
    figure = go.Figure()
    for category in ("sales_marketing", "customer_success", "cogs", "other"):
        if category in costs and costs[category].abs().sum() > 0:
            figure.add_bar(x=x, y=costs[category], name=_COST_NAMES[category], marker_color=_COST_COLORS[category],
                           hovertemplate=f"{_COST_NAMES[category]} {symbol}%{{y:,.0f}}<extra></extra>")
    figure.update_layout(barmode="stack", height=340, hovermode="x unified", **_LAYOUT)
    figure.update_layout(legend_traceorder="normal")
    figure.update_yaxes(title_text=f"Costs ({currency or 'amount'})", tickprefix=symbol)
    figure.update_xaxes(tickformat="%b %Y")
    return figure


def ltv_cac_trend(history: pd.Series, benchmark: float = economics.LTV_CAC_BENCHMARK) -> go.Figure:
    """LTV:CAC per month against the benchmark line (3×)."""
    history = history.dropna()
    x = history.index.to_timestamp()
    top = max(benchmark * 1.2, float(history.max()) * 1.15 if len(history) else 0)
    figure = go.Figure(go.Scatter(
        x=x, y=history.to_numpy(), name="LTV : CAC", mode="lines+markers+text",
        line={"color": COLORS["mrr"], "width": 3}, marker={"size": 6},
        text=[fmt.ratio(v) if i in (0, len(history) - 1) else "" for i, v in enumerate(history)],
        textposition="top center", hovertemplate="LTV:CAC %{y:.2f}×<extra></extra>",
    ))
    figure.add_hline(y=benchmark, line={"color": COLORS["new"], "dash": "dash", "width": 2},
                     annotation_text=f"benchmark {benchmark:g}×", annotation_position="top left",
                     annotation_font_color=COLORS["new"])
    figure.update_layout(height=340, showlegend=False, **_LAYOUT)
    figure.update_yaxes(title_text="LTV ÷ CAC", range=[0, top], ticksuffix="×")
    figure.update_xaxes(tickformat="%b %Y")
    return figure


# ── the gross-margin setting ─────────────────────────────────────────────────────────────────

MARGIN_KEY = "gross_margin_pct"


def _keep_margin() -> None:
    """Runs before the rerun, so the report of that rerun already uses the new margin."""
    state.set_settings(dataclasses.replace(state.settings(), gross_margin=st.session_state[MARGIN_KEY] / 100))


def gross_margin_setting(unit_economics: economics.UnitEconomics) -> None:
    """The gross margin used when no COGS are mapped (0–100 %, kept in the session's settings);
    disabled, with the margin the costs give, when they are."""
    from_costs = unit_economics.gross_margin_source == "costs"
    st.session_state.setdefault(MARGIN_KEY, round(state.settings().gross_margin * 100, 2))
    st.number_input("Gross margin when no COGS are mapped (%)", min_value=0.0, max_value=100.0, step=1.0,
                    format="%.1f", key=MARGIN_KEY, on_change=_keep_margin, disabled=from_costs,
                    help="Used by LTV and CAC payback when the costs table has no cost-of-goods category.")
    if from_costs:
        st.info(f"The gross margin comes from the costs table: 1 − COGS ÷ MRR = "
                f"{fmt.percent(unit_economics.gross_margin)} over the last months with costs. This setting is "
                "not used while COGS are mapped.", icon=":material/info:")
    else:
        st.caption("No COGS in the costs: LTV and payback use this margin. Map a cost-of-goods category "
                   "(hosting, COGS, coût des ventes) on **Map columns** to measure it instead.")
