"""Support, customer-health and unit-economics pages: widgets and tables (this module), cached data
and cards (`ui.ops_views`), figures (`ui.ops_figures`) — all reachable from here as `ops.*`.

The three "operations" pages (Support, Customers & health, Unit economics) draw with these helpers.
Data helpers call `kpi` on the report's segment-filtered tables and are cached like ui/data.py: keyed
by the workspace's content hash, the as-of month, the filters, the settings and their own parameters,
with bounded `max_entries` and `ttl`. Figures take the frames `kpi` returns and never show user text
(customer names, ticket subjects): plotly renders some HTML, so those stay in `st.dataframe`.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from kpi import formatting as fmt
from kpi.errors import InputError
from kpi.metrics import economics, health
from ui import access, state

# The pages call everything as `ops.*`: the views and figures are re-exported.
from ui.ops_figures import (  # noqa: F401, E501
    costs_by_category,
    customer_mrr_timeline,
    fcr_trend,
    ltv_cac_trend,
    resolution_histogram,
    tickets_per_customer,
)
from ui.ops_views import (  # noqa: F401, E501
    PERIOD_BACK,
    CustomerView,
    HealthView,
    OpsCard,
    SupportView,
    card_row,
    change_text,
    colour,
    compared_month,
    customer_directory,
    customer_view,
    fcr_note,
    health_view,
    hours,
    metric_from_history,
    metrics,
    money,
    money_column_format,
    months,
    period_caption,
    support_view,
)

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


def _open_picked(key: str, customer_ids: list[str]) -> None:
    """on_select of the health table: the clicked row's customer becomes the page's chosen customer."""
    rows = st.session_state[key].selection.rows
    if rows and rows[0] < len(customer_ids):
        st.session_state[CUSTOMER_KEY] = customer_ids[rows[0]]


def health_table(table: pd.DataFrame, currency: str | None, *, height: int = 420, key: str | None = None) -> None:
    """The health table, most at risk first (the first HEALTH_ROWS); the band is a coloured pill with its
    name written in it. With `key`, a click on a row opens that customer in the picker below."""
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
    ids = shown["customer_id"].astype(str).tolist()
    st.dataframe(
        shown, hide_index=True, width="stretch", height=height, column_order=order, placeholder="—", key=key,
        on_select=(lambda: _open_picked(key, ids)) if key else "ignore", selection_mode="single-row",
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
    st.dataframe(  # a customer with no known outcome or resolved ticket reads n/a, not None
        frame.assign(fcr=frame["fcr"] * 100), hide_index=True, width="stretch", height="content",
        placeholder=fmt.NOT_AVAILABLE,
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
                      delta=f"{fmt.percent(row['share'], 0)} of customers" + (  # no MRR part without revenue
                              "" if bands["mrr"].isna().all() else f" · {fmt.money(row['mrr'], currency)} MRR"),
                      delta_color=BAND_METRIC_COLORS[band], delta_arrow="off")


def customer_cards(customer: CustomerView, table: pd.DataFrame, month: pd.Period, currency: str | None) -> None:
    """One customer's MRR at as_of, health score and band (when scored), NPS answers and tickets."""
    scored = table[table["customer_id"] == customer.customer_id]
    band = scored["band"].iloc[0] if len(scored) and isinstance(scored["band"].iloc[0], str) else None
    with st.container(horizontal=True):
        mrr = table["mrr"].notna().any() if "mrr" in table else False  # False: no revenue table, MRR unknown
        st.metric(f"MRR, {month.strftime('%b %Y')}", fmt.money(customer.mrr.iloc[-1] if len(customer.mrr) else 0.0,
                  currency, compact=False) if mrr else fmt.NOT_AVAILABLE, border=True, height="stretch")
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


# ── the gross-margin setting ─────────────────────────────────────────────────────────────────

MARGIN_KEY = "gross_margin_pct"


def _keep_margin() -> None:
    """Runs before the rerun, so the report of that rerun already uses the new margin. A callback
    runs before app.py's script, outside its handling: a refusal (rights taken back, workspace
    deleted meanwhile) is said here, as app.py would say it."""
    with access.refusals():
        state.set_settings(dataclasses.replace(state.settings(), gross_margin=st.session_state[MARGIN_KEY] / 100))


def gross_margin_setting(unit_economics: economics.UnitEconomics) -> None:
    """The gross margin used when no COGS are mapped (0–100 %, kept in the session's settings);
    disabled, with the margin the costs give, when they are."""
    from_costs = unit_economics.gross_margin_source == "costs"
    st.session_state.setdefault(MARGIN_KEY, round(state.settings().gross_margin * 100, 2))
    st.number_input("Gross margin when no COGS are mapped (%)", min_value=0.0, max_value=100.0, step=1.0,
                    format="%.1f", key=MARGIN_KEY, on_change=_keep_margin,
                    disabled=from_costs or not state.can_edit(),  # a "can view" guest changes no setting
                    help="Used by LTV and CAC payback when the costs table has no cost-of-goods category.")
    if from_costs:
        st.info(f"The gross margin comes from the costs table: 1 − COGS ÷ MRR = "
                f"{fmt.percent(unit_economics.gross_margin)} over the last months with costs. This setting is "
                "not used while COGS are mapped.", icon=":material/info:")
    else:
        if access.read_only():
            access.explain()
        st.caption("No COGS in the costs: LTV and payback use this margin. Map a cost-of-goods category "
                   "(hosting, COGS, coût des ventes) on **Map columns** to measure it instead.")
