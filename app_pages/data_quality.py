"""Data quality: for every file and sheet, rows read, rows used and each rejected row with why."""

import pandas as pd
import streamlit as st

from kpi.ingest.empty_sheets import no_data_rows
from kpi.text import escape_markdown
from ui import data, state

current = state.current()
quality_of = data.tables(current.workspace).quality  # the files' own: no report, whatever the filter

st.title("Data quality")
st.caption("Every sheet of the workspace, what it was read as, and every row that could not count. "
           "Rows that are fine always still count.")

summary = pd.DataFrame(
    [
        {"Source": key, "Read as": quality.table, "Rows read": quality.rows_read,
         "Rows used": quality.rows_used, "Rows rejected": quality.rows_read - quality.rows_used}
        for key, quality in quality_of.items()
    ]
)
st.dataframe(summary, hide_index=True, width="stretch")
for sheet in data.sheets(current.workspace):
    if (empty := no_data_rows(sheet)) is not None:
        st.warning(escape_markdown(f"{sheet.key}: not used, {empty.message}"), icon=":material/table_rows:")

for key, quality in quality_of.items():
    for warning in quality.warnings:
        st.warning(escape_markdown(f"{key}: {warning}"), icon=":material/warning:")
    if quality.table == "subscriptions" and quality.warnings:
        reading = {"add": "a customer's rows add up", "replace": "a customer's newer row replaces the older one"}
        rows_reading = current.report_settings.subscription_rows
        st.caption(f"Subscription rows in force (Definitions & settings): {reading.get(rows_reading, rows_reading)}.")
    if quality.rejected.empty:
        continue
    with st.expander(f"{escape_markdown(key)}: {len(quality.rejected)} rejected cell(s)"):
        st.dataframe(
            quality.rejected.rename(columns=str.capitalize), hide_index=True, width="stretch",
        )
