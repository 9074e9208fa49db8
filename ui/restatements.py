"""Restatements of reported months, drawn where the user needs them: on Workspaces, and on
Upload right after next month's files are saved.

A reported month keeps the JSON report frozen when it was marked (`Store.mark_reported`); the
current data's report of that month is computed here (unfiltered, as the Workspaces page
marks it) and the store lists every KPI that differs (`Store.restatements`).
"""

from __future__ import annotations

import streamlit as st

from kpi.report.restatements import headline_changes, other_changes
from kpi.store.model import Restatement
from ui import data, state


def restatements(ws: state.Workspace) -> list[Restatement]:
    """The reported months of `ws` whose KPIs the current data changes (a month with no data any
    more counts as changed)."""
    snapshots = state.store().snapshots(ws.id, by=state.owner())
    months = data.report_months(ws)
    now = {s.month: (data.report(state.State(ws, s.month)).to_json()
                     if s.month in months else None) for s in snapshots}
    return state.store().restatements(ws.id, now, by=state.owner())


def show(found: list[Restatement], ws: state.Workspace) -> None:
    """One warning per restated month, then its changed KPIs as the cards write them (in the
    workspace's currency), and every other changed figure of its report behind an expander."""
    currency = data.report(ws).currency if found and data.report_months(ws) else None
    for restatement in found:
        headline = headline_changes(restatement.changes, currency)
        others = other_changes(restatement.changes)
        st.warning(f"{state.month_label(restatement.month)} was reported on {restatement.reported_at:%Y-%m-%d}; the "
                   f"data now changes {len(headline)} of its KPIs and {len(others)} other figure(s):",
                   icon=":material/history:")
        if len(headline):
            st.table(headline.set_index("KPI"))
        if len(others):
            with st.expander(f"The {len(others)} other figure(s) of {state.month_label(restatement.month)}"):
                st.dataframe(others, hide_index=True, width="stretch")


def after_update(ws: state.Workspace) -> list[Restatement]:
    """Right after new files are saved into `ws`: the reported months they restate, with a link
    to Workspaces, or that every reported month keeps its numbers."""
    if ws.id is None or not (reported := state.store().snapshots(ws.id, by=state.owner())):
        return []
    found = restatements(ws)
    if found:
        st.subheader("Restated months")
        st.caption("These files change months you already reported; tell whoever received those figures.")
        show(found, ws)
        st.page_link("app_pages/workspaces.py", label="Reported months on Workspaces", icon=":material/folder_open:")
    else:
        months = ", ".join(state.month_label(s.month) for s in reported)
        st.success(f"The months already reported keep their numbers: {months}.", icon=":material/verified:")
    return found
