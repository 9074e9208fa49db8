"""Upload: drop your exports; each sheet is recognised and mapped, ready to check on Map columns.
Next month's exports go into the open workspace: each file replaces the stored one of the same
name or layout, or is added (kpi.ingest.replacements); a reported month they change shows at once."""

import hashlib

import pandas as pd
import streamlit as st

from kpi.errors import InputError
from kpi.ingest.empty_sheets import no_data_rows
from kpi.ingest.io import PARQUET_SUFFIXES, TEXT_SUFFIXES, WORKBOOK_SUFFIXES
from kpi.ingest.replacements import plan_update
from kpi.store.model import Conflict
from kpi.text import escape_markdown
from ui import access, data, mapping_editor, restatements, state

ws = state.workspace()
st.title("Upload your files")
st.caption("Billing exports (Stripe, Chargebee…), customer lists, NPS / CSAT / CES answers, support tickets, "
           "product events, costs. CSV, TSV, TXT, Excel (every sheet), ODS or Parquet; French or English.")

saved = st.session_state.pop("upload_saved", None)
if saved is not None:  # next month's files were just saved into this workspace: what they changed, at once
    st.success(saved, icon=":material/check:")
    restatements.after_update(ws)

upload_round = st.session_state.get("upload_round", 0)  # a new round after saving empties the uploader
read_only = access.read_only()  # a "can view" guest: nothing to drop here
uploads = st.file_uploader(
    "Drop your exports here", accept_multiple_files=True, key=f"uploads_{upload_round}",
    type=sorted(s.lstrip(".") for s in TEXT_SUFFIXES | WORKBOOK_SUFFIXES | PARQUET_SUFFIXES), disabled=read_only,
)
if read_only:
    access.explain()
    st.stop()
if not uploads:
    st.info("Nothing uploaded yet. Meanwhile every page shows " + ("the bundled demo company." if ws.name == state.DEMO
                                                                  else f"“{escape_markdown(ws.name)}”."))
    st.stop()

memory = state.layout_memory()
files: dict[str, bytes] = {}
uploaded_sheets = []
rows = []
warnings: list[str] = []  # what the readers had to adapt, said before the user relies on it
mapping = {}
progress = st.progress(0.0, text="Reading files…")
for position, upload in enumerate(uploads):
    progress.progress(position / len(uploads), text=f"Reading {upload.name}…")
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    try:
        sheets = data.sheets_of_file(upload.name, content, digest)
    except InputError as error:
        st.error(escape_markdown(f"{upload.name} was not read: {error.message}"))
        continue
    files[upload.name] = content
    uploaded_sheets.extend(sheets)
    for sheet in sheets:
        if (empty := no_data_rows(sheet)) is not None:  # readable, but nothing to count: said, not mapped
            rows.append({"File / sheet": sheet.key, "Data rows": 0, "Header on row": sheet.header_row,
                         "Recognised as": "— no data rows —", "Confidence": None, "Notes": empty.message})
            continue
        remembered = memory.recall(sheet)
        if remembered is not None:
            mapping[sheet.key] = remembered
            found, confidence = f"{remembered.table} (remembered mapping)", 1.0
        else:
            proposal = mapping_editor.recognised(digest, sheet)
            if proposal.table is not None:
                mapping[sheet.key] = proposal.mapping()
            found, confidence = proposal.table or "— not recognised —", proposal.confidence if proposal.table else None
        notes = [f"{len(sheet.warnings)} warning(s), below"] if sheet.warnings else []
        if sheet.key in mapping and mapping[sheet.key].options.get("amount_unit") == "cents":
            notes.append("amounts in cents, divided by 100")
        rows.append({"File / sheet": sheet.key, "Data rows": len(sheet.frame), "Header on row": sheet.header_row,
                     "Recognised as": found, "Confidence": confidence, "Notes": "; ".join(notes)})
        warnings.extend(f"{sheet.key}: {warning}" for warning in sheet.warnings)
progress.progress(1.0, text=f"Read {len(files)} of {len(uploads)} file(s).")

if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={"Confidence": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")})
for warning in warnings:
    st.warning(escape_markdown(warning), icon=":material/warning:")
if not files:
    st.stop()
update = None
if ws.id is not None:  # a saved workspace (the bundled demo too): next month's files may go into it
    try:
        update = plan_update(ws.files, data.sheets(ws), ws.mapping, files, uploaded_sheets, mapping)
    except InputError:  # a stored file no longer reads: only a new workspace is offered
        update = None
into, new_workspace = f"Add to / update “{escape_markdown(ws.name)}”", "Create a new workspace"
if update is not None:
    # A first upload on the demo that replaces none of its files is someone's own data, not the demo's next month.
    fresh_start = ws.name == state.DEMO and not any(m.replaces for m in update.matches)
    choice = st.radio("Where do these files go?", [into, new_workspace], index=1 if fresh_start else 0,
                      horizontal=True, key="upload_into")
else:
    choice = new_workspace

if (conflict := st.session_state.pop("upload_conflict", None)) is not None:
    st.error(conflict, icon=":material/sync_problem:")
if choice == into:
    st.table(pd.DataFrame({"File": [m.upload for m in update.matches], "What changes": update.lines}),
             hide_index=True)
    st.caption("A file replaces the one of the same name, else the one with the same columns; any other is added. "
               "A replaced sheet keeps its mapping; settings, targets, investor-update texts and reported months "
               "stay.")
    if st.button(f"Update “{escape_markdown(ws.name)}”", type="primary", icon=":material/sync:",
                 disabled=not update.changes_files,
                 help=None if update.changes_files else "These files are already in the workspace, byte for byte."):
        try:
            state.update_workspace(ws, update.put, update.remove, update.mapping)
        except Conflict as conflict:  # said once, over the workspace as it is now (reloaded), to check again
            state.open_workspace(ws.id)
            st.session_state["upload_conflict"] = escape_markdown(
                f"Nothing was saved: {conflict.item} was changed in another session after you opened “{ws.name}”, "
                "whose latest version is loaded now, so check the changes below and update again.")
            st.rerun()
        except InputError as error:
            st.error(escape_markdown(error.message))
        else:
            st.session_state["upload_saved"] = f"Saved into “{escape_markdown(ws.name)}”:\n" + "\n".join(
                f"- {escape_markdown(m.upload)}: {escape_markdown(line)}"
                for m, line in zip(update.matches, update.lines, strict=True))
            st.session_state["upload_round"] = upload_round + 1
            st.rerun()
else:
    taken = {w.name for w in state.store().list_workspaces(state.owner())}
    default = next(f"My data {n}" if n > 1 else "My data" for n in range(1, 1000)
                   if (f"My data {n}" if n > 1 else "My data") not in taken)
    name = st.text_input("Workspace name", default, max_chars=120)
    if st.button("Open these files as my workspace", type="primary", icon=":material/arrow_forward:"):
        try:
            state.create_workspace(name, files, mapping)
        except InputError as error:
            st.error(escape_markdown(error.message))
        else:
            st.switch_page("app_pages/mapping.py")
