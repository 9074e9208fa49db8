"""From a raw sheet to a canonical table: which column feeds which field, parsed and checked.

A `TableMapping` says, for one sheet, which schema table it is and which header feeds each
field (the JSON format of docs/cli.md). `apply_mapping` parses every mapped column
(`kpi.ingest.parse`), rejects the rows that cannot count — with their row number, column, value and
reason — and returns the canonical frame of the rows that can, plus its `TableQuality`.
Good rows always still count.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from kpi.errors import InputError
from kpi.ids import among
from kpi.ingest import ledgers
from kpi.ingest.io import Sheet
from kpi.ingest.parse import blank, parse_column, parse_months
from kpi.ingest.schema import TABLES
from kpi.ingest.subscription_rows import overlap_warning

REJECTED_COLUMNS = ["row", "column", "value", "reason"]
WIDE_TABLES = ("mrr", "costs", "plan")  # tables a sheet may give wide (one column per month / per category)
_TOTAL_HEADER = re.compile(r"(?i)^\s*(total|totaux|sum|somme|ensemble)\b")
SCORE_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


@dataclass(frozen=True)
class TableMapping:
    """How one sheet maps to one schema table."""

    table: str
    columns: dict[str, str]  # field -> header in the sheet
    layout: str = "long"  # "wide": mrr with one column per month
    options: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        out: dict = {"table": self.table, "columns": dict(self.columns)}
        if self.layout != "long":
            out["layout"] = self.layout
        if self.options:
            out["options"] = dict(self.options)
        return out

    @classmethod
    def from_json(cls, key: str, spec: dict) -> TableMapping:
        if not isinstance(spec, dict) or spec.get("table") not in TABLES:
            known = ", ".join(TABLES)
            raise InputError(f"mapping entry '{key}' needs a \"table\" among: {known}")
        columns = spec.get("columns") or {}
        if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
            raise InputError(f"mapping entry '{key}': \"columns\" must map field names to headers")
        unknown = [f for f in columns if f not in {x.name for x in TABLES[spec["table"]].fields}]
        if unknown:
            raise InputError(f"mapping entry '{key}': table {spec['table']} has no field {', '.join(unknown)}")
        layout = spec.get("layout", "long")
        if layout not in ("long", "wide"):
            raise InputError(f"mapping entry '{key}': \"layout\" is \"long\" or \"wide\", not {layout!r}")
        options = spec.get("options") or {}
        if not isinstance(options, dict):
            raise InputError(f"mapping entry '{key}': \"options\" must be an object")
        return cls(spec["table"], dict(columns), layout, dict(options))


Mapping = dict[str, TableMapping]


def load_mapping(path: str | Path) -> Mapping:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the mapping ({exc.strerror or exc})", file=str(path)) from None
    return parse_mapping(text, source=str(path))


def parse_mapping(text: str, source: str = "mapping") -> Mapping:
    """A mapping from its JSON text (the format of docs/cli.md)."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"the mapping is not valid JSON ({exc.msg}, line {exc.lineno})", file=source) from None
    except RecursionError:
        raise InputError("the mapping is nested too deeply to be a mapping", file=source) from None
    if not isinstance(raw, dict):
        raise InputError("the mapping must be a JSON object keyed by file[:sheet]", file=source)
    try:
        return {key: TableMapping.from_json(key, spec) for key, spec in raw.items()}
    except InputError as error:
        raise InputError(error.message, file=source) from None


def mapping_to_json(mapping: Mapping) -> str:
    return json.dumps({key: m.to_json() for key, m in mapping.items()}, ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class TableQuality:
    """What happened to one sheet: rows read, rows used, every rejected cell and why."""

    source: str
    table: str
    rows_read: int
    rows_used: int
    rejected: pd.DataFrame  # columns: row, column, value, reason
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "table": self.table,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rejected": [
                {"row": int(r.row), "column": r.column, "value": r.value, "reason": r.reason}
                for r in self.rejected.itertuples(index=False)
            ],
        }


@dataclass(frozen=True)
class CanonicalTable:
    table: str
    frame: pd.DataFrame  # schema field names (+ extra attributes for customers), index = source rows
    quality: TableQuality


def _rejections(rows: pd.Index, column: str, raw: pd.Series, reason: str | pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": np.asarray(rows, dtype=int),
            "column": column,
            "value": raw.loc[rows].astype("string").fillna("").to_numpy(),
            "reason": reason if isinstance(reason, str) else reason.loc[rows].to_numpy(),
        },
        columns=REJECTED_COLUMNS,
    )


# the melted value column of a wide sheet → the melted column holding the header of its cell
_MELTED_HEADERS = {"__mrr__": "__month__", "__value__": "__month__", "__amount__": "__category__"}


