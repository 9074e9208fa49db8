"""Data quality: for every file and sheet, rows read, rows used and each rejected row with why."""

import pandas as pd
import streamlit as st

from kpi.text import escape_markdown
from ui import data, state

current = state.current()
report = data.report(current)

st.title("Data quality")
st.caption("Every sheet of the workspace, what it was read as, and every row that could not count. "
           "Rows that are fine always still count.")

summary = pd.DataFrame(
    [
        {"Source": key, "Read as": quality.table, "Rows read": quality.rows_read,
         "Rows used": quality.rows_used, "Rows rejected": quality.rows_read - quality.rows_used}
        for key, quality in report.quality.items()
    ]
)
st.dataframe(summary, hide_index=True, width="stretch")

for key, quality in report.quality.items():
    for warning in quality.warnings:
        st.warning(escape_markdown(f"{key}: {warning}"), icon=":material/warning:")
    if quality.rejected.empty:
        continue
    with st.expander(f"{escape_markdown(key)}: {len(quality.rejected)} rejected cell(s)"):
        st.dataframe(
            quality.rejected.rename(columns=str.capitalize), hide_index=True, width="stretch",
        )
