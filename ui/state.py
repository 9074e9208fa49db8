"""Session state in one place: the current workspace and the sidebar's choices.

A workspace is a set of files (name → bytes) and the mapping that turns them into canonical
tables. Every session starts on the bundled demo company; uploading files creates the
session's own workspace. The as-of month lives in the sidebar widget and in the URL query
string (`?as_of=2026-10`), so choices persist across pages and a view can be shared by link.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from kpi.ingest.layouts import home as layouts_home
from kpi.ingest.mapping import Mapping, mapping_to_json
from kpi.report.build import Settings
from kpi.report.settings_json import settings_from_json, settings_to_json, targets_from_json, update_texts_from_json
from kpi.store.model import DEMO_NAME, NotFound, StoredWorkspace
from kpi.store.tables import database_url
from kpi.store.workspaces import Store
from kpi.text import escape_markdown
from ui import data
from ui.choices import GRANULARITIES, Filters, State, Workspace  # noqa: F401  (pages use state.State)

DEMO = DEMO_NAME


@st.cache_resource(max_entries=4)
def _store(url: str) -> Store:
    """One store per database (thread-safe, shared by the sessions). Layouts remembered by an
    older version in a JSON file are moved in on first start (local use)."""
    store = Store(url)
    legacy = layouts_home() / "layouts.json"
    if legacy.exists():
        store.import_layouts_file(legacy, owner=None)
        legacy.rename(legacy.with_suffix(".json.imported"))
    return store


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: local use, nothing configured
        return {}


def store() -> Store:
    return _store(database_url(_secrets()))


def owner() -> str | None:
    """Who owns the workspaces of this session: the signed-in e-mail (set by app.py through
    ui.auth.gate), None for local use without sign-in."""
    return st.session_state.get("user")


def role() -> str:
    """The signed-in user's role on the current workspace: "owner", "editor", "viewer" or "none"
    (`Store.role`); local use without sign-in, or a workspace not saved yet, is the owner's."""
    ws = workspace()
    if ws.id is None or owner() is None:
        return "owner"
    try:
        return store().role(ws.id, by=owner())
    except NotFound:  # the owner stopped sharing it, or deleted it, since this session opened it
        return "none"


def can_edit() -> bool:
    """Whether this session may change the current workspace (the store refuses a viewer anyway)."""
    return role() in ("owner", "editor")


def forget_if_gone() -> bool:
    """Drop the session's workspace when the store no longer lets this user open it (deleted, or
    its owner stopped sharing it since this session opened it); whether it did. The session then
    falls back to the user's own first workspace."""
    current = st.session_state.get("workspace")
    if current is None or current.id is None or store().can_open(current.id, by=owner()):
        return False
    set_workspace(None)
    return True


def _from_store(stored: StoredWorkspace) -> Workspace:
    return Workspace(stored.name, data.shared_files(stored.files), stored.mapping, id=stored.id, version=stored.version)


def open_workspace(workspace_id: int) -> Workspace:
    """Load a saved workspace into the session (its settings too)."""
    stored = store().load(workspace_id, by=owner())  # another user's id is NotFound
    ws = _from_store(stored)
    set_workspace(ws)
    st.session_state["kpi_settings"] = settings_from_json(stored.settings_json)
    st.session_state["kpi_targets"] = targets_from_json(stored.settings_json)
    st.session_state["kpi_update_texts"] = update_texts_from_json(stored.settings_json)
    return ws


def workspace() -> Workspace:
    """The session's current workspace: the one it opened, else the owner's first (the demo on
    first start)."""
    current = st.session_state.get("workspace")
    if current is not None:
        return current
    listed = store().list_workspaces(owner())
    if not listed:
        store().ensure_demo(owner=owner())
        listed = store().list_workspaces(owner())
    linked = st.query_params.get("ws")  # a link (or a reload) names the workspace it shows
    chosen = next((w for w in listed if str(w.id) == linked), None)
    chosen = chosen or next((w for w in listed if w.name == DEMO), listed[0])
    return open_workspace(chosen.id)