def _header_text(header: object) -> str:
    """A header as the user reads it: an Excel date cell as 2025-01-01, anything else as text."""
    if isinstance(header, datetime.datetime) and header.time() == datetime.time(0):  # pd.Timestamp too
        return header.strftime("%Y-%m-%d")
    return str(header)


def _in_source_terms(rejected: pd.DataFrame, melted: pd.DataFrame, source_rows: np.ndarray) -> pd.DataFrame:
    """Rejections of a melted wide sheet (labelled 0…n−1) told in the sheet's terms: the
    spreadsheet row of each cell, and the month (or category) header of its column."""
    if rejected.empty:
        return rejected
    labels = rejected["row"].to_numpy(dtype=int)
    column = rejected["column"].astype(object).to_numpy().copy()
    for value_column, header_column in _MELTED_HEADERS.items():
        here = column == value_column
        if here.any() and header_column in melted:
            column[here] = [_header_text(h) for h in melted[header_column].to_numpy()[labels[here]]]
    out = rejected.assign(row=source_rows[labels].astype(int), column=column)
    return out.sort_values(["row", "column"], kind="stable").reset_index(drop=True)


def apply_mapping(sheet: Sheet, mapping: TableMapping) -> CanonicalTable:
    """Parse and validate one sheet as the mapped table; rejected rows are reported, not raised."""
    schema = TABLES[mapping.table]
    frame = sheet.frame
    missing = [header for header in mapping.columns.values() if header not in frame.columns]
    if missing:
        raise InputError(
            f"the mapping names column '{missing[0]}', which is not in this sheet "
            f"(its columns: {', '.join(map(str, frame.columns))})",
            file=sheet.file, sheet=sheet.sheet, column=missing[0],
        )
    if mapping.layout == "wide":
        if mapping.table == "plan":
            frame, columns = ledgers.melt_wide_plan(sheet, mapping.columns.get("metric"))
        else:
            frame, columns = (_melt_wide_costs if mapping.table == "costs" else _melt_wide)(sheet, mapping)
        # melting repeats each source row once per month (or category): every cell gets its own
        # label while it is checked, and its source row back in the rejections and the result
        source_rows = frame.index.to_numpy()
        frame = frame.reset_index(drop=True)
    else:
        source_rows = None
        columns = dict(mapping.columns)
    absent = [f for f in schema.required if f not in columns]
    if mapping.table == "orders" and "amount" not in columns and not {"quantity", "unit_price"} <= set(columns):
        absent.append("amount (or quantity and unit_price)")
    if mapping.table == "cash":
        absent += ledgers.missing_cash_amount(columns)
    if absent:
        raise InputError(
            f"table {mapping.table} needs the field(s) {', '.join(absent)}: choose their columns",
            file=sheet.file, sheet=sheet.sheet,
        )

    out = pd.DataFrame(index=frame.index)
    problems: list[pd.DataFrame] = []
    for name, header in columns.items():
        kind = schema.field(name).kind
        raw = frame[header]
        parsed = parse_column(raw, kind, mapping.options)
        out[name] = parsed.values
        if parsed.bad.any():
            problems.append(_rejections(frame.index[parsed.bad.to_numpy()], header, raw, parsed.problem))
        if schema.field(name).required:
            empty = blank(raw).to_numpy()
            if empty.any():
                problems.append(_rejections(frame.index[empty], header, raw, "is empty (required)"))
    problems.extend(_table_checks(mapping, frame, out, columns))
    if schema.keeps_extra_columns:
        used = set(columns.values())
        for header in frame.columns:
            if header not in used and header not in out.columns:
                out[header] = frame[header].astype("string").str.strip()

    rejected = (
        pd.concat(problems, ignore_index=True).sort_values(["row", "column"], kind="stable").reset_index(drop=True)
        if problems else pd.DataFrame(columns=REJECTED_COLUMNS)
    )
    bad_rows = pd.Index(rejected["row"].unique())
    kept = out.loc[~out.index.isin(bad_rows)]
    if source_rows is not None:
        rejected = _in_source_terms(rejected, frame, source_rows)
        kept = kept.set_axis(source_rows[kept.index.to_numpy()])
    if mapping.table == "orders" and "amount" not in kept.columns:
        kept = kept.assign(amount=kept["quantity"] * kept["unit_price"])
    if mapping.table == "cash":
        kept = ledgers.with_signed_amount(kept)
    quality = TableQuality(sheet.key, mapping.table, len(out), len(kept), rejected,
                           (*sheet.warnings, *_table_warnings(mapping.table, kept, columns),
                            *_overlap_warnings(mapping.table, kept), *_balance_warnings(mapping.table, kept)))
    return CanonicalTable(mapping.table, kept, quality)


