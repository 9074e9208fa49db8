"""Drill-through from the Revenue page's charts to the customers behind a movement.

A click on a bar of the MRR bridge or of the movements chart chooses a *selection* (a period and
the movement kinds of that bar) which replaces the whole previous one, and opens a dialog that lists
the customers behind it where the user is looking: signed amounts (churn and contraction negative,
as the bridge draws them) in the report's currency, each customer linked to its page on
Customers & health (`customers?customer=<id>`, with the sidebar's choices of this link).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote_plus, urlencode

import pandas as pd
import streamlit as st

from kpi import formatting as fmt
from ui import charts

MOVEMENT_KINDS = list(charts.GAINS + charts.LOSSES)  # the bridge's order, and the movements chart's bars (curves 0–4)
PERIOD_KEY, KINDS_KEY, OPEN_KEY = "revenue_period", "revenue_kinds", "revenue_dialog"
CUSTOMERS_PAGE = "customers"  # app_pages/customers.py's URL path


@dataclass(frozen=True)
class Selection:
    """What a click chose: one period (as the page's selectbox writes it, '2026-10' or '2026Q4') and the
    movement kinds to list."""

    period: str
    kinds: tuple[str, ...]


def from_bridge(points: list[dict], period: str) -> Selection | None:
    """The bridge bar clicked last → its period and its one movement kind (None for the opening and
    closing MRR bars, or no click)."""
    kinds = [str(point.get("x", "")).lower() for point in points]  # the bars are labelled "New", "Churn"…
    kinds = [kind for kind in kinds if kind in MOVEMENT_KINDS]
    return Selection(period, (kinds[-1],)) if kinds else None


def from_movements(points: list[dict], freq: str) -> Selection | None:
    """The movements-chart bar clicked last → its period (at the chart's frequency, M, Q or Y) and the
    movement of its trace; a click on the net new MRR line chooses every movement of the period."""
    if not points:
        return None
    point = points[-1]
    period = str(pd.Timestamp(point["x"]).to_period("M").asfreq(freq))
    curve = point.get("curve_number")
    on_bar = isinstance(curve, int) and 0 <= curve < len(MOVEMENT_KINDS)
    kinds = (MOVEMENT_KINDS[curve],) if on_bar else tuple(MOVEMENT_KINDS)
    return Selection(period, kinds)


def choose(selection: Selection | None) -> None:
    """Replace the page's whole selection (period and kinds) and ask for the dialog."""
    if selection is None:
        return
    st.session_state[PERIOD_KEY] = selection.period
    st.session_state[KINDS_KEY] = list(selection.kinds)
    st.session_state[OPEN_KEY] = True


def on_click(chart_key: str, read: Callable[[list[dict]], Selection | None]) -> Callable[[], None]:
    """An on_select callback for the chart `chart_key`: runs only when its selection changes, so a
    rerun for another reason never reopens the dialog."""
    def callback() -> None:
        event = st.session_state.get(chart_key)
        points = list(event.selection.points) if event is not None and event.selection else []
        choose(read(points))
    return callback


def customer_link(customer_id: str, params: dict[str, str]) -> str:
    """A relative link to the customer's page, keeping the link's choices (ws, as_of, filters)."""
    return f"{CUSTOMERS_PAGE}?" + urlencode({**{k: v for k, v in params.items() if k != "customer"},
                                               "customer": customer_id})


def customer_links(customer_ids: pd.Series, params: dict[str, str]) -> list[str]:
    """`customer_link` of each ID, the link's other choices encoded once: an ID of letters,
    digits and `_.-~` is the same quoted (`quote_plus`), so only the others are quoted one by one."""
    kept = urlencode({k: v for k, v in params.items() if k != "customer"})
    prefix = f"{CUSTOMERS_PAGE}?{kept}&customer=" if kept else f"{CUSTOMERS_PAGE}?customer="
    ids = customer_ids.astype("string").fillna("<NA>")  # as str() writes a missing ID
    plain = ids.str.fullmatch(r"[A-Za-z0-9_.\-~]+").fillna(False).to_numpy(dtype=bool)
    quoted = ids.to_numpy(dtype=object).copy()
    quoted[~plain] = [quote_plus(value) for value in quoted[~plain]]
    return [prefix + value for value in quoted]


def money_format(currency: str | None) -> str:
    """A st.column_config number format showing amounts in `currency`, the minus sign included."""
    preset = {"EUR": "euro", "USD": "dollar", "JPY": "yen"}.get((currency or "").upper())
    if preset:
        return preset
    return f"%.2f {currency.upper()}" if currency else "%.2f"


def customers_table(details: pd.DataFrame, currency: str | None, params: dict[str, str]) -> None:
    """The customers behind movements (kpi.metrics.revenue.movement_details with a `name` column):
    signed change in the currency, each customer a link to its page."""
    shown = details.assign(month=details["month"].astype(str),
                           customer=customer_links(details["customer_id"], params))
    amount = money_format(currency)
    st.dataframe(
        shown, hide_index=True, width="stretch",
        column_order=["month", "customer", "name", "movement", "change", "previous", "current"],
        column_config={
            "month": st.column_config.TextColumn("Month", width="small"),
            "customer": st.column_config.LinkColumn("Customer", display_text=r"customer=([^&]*)",
                                                    help="Opens the customer's page on Customers & health."),
            "name": st.column_config.TextColumn("Name"),
            "movement": st.column_config.TextColumn("Movement"),
            "change": st.column_config.NumberColumn(
                "MRR change", format=amount, help="As the bridge draws it: churn and contraction are negative."),
            "previous": st.column_config.NumberColumn("MRR before", format=amount),
            "current": st.column_config.NumberColumn("MRR after", format=amount),
        },
    )


def summary(details: pd.DataFrame, currency: str | None) -> str:
    """'churn: 3 customers, −€1.31k   new: 5 customers, +€3.66k' — signed, in the bridge's order."""
    sums = details.groupby("movement")["change"].agg(["count", "sum"])
    parts = []
    for kind in MOVEMENT_KINDS:
        if kind in sums.index:
            total = float(sums.loc[kind, "sum"])
            text = fmt.money(total, currency)
            parts.append(f"{kind}: {int(sums.loc[kind, 'count'])} customers, {'+' if total > 0 else ''}{text}")
    return "   ".join(parts) or "No movement in this period."


@st.dialog("Customers behind the movement", width="large")
def dialog(details: pd.DataFrame, title: str, currency: str | None, params: dict[str, str]) -> None:
    """The clicked bar's customers, opened over the chart that was clicked."""
    st.markdown(f"**{title}**")
    st.text(summary(details, currency))
    customers_table(details, currency, params)