def set_workspace(new: Workspace | None, *, keep_month: bool = False) -> None:
    """Switch the session to `new` (None: back to the owner's first workspace)."""
    st.session_state["workspace"] = new
    if not keep_month:
        st.session_state.pop("as_of_select", None)


def save_mapping(ws: Workspace, mapping: Mapping) -> Workspace:
    """Save a workspace's new mapping and make it current. Raises store.Conflict when another
    session changed the mapping since this one loaded it (nothing is saved then)."""
    if ws.id is None:
        new = replace(ws, mapping=mapping)
    else:
        version = store().save_mapping(ws.id, mapping_to_json(mapping), base_version=ws.version, by=owner())
        new = replace(ws, mapping=mapping, version=version)
    set_workspace(new, keep_month=True)
    return new


def create_workspace(name: str, files: dict[str, bytes], mapping: Mapping) -> Workspace:
    """A new saved workspace from uploaded files, made current."""
    workspace_id = store().create_workspace(name, owner=owner(), files=files, mapping_json=mapping_to_json(mapping),
                                            by=owner())
    return open_workspace(workspace_id)


def update_workspace(ws: Workspace, files: dict[str, bytes], remove: dict[str, str], mapping: Mapping) -> Workspace:
    """Next month's files into the saved workspace `ws`, in one write: `files` added or replacing
    those of the same name, `remove` (old name → new name) dropped, `mapping` saved; its settings,
    targets, investor-update texts and reported months stay. Reloaded and made current. Raises
    store.Conflict when another session saved one of these items since `ws` was loaded (nothing
    is saved then)."""
    store().update_files(ws.id, files, remove=remove, mapping_json=mapping_to_json(mapping), base_version=ws.version,
                         by=owner())
    return open_workspace(ws.id)


def layout_memory():
    """Remembered mappings per file layout, in the store."""
    return store().layout_memory(owner())


def month_label(month: str) -> str:
    """'2026-10' → 'October 2026'."""
    return pd.Period(month, freq="M").strftime("%B %Y")


def settings() -> Settings:
    """The session's conventions (edited on Definitions & settings, saved with the workspace)."""
    return st.session_state.get("kpi_settings") or Settings()


def set_settings(new: Settings) -> None:
    _save_settings(kpi_settings=new)


def targets() -> dict[str, float]:
    """The workspace's KPI targets ({"mrr": 60000, "logo_churn_rate": 0.02, …}; rates as fractions),
    set on Definitions & settings and read by the investor update's highlights."""
    return dict(st.session_state.get("kpi_targets") or {})


def set_targets(new: dict[str, float]) -> None:
    _save_settings(kpi_targets=dict(new))


def update_text(as_of: str, period: str) -> dict:
    """What the founder wrote for one investor update (month or quarter ending `as_of`):
    {"commentary": {"product"|"hires"|"asks": text}, "narratives": {"<compare>:<language>": text}}."""
    record = (st.session_state.get("kpi_update_texts") or {}).get(f"{as_of}:{period}", {})
    return {"commentary": dict(record.get("commentary", {})), "narratives": dict(record.get("narratives", {}))}


def set_update_text(as_of: str, period: str, record: dict) -> None:
    """Keep an update's texts with the workspace: a reload, a restart or a colleague finds them."""
    texts = dict(st.session_state.get("kpi_update_texts") or {})
    texts[f"{as_of}:{period}"] = record
    _save_settings(kpi_update_texts=texts)


def _save_settings(**changes: object) -> None:
    """Settings, targets and investor-update texts, saved together with the workspace (one JSON
    object); `changes` (kpi_settings, kpi_targets, kpi_update_texts) reach the session only once
    the store has taken them, so a refused save (a viewer: store.ReadOnly) changes nothing."""
    ws = workspace()
    kept = {"kpi_settings": settings(), "kpi_targets": targets(),
            "kpi_update_texts": st.session_state.get("kpi_update_texts") or {}} | changes
    if ws.id is not None:
        version = store().save_settings(ws.id, settings_to_json(
            kept["kpi_settings"], targets=kept["kpi_targets"], investor_updates=kept["kpi_update_texts"]),
            by=owner())
        st.session_state["workspace"] = replace(ws, version=version)
    st.session_state.update(changes)