# statuses that say a subscription is over (Stripe, Chargebee, Paddle, French exports), written as
# `kpi.metrics.revenue.paying_rows` reads statuses: lower case, spaces for `_`, `-` and apostrophes
ENDED_STATUSES = {"canceled", "cancelled", "ended", "expired", "churned", "terminated", "inactive", "deleted",
                  "resilie", "résilié", "annule", "annulé", "termine", "terminé", "expire", "expiré"}


def _overlap_warnings(table: str, kept: pd.DataFrame) -> tuple[str, ...]:
    """Subscriptions whose customers' rows mostly overlap: plan changes written as new rows?"""
    warning = overlap_warning(kept) if table == "subscriptions" else None
    return (warning,) if warning else ()


def _balance_warnings(table: str, kept: pd.DataFrame) -> tuple[str, ...]:
    """A bank export whose balance column disagrees with its amounts: the first row that does."""
    warning = ledgers.balance_mismatch(kept) if table == "cash" else None
    return (warning,) if warning else ()


def _table_warnings(table: str, kept: pd.DataFrame, columns: dict[str, str]) -> tuple[str, ...]:
    """What counts but deserves a look: subscriptions whose status says they ended while no end
    date says when. They count as paying (a status has no date), which inflates MRR."""
    if table != "subscriptions" or "status" not in kept:
        return ()
    status = kept["status"].astype("string").str.strip().str.lower().str.replace(r"[\s_'’-]+", " ", regex=True)
    no_end = kept["end_date"].isna() if "end_date" in kept else pd.Series(True, index=kept.index)
    ended = (status.isin(ENDED_STATUSES).fillna(False) & no_end).to_numpy(dtype=bool)
    if not ended.any():
        return ()
    rows = kept.index[ended]
    shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
    where = (f"its end-date column '{columns['end_date']}' is blank there" if "end_date" in columns
             else "no column is mapped to end_date")
    return (f"{len(rows)} row(s) have the status '{status[ended].iloc[0]}' but no end date ({where}): "
            f"they still count as paying — map or fill the end date (rows {shown})",)


def _table_checks(mapping: TableMapping, frame: pd.DataFrame, out: pd.DataFrame, columns: dict[str, str]) -> list[pd.DataFrame]:
    """Checks that need more than one cell: dates in order, score scales, duplicate IDs."""
    problems = []
    table = mapping.table
    if table == "subscriptions" and "end_date" in out:
        before = (out["end_date"] < out["start_date"]).fillna(False).to_numpy(dtype=bool)
        if before.any():
            problems.append(_rejections(frame.index[before], columns["end_date"], frame[columns["end_date"]],
                                        "ends before the start date"))
    if table == "tickets" and {"created_at", "resolved_at"} <= set(out):
        before = (out["resolved_at"] < out["created_at"]).fillna(False).to_numpy(dtype=bool)
        if before.any():
            problems.append(_rejections(frame.index[before], columns["resolved_at"], frame[columns["resolved_at"]],
                                        "is resolved before it was created"))
    if table in SCORE_SCALES and "score" in out:
        low, high = mapping.options.get("scale", SCORE_SCALES[table])
        score = out["score"]
        wrong = (score.notna() & ((score < low) | (score > high) | (score != score.round()))).to_numpy(dtype=bool)
        if wrong.any():
            problems.append(_rejections(frame.index[wrong], columns["score"], frame[columns["score"]],
                                        f"is not a whole score from {low} to {high}"))
    if table == "cash":
        empty = ledgers.cash_without_amounts(frame, columns).to_numpy(dtype=bool)
        if empty.any():
            first = next(name for name in ledgers.CASH_AMOUNTS if name in columns)
            problems.append(_rejections(frame.index[empty], columns[first], frame[columns[first]],
                                        "has no amount, debit, credit or balance"))
    unique_key = {"customers": "customer_id", "tickets": "ticket_id"}.get(table)
    if unique_key and unique_key in out:
        ids = out[unique_key]
        repeated = (ids.notna() & ids.duplicated(keep="first")).to_numpy(dtype=bool)
        if repeated.any():
            first_row = pd.Series(frame.index, index=frame.index).groupby(ids.to_numpy()).transform("min")
            reason = "duplicate " + unique_key + " (first seen on row " + first_row.astype(str) + ")"
            problems.append(_rejections(frame.index[repeated], columns[unique_key], frame[columns[unique_key]], reason))
    return problems


