"""Upload: drop your exports; each sheet is recognised and mapped, ready to check on Map columns."""

import hashlib

import pandas as pd
import streamlit as st

from kpi.errors import InputError
from kpi.ingest.empty_sheets import no_data_rows
from kpi.ingest.io import PARQUET_SUFFIXES, TEXT_SUFFIXES, WORKBOOK_SUFFIXES
from kpi.ingest.recognise import recognise
from kpi.text import escape_markdown
from ui import data, state

st.title("Upload your files")
st.caption("Billing exports (Stripe, Chargebee…), customer lists, NPS / CSAT / CES answers, support tickets, "
           "product events, costs. CSV, TSV, TXT, Excel (every sheet), ODS or Parquet; French or English.")

uploads = st.file_uploader(
    "Drop your exports here", accept_multiple_files=True,
    type=sorted(s.lstrip(".") for s in TEXT_SUFFIXES | WORKBOOK_SUFFIXES | PARQUET_SUFFIXES),
)
if not uploads:
    st.info("Nothing uploaded yet. Meanwhile every page shows the bundled demo company.")
    st.stop()

memory = state.layout_memory()
files: dict[str, bytes] = {}
rows = []
warnings: list[str] = []  # what the readers had to adapt, said before the user relies on it
mapping = {}
progress = st.progress(0.0, text="Reading files…")
for position, upload in enumerate(uploads):
    progress.progress(position / len(uploads), text=f"Reading {upload.name}…")
    content = upload.getvalue()
    try:
        sheets = data.sheets_of_file(upload.name, content, hashlib.sha256(content).hexdigest())
    except InputError as error:
        st.error(escape_markdown(f"{upload.name} was not read: {error.message}"))
        continue
    files[upload.name] = content
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
            proposal = recognise(sheet)
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
if files:
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
