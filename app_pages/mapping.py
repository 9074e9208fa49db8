"""Map columns: for each sheet, its table and the column of each field — pre-filled, editable, checked live."""

import streamlit as st

from kpi.errors import InputError
from kpi.ingest.empty_sheets import no_data_rows
from kpi.ingest.mapping import mapping_to_json, parse_mapping
from kpi.store.model import Conflict
from kpi.text import escape_markdown
from ui import access, data, mapping_editor, state

ws = state.workspace()
st.title("Map columns")
st.caption(f"{escape_markdown(ws.name)} · each sheet's table and the column feeding each field. Choices were pre-filled by "
           "automatic recognition (confidence shown); every change is checked at once against the data and "
           "remembered for files with the same headers.")

read_only = access.read_only()  # a "can view" guest sees the mapping, changes nothing
if read_only:
    access.explain()
loaded = st.file_uploader("Load a mapping (JSON)", type=["json"], key="mapping_upload", disabled=read_only,
                          help="The same JSON the download button gives and `python -m kpi report --mapping` takes.")
if loaded is not None and st.session_state.get("mapping_upload_seen") != loaded.file_id:
    st.session_state["mapping_upload_seen"] = loaded.file_id
    try:
        incoming = parse_mapping(loaded.getvalue().decode("utf-8", errors="replace"), source=loaded.name)
    except InputError as error:
        st.error(escape_markdown(str(error)))
    else:
        known = {sheet.key for sheet in data.sheets(ws)}
        unknown = sorted(set(incoming) - known)
        if unknown:
            st.warning(escape_markdown(f"Ignored entries for sheets not in this workspace: {', '.join(unknown)}"))
        mapping_editor.reset()
        try:
            state.save_mapping(ws, {k: v for k, v in incoming.items() if k in known})
        except Conflict as conflict:
            st.session_state["mapping_conflict"] = conflict
        st.rerun()

conflict = st.session_state.get("mapping_conflict")
if conflict is not None:
    st.warning(escape_markdown(str(conflict)), icon=":material/sync_problem:")
    reload, mine = st.columns(2)
    if reload.button("Reload the saved mapping", icon=":material/refresh:"):
        st.session_state.pop("mapping_conflict")
        mapping_editor.reset()
        state.open_workspace(ws.id)
        st.rerun()
    if mine.button("Replace it with mine", icon=":material/save:"):
        st.session_state.pop("mapping_conflict")
        state.save_mapping(state.Workspace(ws.name, ws.files, ws.mapping, id=ws.id, version=conflict.current_version),
                           st.session_state.pop("mapping_pending", ws.mapping))
        st.rerun()

memory = state.layout_memory()
sheets = data.sheets(ws)
statuses = {}
for sheet in sheets:
    saved = ws.mapping.get(sheet.key)
    empty = no_data_rows(sheet) is not None
    statuses[sheet.key] = mapping_editor.sheet_status(
        sheet, saved, data.check(ws, sheet, saved) if saved is not None and not empty else None, empty)
attention = sum(status.attention for status in statuses.values())
summary, go = st.columns([3, 1], vertical_alignment="center")
summary.markdown(f"{len(sheets)} sheet(s) · {sum(sheet.key in ws.mapping for sheet in sheets)} used · "
                 + (f"**{attention} need(s) a look** (opened below)" if attention else "nothing needs a look"))
if go.button("Looks right → see your numbers", type="primary", icon=":material/dashboard:"):
    st.switch_page("app_pages/overview.py")

drafts = {}
for sheet in sheets:
    status = statuses[sheet.key]
    with st.expander(status.label, icon=status.icon, expanded=status.attention):
        if (empty := no_data_rows(sheet)) is not None:  # nothing to map: said, and left out of the mapping
            st.warning(escape_markdown(empty.message), icon=":material/table_rows:")
            continue
        draft = mapping_editor.sheet_editor(ws, sheet, ws.mapping.get(sheet.key), disabled=read_only)
        if draft is None:
            continue
        quality = data.check(ws, sheet, draft)
        if isinstance(quality, InputError):
            st.error(escape_markdown(quality.message))
            continue
        drafts[sheet.key] = draft
        if ws.name != state.DEMO and not read_only:
            memory.remember(sheet, draft)  # next month's file with these headers maps itself
        mapping_editor.quality_summary(quality)

if drafts != ws.mapping and conflict is None and not read_only:
    try:
        state.save_mapping(ws, drafts)  # saved at once: every edit is kept
    except Conflict as error:
        st.session_state["mapping_conflict"] = error
        st.session_state["mapping_pending"] = drafts
    st.rerun()

st.download_button("Download this mapping (JSON)", mapping_to_json(ws.mapping), file_name="mapping.json",
                   mime="application/json", icon=":material/download:")
