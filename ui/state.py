"""Session state in one place: the current workspace and the sidebar's choices.

The as-of month lives in `st.session_state` and in the URL query string (`?as_of=2026-10`),
so choices persist across pages and a view can be shared by its link.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ui import data

DEMO_WORKSPACE = "Plumeo (demo company)"


@dataclass(frozen=True)
class State:
    workspace: str
    as_of: str  # YYYY-MM


def _months() -> list[str]:
    report = data.report()
    return [str(month) for month in report.months]


def month_label(month: str) -> str:
    """'2026-10' → 'October 2026'."""
    return pd.Period(month, freq="M").strftime("%B %Y")


def sidebar() -> State:
    """Draw the shared sidebar and return the choices it holds.

    The first run of a session takes the as-of month from the link (`?as_of=`), else the
    latest month; after that the widget owns it and the link follows it."""
    months = _months()
    by_label = {month_label(month): month for month in months[::-1]}
    if st.session_state.get("as_of_select") not in by_label:
        linked = st.query_params.get("as_of")
        st.session_state["as_of_select"] = month_label(linked if linked in months else months[-1])
    with st.sidebar:
        st.caption("Workspace")
        st.markdown(f"**{DEMO_WORKSPACE}**")
        st.caption("Bundled demo data: a French B2B SaaS, 36 months of exports.")
        label = st.selectbox(
            "As of month", options=list(by_label), key="as_of_select",
            help="KPIs are month-end snapshots of this month, compared with the month before.",
        )
    choice = by_label[label]
    st.query_params["as_of"] = choice
    return State(DEMO_WORKSPACE, choice)


def current() -> State:
    """The choices made in the sidebar (drawn by app.py before any page runs)."""
    months = _months()
    by_label = {month_label(month): month for month in months}
    chosen = by_label.get(st.session_state.get("as_of_select"))
    linked = st.query_params.get("as_of")
    return State(DEMO_WORKSPACE, chosen or (linked if linked in months else months[-1]))
