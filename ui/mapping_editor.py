"""Widgets of the Map columns page: a sheet's preview, its table and one column per field."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from kpi.errors import InputError
from kpi.ingest.io import Sheet
from kpi.ingest.mapping import WIDE_TABLES, TableMapping, TableQuality
from kpi.ingest.proposal import Proposal
from kpi.ingest.recognise import propose_for_table, recognise
from kpi.ingest.schema import TABLES
from kpi.text import escape_markdown, label_of
from ui.choices import Workspace

NOT_USED = "— not used —"
PREFIX = "map::"


@dataclass(frozen=True)
class SheetStatus:
    """What a collapsed sheet says of itself: "billing.csv → subscriptions · 1,204 rows · 3 rows rejected"."""

    label: str  # the expander's label (markdown)
    icon: str  # a material icon: ok, not used, needs attention
    attention: bool  # shown expanded: a column to choose, a sheet that cannot be read, rows rejected, a warning


def sheet_status(sheet: Sheet, mapping: TableMapping | None, checked: TableQuality | InputError | None,
                 empty: bool = False) -> SheetStatus:
    """The status of one sheet under its saved mapping (`checked`: `ui.data.check` of it, None when
    the sheet is not used)."""
    name = f"**{escape_markdown(sheet.key)}**"
    rows = f"{len(sheet.frame):,} data rows"
    if empty:
        return SheetStatus(f"{name} · no data rows", ":material/table_rows:", False)
    if mapping is None or checked is None:
        return SheetStatus(f"{name} · not used · {rows}", ":material/block:", False)
    table = f"{name} → {escape_markdown(label_of(mapping.table))}"
    if isinstance(checked, InputError):
        needs = checked.message.partition("needs the field(s) ")[2].partition(":")[0]
        named = ", ".join(label_of(field.strip()) for field in needs.split(",")) if needs else ""
        problem = f"needs a column: {escape_markdown(named)}" if needs else "cannot be read, see below"
        return SheetStatus(f"{table} · {problem}", ":material/error:", True)
    rejected = checked.rows_read - checked.rows_used
    warnings = len(checked.warnings)
    parts = [f"{checked.rows_read:,} rows"]
    if rejected:
        parts.append(f"{rejected:,} row{'s' * (rejected != 1)} rejected")
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    if mapping.options.get("amount_unit") == "cents":
        parts.append("amounts in cents")  # every amount divided by 100: said without opening the sheet
    attention = bool(rejected or warnings)
    icon = ":material/warning:" if attention else ":material/check_circle:"
    return SheetStatus(f"{table} · {' · '.join(parts)}", icon, attention)


def reset() -> None:
    """Forget every editor widget's state (after loading a mapping from JSON)."""
    for key in [k for k in st.session_state if str(k).startswith(PREFIX)]:
        del st.session_state[key]


# Recognition reads the values too (amounts in cents, dates, money), not only the header: a proposal
# is keyed by the content hash of the sheet's file and the sheet's key, never by its name and header
# alone (two files called billing.csv with the same header may hold different amounts).
@st.cache_resource(max_entries=256, ttl=3600, show_spinner=False)
def _proposal(file_digest: str, sheet_key: str, _sheet: Sheet) -> Proposal:
    return recognise(_sheet)


@st.cache_resource(max_entries=256, ttl=3600, show_spinner=False)
def _table_proposal(file_digest: str, sheet_key: str, table: str, _sheet: Sheet) -> Proposal:
    return propose_for_table(_sheet, table)


def recognised(file_digest: str, sheet: Sheet) -> Proposal:
    """Recognition's proposal for a sheet of a file whose content hash is `file_digest` (an
    upload not saved yet), cached like a workspace's: the Upload page reruns on every click."""
    return _proposal(file_digest, sheet.key, sheet)


def proposal(ws: Workspace, sheet: Sheet, table: str | None = None) -> Proposal:
    """Recognition's proposal for a sheet of the workspace (`recognise`), or with `table` the
    columns proposed for that table (`propose_for_table`); cached by the file's content hash."""
    if table is None:
        return recognised(ws.digests[sheet.file], sheet)
    return _table_proposal(ws.digests[sheet.file], sheet.key, table, sheet)