def _melt_wide(sheet: Sheet, mapping: TableMapping) -> tuple[pd.DataFrame, dict[str, str]]:
    """A wide MRR sheet (one row per customer, one column per month) as long rows.

    Month headers (`2024-01`, `Jan 2024`, `janv. 2024`, `01/2024`, date cells) become the
    month field; a blank cell is 0 MRR. Row numbers stay those of the customer's row."""
    id_header = mapping.columns.get("customer_id")
    if id_header is None:
        raise InputError("a wide MRR sheet needs its customer_id column", file=sheet.file, sheet=sheet.sheet)
    headers = pd.Series([c for c in sheet.frame.columns if c != id_header], dtype=object)
    months = parse_months(headers)
    month_headers = headers[~months.bad & months.values.notna()].tolist()
    if not month_headers:
        raise InputError("no column header of this wide MRR sheet reads as a month", file=sheet.file, sheet=sheet.sheet)
    wide = sheet.frame[[id_header, *month_headers]]
    long = wide.melt(id_vars=[id_header], var_name="__month__", value_name="__mrr__", ignore_index=False)
    long["__mrr__"] = long["__mrr__"].where(~blank(long["__mrr__"]), "0")
    return long, {"customer_id": id_header, "month": "__month__", "mrr": "__mrr__"}


def _melt_wide_costs(sheet: Sheet, mapping: TableMapping) -> tuple[pd.DataFrame, dict[str, str]]:
    """A wide costs sheet (one row per month, one column per category) as long rows; the header
    is the category (kpi.metrics.economics.cost_category reads it), a Total column is left out, a blank
    cell is no cost. Row numbers stay those of the month's row."""
    month_header = mapping.columns.get("month")
    if month_header is None:
        raise InputError("a wide costs sheet needs its month column", file=sheet.file, sheet=sheet.sheet)
    categories = [c for c in sheet.frame.columns if c != month_header and not _TOTAL_HEADER.match(str(c))]
    if not categories:
        raise InputError("this wide costs sheet has no category column besides its month",
                         file=sheet.file, sheet=sheet.sheet)
    long = sheet.frame[[month_header, *categories]].melt(
        id_vars=[month_header], var_name="__category__", value_name="__amount__", ignore_index=False)
    long = long[~blank(long["__amount__"]).to_numpy()]
    return long, {"month": month_header, "category": "__category__", "amount": "__amount__"}


@dataclass(frozen=True)
class Tables:
    """The canonical tables of a data set and the quality report of every sheet behind them."""

    frames: dict[str, pd.DataFrame]
    quality: dict[str, TableQuality]
    options: dict[str, dict] = field(default_factory=dict)  # table -> mapping options (e.g. a survey scale)

    def get(self, table: str) -> pd.DataFrame | None:
        return self.frames.get(table)


def build_tables(sheets: list[Sheet], mapping: Mapping) -> Tables:
    """Apply the mapping to every sheet it names; sheets of the same table are stacked."""
    by_key = {sheet.key: sheet for sheet in sheets}
    unknown = [key for key in mapping if key not in by_key]
    if unknown:
        raise InputError(f"the mapping names '{unknown[0]}', which is not among the files given "
                         f"({', '.join(by_key) or 'none'})")
    parts: dict[str, list[pd.DataFrame]] = {}
    quality: dict[str, TableQuality] = {}
    options: dict[str, dict] = {}
    for key, table_mapping in mapping.items():
        result = apply_mapping(by_key[key], table_mapping)
        parts.setdefault(result.table, []).append(result.frame)
        quality[key] = result.quality
        options.setdefault(result.table, {}).update(table_mapping.options)
    frames = {table: pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0].reset_index(drop=True)
              for table, chunks in parts.items()}
    return Tables(frames, _with_unknown_customer_warnings(quality, mapping, parts), options)


def _with_unknown_customer_warnings(quality: dict[str, TableQuality], mapping: Mapping,
                                    parts: dict[str, list[pd.DataFrame]]) -> dict[str, TableQuality]:
    """Warn (not reject) about rows whose customer_id is not in the customers table."""
    if "customers" not in parts:
        return quality
    known = pd.Index(pd.concat([f["customer_id"] for f in parts["customers"]]).dropna().unique())
    chunks = {table: iter(frames) for table, frames in parts.items()}
    out = {}
    for key, table_quality in quality.items():
        frame = next(chunks[table_quality.table])
        if table_quality.table == "customers" or "customer_id" not in frame:
            out[key] = table_quality
            continue
        ids = frame["customer_id"].dropna()
        unknown = ids[~among(ids, known)]
        if unknown.empty:
            out[key] = table_quality
            continue
        examples = ", ".join(map(str, unknown.unique()[:3]))
        warning = (f"{len(unknown)} row(s) refer to {unknown.nunique()} customer ID(s) missing from the customers "
                   f"table (e.g. {examples}); they still count")
        out[key] = replace(table_quality, warnings=(*table_quality.warnings, warning))
    return out
