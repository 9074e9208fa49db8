"""Session state in one place: the current workspace and the sidebar's choices.

A workspace is a set of files (name → bytes) and the mapping that turns them into canonical
tables. Every session starts on the bundled demo company; uploading files creates the
session's own workspace. The as-of month lives in the sidebar widget and in the URL query
string (`?as_of=2026-10`), so choices persist across pages and a view can be shared by link.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from kpi.demo import demo_files, demo_mapping
from kpi.mapping import Mapping

DEMO = "Plumeo (demo company)"


@dataclass(frozen=True)
class Workspace:
    """Files and their mapping; `key` is a content hash (files and mapping) for caches."""

    name: str
    files: dict[str, bytes]
    mapping: Mapping = field(default_factory=dict)

    @property
    def digests(self) -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, data in self.files.items()}

    @property
    def key(self) -> str:
        digest = hashlib.sha256()
        for name, value in sorted(self.digests.items()):
            digest.update(f"{name}\0{value}\0".encode())
        for key, table_mapping in sorted(self.mapping.items()):
            digest.update(f"{key}\0{table_mapping.to_json()}\0".encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class State:
    workspace: Workspace
    as_of: str | None  # YYYY-MM, None when the workspace has no revenue months


@st.cache_resource(max_entries=1)
def _demo_workspace() -> Workspace:
    """The bundled demo, read once per server (same bytes for everyone: nothing private)."""
    return Workspace(DEMO, {path.name: path.read_bytes() for path in demo_files()}, demo_mapping())


def workspace() -> Workspace:
    """The session's current workspace: its own uploads once there are some, else the demo."""
    return st.session_state.get("workspace") or _demo_workspace()


def set_workspace(new: Workspace | None, *, keep_month: bool = False) -> None:
    """Switch the session to `new` (None: back to the demo)."""
    st.session_state["workspace"] = new
    if not keep_month:
        st.session_state.pop("as_of_select", None)


def month_label(month: str) -> str:
    """'2026-10' → 'October 2026'."""
    return pd.Period(month, freq="M").strftime("%B %Y")


def _months(current: Workspace) -> list[str]:
    from ui import data  # ui.data imports this module

    return [str(month) for month in data.report(current).months]


def sidebar() -> State:
    """Draw the shared sidebar and return the choices it holds.

    The first run of a session takes the as-of month from the link (`?as_of=`), else the
    latest month; after that the widget owns it and the link follows it."""
    current = workspace()
    months = _months(current)
    with st.sidebar:
        st.caption("Workspace")
        st.markdown(f"**{current.name}**")
        if current.name == DEMO:
            st.caption("Bundled demo data: a French B2B SaaS, 36 months of exports. Upload your own files "
                       "on the Upload page.")
        else:
            st.caption(f"{len(current.files)} file(s), {len(current.mapping)} mapped sheet(s).")
            if st.button("Back to the demo company", icon=":material/undo:"):
                set_workspace(None)
                st.rerun()
        if not months:
            return State(current, None)
        by_label = {month_label(month): month for month in months[::-1]}
        if st.session_state.get("as_of_select") not in by_label:
            linked = st.query_params.get("as_of")
            st.session_state["as_of_select"] = month_label(linked if linked in months else months[-1])
        label = st.selectbox("As of month", options=list(by_label), key="as_of_select",
                             help="KPIs are month-end snapshots of this month, compared with the month before.")
    choice = by_label[label]
    st.query_params["as_of"] = choice
    return State(current, choice)


def current() -> State:
    """The choices made in the sidebar (drawn by app.py before any page runs)."""
    ws = workspace()
    months = _months(ws)
    if not months:
        return State(ws, None)
    by_label = {month_label(month): month for month in months}
    chosen = by_label.get(st.session_state.get("as_of_select"))
    linked = st.query_params.get("as_of")
    return State(ws, chosen or (linked if linked in months else months[-1]))