def _months(current: Workspace) -> list[str]:
    return [str(month) for month in data.report_months(current)]


def _attributes(current: Workspace) -> dict[str, list[str]]:
    return data.attributes(current)


def _linked_list(name: str) -> list[str]:
    value = st.query_params.get(name)
    return [v for v in value.split(",") if v] if value else []


def sidebar() -> State:
    """Draw the shared sidebar and return the choices it holds.

    The first run of a session takes its choices from the link (`?as_of=2026-06&granularity=
    quarter&segment=SMB,Enterprise`), else the defaults; after that the widgets own them and
    the link follows them, so a view can be shared."""
    current = workspace()
    months = _months(current)
    attributes = _attributes(current)
    with st.sidebar:
        st.caption("Workspace")
        st.markdown(f"**{escape_markdown(current.name)}**")
        if current.name == DEMO:
            st.caption("Bundled demo data: a French B2B SaaS, 36 months of exports. Upload your own files "
                       "on the Upload page.")
        else:
            st.caption(f"{len(current.files)} file(s), {len(current.mapping)} mapped sheet(s).")
            if st.button("Workspaces", icon=":material/folder_open:"):
                st.switch_page("app_pages/workspaces.py")
        if not months:
            return State(current, None, settings=settings())
        by_label = {month_label(month): month for month in months[::-1]}
        if st.session_state.get("as_of_select") not in by_label:
            linked = st.query_params.get("as_of")
            st.session_state["as_of_select"] = month_label(linked if linked in months else months[-1])
        label = st.selectbox("As of month", options=list(by_label), key="as_of_select",
                             help="KPIs are month-end snapshots of this month, compared with the month before.")
        if st.session_state.get("granularity") not in GRANULARITIES:
            linked = st.query_params.get("granularity")
            st.session_state["granularity"] = linked if linked in GRANULARITIES else "month"
        granularity = st.segmented_control("Trends by", GRANULARITIES, key="granularity",
                                           format_func=str.capitalize, help="Granularity of trends and cohorts.")
        chosen: list[tuple[str, tuple[str, ...]]] = []
        if attributes:
            with st.expander("Segment filters", expanded=bool(any(st.query_params.get(a) for a in attributes))):
                for attribute, values in attributes.items():
                    key = f"filter::{attribute}"
                    if key not in st.session_state:
                        st.session_state[key] = [v for v in _linked_list(attribute) if v in values]
                    picked = st.multiselect(escape_markdown(attribute.replace("_", " ").capitalize()), values, key=key,
                                            placeholder="All")
                    if picked:
                        chosen.append((attribute, tuple(picked)))
    choice = by_label[label]
    if current.id is not None:
        st.query_params["ws"] = str(current.id)
    st.query_params["as_of"] = choice
    st.query_params["granularity"] = granularity or "month"
    for attribute in attributes:
        values = dict(chosen).get(attribute)
        if values:
            st.query_params[attribute] = ",".join(values)
        elif attribute in st.query_params:
            del st.query_params[attribute]
    return State(current, choice, granularity or "month", tuple(chosen), settings())


def current() -> State:
    """The choices made in the sidebar (drawn by app.py before any page runs)."""
    ws = workspace()
    months = _months(ws)
    if not months:
        return State(ws, None, settings=settings())
    by_label = {month_label(month): month for month in months}
    chosen = by_label.get(st.session_state.get("as_of_select"))
    linked = st.query_params.get("as_of")
    as_of = chosen or (linked if linked in months else months[-1])
    granularity = st.session_state.get("granularity") or st.query_params.get("granularity") or "month"
    granularity = granularity if granularity in GRANULARITIES else "month"
    filters = []
    for attribute, values in _attributes(ws).items():
        picked = st.session_state.get(f"filter::{attribute}")
        if picked is None:
            picked = [v for v in _linked_list(attribute) if v in values]
        if picked:
            filters.append((attribute, tuple(picked)))
    return State(ws, as_of, granularity, tuple(filters), settings())
