"""Widgets of the Map columns page: a sheet's preview, its table and one column per field."""

from __future__ import annotations

import streamlit as st

from kpi.ingest.io import Sheet
from kpi.ingest.mapping import WIDE_TABLES, TableMapping, TableQuality
from kpi.ingest.recognise import recognise
from kpi.ingest.schema import TABLES
from kpi.text import escape_markdown

NOT_USED = "— not used —"
PREFIX = "map::"


def reset() -> None:
    """Forget every editor widget's state (after loading a mapping from JSON)."""
    for key in [k for k in st.session_state if str(k).startswith(PREFIX)]:
        del st.session_state[key]


@st.cache_resource(max_entries=256, ttl=3600, show_spinner=False)
def _proposal(key: str, header: tuple, _sheet: Sheet):  # keyed by sheet key and header
    return recognise(_sheet)


def sheet_editor(sheet: Sheet, current: TableMapping | None) -> TableMapping | None:
    """Draw the preview and the choices for one sheet; return the mapping they describe."""
    proposal = _proposal(sheet.key, tuple(sheet.frame.columns), sheet)
    st.caption(f"Header found on row {sheet.header_row}. First rows:")
    st.dataframe(sheet.frame.head(8), width="stretch")
    tables = [NOT_USED, *TABLES]
    chosen = current.table if current is not None else None
    table = st.selectbox(
        "This sheet is", tables, index=tables.index(chosen) if chosen in TABLES else 0,
        key=f"{PREFIX}{sheet.key}::table",
        help=f"Recognised as {proposal.table} ({proposal.confidence:.0%})." if proposal.table else
        "Not recognised automatically.",
    )
    if proposal.reason:
        st.caption(escape_markdown(f"Why {proposal.table or 'no table'}: {proposal.reason}."))
    if table == NOT_USED:
        return None
    layout = "long"
    if table in WIDE_TABLES:
        across = "cost category" if table == "costs" else "month"
        wide = st.toggle(f"One column per {across} (wide)", value=bool(
            (current and current.table == table and current.layout == "wide")
            or (current is None and proposal.table == table and proposal.layout == "wide")),
            key=f"{PREFIX}{sheet.key}::{table}::wide")
        layout = "wide" if wide else "long"
    headers = [NOT_USED, *map(str, sheet.frame.columns)]
    mapped = current.columns if current is not None and current.table == table else {}
    same_table = proposal.table == table
    wide_key = {"mrr": "customer_id", "plan": "metric"}.get(table, "month")
    fields = TABLES[table].fields if layout == "long" else [TABLES[table].field(wide_key)]
    columns = {}
    grid = st.columns(3)
    for position, schema_field in enumerate(fields):
        default = mapped.get(schema_field.name)
        confidence = proposal.field_confidence.get(schema_field.name) if same_table else None
        label = schema_field.name + (" *" if schema_field.required else "")
        hint = f"Auto-mapped with {confidence:.0%} confidence." if confidence and default == proposal.columns.get(
            schema_field.name) else None
        with grid[position % 3]:
            choice = st.selectbox(label, headers, index=headers.index(default) if default in headers else 0,
                                  key=f"{PREFIX}{sheet.key}::{table}::{schema_field.name}", help=hint)
        if choice != NOT_USED:
            columns[schema_field.name] = choice
    reasons = [f"**{escape_markdown(name)}** ← {escape_markdown(why)}" for name, why in proposal.field_reasons.items()
               if same_table and name in columns and columns[name] == proposal.columns.get(name)]
    if reasons:  # why each auto-mapped column was chosen, as `python -m kpi recognise` says it
        st.caption("  \n".join(reasons))
    options = dict(current.options) if current is not None and current.table == table else {}
    if any(f.kind in ("amount", "signed_amount") for f in TABLES[table].fields):
        cents = st.toggle("Amounts are in cents (2900 means 29.00)", value=options.get("amount_unit") == "cents",
                          key=f"{PREFIX}{sheet.key}::{table}::cents",
                          help="Billing APIs such as Chargebee's write money in minor units: every amount of "
                               "this sheet is then divided by 100.")
        options.pop("amount_unit", None)
        if cents:
            options["amount_unit"] = "cents"
    return TableMapping(table, columns, layout, options)


def quality_summary(quality: TableQuality) -> None:
    """Rows read / used, what deserves a look, and the rejected rows of one sheet, as the user edits."""
    for warning in quality.warnings:
        st.warning(escape_markdown(warning), icon=":material/info:")
    rejected_rows = quality.rows_read - quality.rows_used
    if rejected_rows == 0:
        st.success(f"All {quality.rows_read} rows read as {quality.table} count.", icon=":material/check_circle:")
        return
    st.warning(f"{quality.rows_used} of {quality.rows_read} rows count as {quality.table}; "
               f"{rejected_rows} row(s) rejected:", icon=":material/warning:")
    st.dataframe(quality.rejected.head(500).rename(columns=str.capitalize), hide_index=True, width="stretch")