def sheet_editor(ws: Workspace, sheet: Sheet, current: TableMapping | None,
                 disabled: bool = False) -> TableMapping | None:
    """Draw the preview and the choices for one sheet of the workspace; return the mapping they
    describe (`disabled`: shown, not editable — a "can view" guest)."""
    recognised = proposal(ws, sheet)
    st.caption(f"Header found on row {sheet.header_row}. First rows:")
    st.dataframe(sheet.frame.head(8), width="stretch", placeholder="—")
    tables = [NOT_USED, *TABLES]
    chosen = current.table if current is not None else None
    table = st.selectbox(
        "This sheet is", tables, index=tables.index(chosen) if chosen in TABLES else 0,
        key=f"{PREFIX}{sheet.key}::table", disabled=disabled,
        format_func=lambda name: name if name == NOT_USED else label_of(name),
        help=f"Recognised as {label_of(recognised.table)} ({recognised.confidence:.0%})." if recognised.table else
        "Not recognised automatically.",
    )
    if recognised.reason:
        st.caption(escape_markdown(f"Why {label_of(recognised.table) if recognised.table else 'no table'}: "
                                   f"{recognised.reason}."))
    if table == NOT_USED:
        return None
    kept = current is not None and current.table == table
    # a table the sheet is not mapped to yet: its columns proposed again, as recognition would
    fitting = recognised if recognised.table == table else proposal(ws, sheet, table)
    layout = "long"
    if table in WIDE_TABLES:
        across = "cost category" if table == "costs" else "month"
        wide = st.toggle(f"One column per {across} (wide)", value=bool(
            (kept and current.layout == "wide") or (not kept and fitting.layout == "wide")),
            key=f"{PREFIX}{sheet.key}::{table}::wide", disabled=disabled)
        layout = "wide" if wide else "long"
    headers = [NOT_USED, *map(str, sheet.frame.columns)]
    mapped = current.columns if kept else fitting.columns
    wide_key = {"mrr": "customer_id", "plan": "metric"}.get(table, "month")
    fields = TABLES[table].fields if layout == "long" else [TABLES[table].field(wide_key)]
    columns = {}
    grid = st.columns(3)
    for position, schema_field in enumerate(fields):
        default = mapped.get(schema_field.name)
        confidence = fitting.field_confidence.get(schema_field.name)
        label = label_of(schema_field.name) + (" *" if schema_field.required else "")
        hint = f"Field `{schema_field.name}` of the schema." + (
            f" Auto-mapped with {confidence:.0%} confidence." if confidence and default == fitting.columns.get(
                schema_field.name) else "")
        with grid[position % 3]:
            choice = st.selectbox(label, headers, index=headers.index(default) if default in headers else 0,
                                  key=f"{PREFIX}{sheet.key}::{table}::{schema_field.name}", help=hint,
                                  disabled=disabled)
        if choice != NOT_USED:
            columns[schema_field.name] = choice
    reasons = [f"**{escape_markdown(label_of(name))}** ← {escape_markdown(why)}"
               for name, why in fitting.field_reasons.items()
               if name in columns and columns[name] == fitting.columns.get(name)]
    if reasons:  # why each auto-mapped column was chosen, as `python -m kpi recognise` says it
        st.caption("  \n".join(reasons))
    options = dict(current.options) if kept else dict(fitting.options)
    if any(f.kind in ("amount", "signed_amount") for f in TABLES[table].fields):
        cents = st.toggle("Amounts are in cents (2900 means 29.00)", value=options.get("amount_unit") == "cents",
                          key=f"{PREFIX}{sheet.key}::{table}::cents", disabled=disabled,
                          help="Billing APIs such as Chargebee's write money in minor units: every amount of "
                               "this sheet is then divided by 100.")
        options.pop("amount_unit", None)
        if cents:
            options["amount_unit"] = "cents"
    if table == "plan" and "metric" in columns:
        _plan_metrics(sheet, columns["metric"], options, disabled)
    return TableMapping(table, columns, layout, options)


def _plan_metrics(sheet: Sheet, header: str, options: dict, disabled: bool = False) -> None:
    """Each budget row name and the report KPI it is compared with: read from its words
    (kpi.metrics.plan.plan_key), changed here; a change is kept in the mapping's `metrics` option."""
    from kpi.metrics.plan import plan_key
    from ui.finance_view import PLAN_LABELS

    names = sheet.frame[header].astype("string").str.strip().dropna()
    names = [name for name in names.unique().tolist() if name]
    if not names:
        return
    chosen = dict(options.get("metrics") or {})
    choices = {"": "not compared", **PLAN_LABELS}
    by_label = {text: key for key, text in choices.items()}
    table = pd.DataFrame({"Budget row": names,
                          "Compared with": [choices.get(chosen[n] if n in chosen else (plan_key(n) or ""),
                                                        "not compared") for n in names]})
    st.caption("Which KPI each budget row is compared with (read from its name; change any).")
    edited = st.data_editor(
        table, hide_index=True, width="stretch", disabled=True if disabled else ["Budget row"],
        key=f"{PREFIX}{sheet.key}::plan::metrics",
        column_config={"Compared with": st.column_config.SelectboxColumn(options=list(choices.values()),
                                                                         required=True)})
    overrides = {}
    for name, text in zip(edited["Budget row"], edited["Compared with"], strict=True):
        key = by_label.get(text, "")
        if key != (plan_key(name) or ""):
            overrides[name] = key
    options.pop("metrics", None)
    if overrides:
        options["metrics"] = overrides


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
