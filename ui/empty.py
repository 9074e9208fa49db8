"""What a page says when the data it needs was not given: what to upload, with the template."""

from __future__ import annotations

import streamlit as st

from kpi.ingest.schema import TABLES
from kpi.ingest.templates import template_csv, template_label


def missing(tables: tuple[str, ...], unlocks: str) -> None:
    """An info box naming the tables to upload and map, and a template download for each."""
    names = " or ".join(f"**{t}**" for t in tables)
    st.info(f"To see {unlocks}, upload a {names} file and map it on the **Map columns** page. "
            "The templates show the columns we read (any language and header names work: you map them).",
            icon=":material/upload_file:")
    columns = st.columns(min(4, len(tables)))
    for column, table in zip(columns, tables):
        with column:
            fields = ", ".join(f"`{f.name}`" + ("*" if f.required else "") for f in TABLES[table].fields)
            st.download_button(template_label(table), template_csv(table),
                               file_name=f"{table}_template.csv", mime="text/csv", icon=":material/download:",
                               help=f"Columns: {fields} (* required).", key=f"template::{table}")
