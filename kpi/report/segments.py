"""Segment filters: which customer attributes can filter a report, and the tables of a segment.

`build_report(filter_tables(tables, filters), …, company=…)` is a segment's report; the
sidebar offers the attributes of `segment_attributes`. `customer_codes` numbers every customer
of the tables once, so that each filter after it picks its rows by integer codes instead of
comparing every row's ID as text again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpi.ids import among
from kpi.ingest.mapping import Tables


def _given(tables: Tables, table: str) -> pd.DataFrame | None:
    frame = tables.get(table)
    return frame if frame is not None and not frame.empty else None


def segment_attributes(tables: Tables, max_values: int = 60) -> dict[str, list[str]]:
    """Customer attributes usable as filters (plan, segment, country, channel and any other
    column of the customers table with at most `max_values` distinct values), with their values."""
    customers = _given(tables, "customers")
    if customers is None:
        return {}
    out = {}
    for column in customers.columns:
        if column in ("customer_id", "name", "signup_date"):
            continue
        values = customers[column].dropna().astype(str)
        distinct = sorted(values.unique())
        if 1 < len(distinct) <= max_values:
            out[column] = distinct
    return out


@dataclass(frozen=True)
class CustomerCodes:
    """Every customer ID of a data set numbered once: `codes[table]` holds, for each row of that
    table, the position of its customer_id (as text) among `ids`, or −1 for a row without one.
    `ids` are sorted as the MRR matrix sorts its customers (`kpi.metrics.revenue._spread`), so
    the customers of any matrix of these tables are in the order of their codes."""

    ids: pd.Index
    codes: dict[str, np.ndarray]


@dataclass(frozen=True)
class SegmentTables(Tables):
    """A segment's tables (`filter_tables` given `CustomerCodes`) with the code of each row's
    customer: `rows[table]`, aligned with the segment's frame; `codes`, those of the whole tables."""

    codes: CustomerCodes | None = None
    rows: dict[str, np.ndarray] = field(default_factory=dict)


def customer_codes(tables: Tables) -> CustomerCodes:
    """The `CustomerCodes` of every table with a customer_id column (one sorted factorisation of all of them)."""
    names = [table for table, frame in tables.frames.items() if "customer_id" in frame]
    columns = [tables.frames[table]["customer_id"].astype("string") for table in names]
    if not columns:
        return CustomerCodes(pd.Index([], dtype="string"), {})
    codes, ids = pd.factorize(pd.concat(columns, ignore_index=True), sort=True)
    bounds = np.cumsum([0] + [len(column) for column in columns])
    return CustomerCodes(pd.Index(ids), {table: codes[bounds[i]:bounds[i + 1]] for i, table in enumerate(names)})


def filter_tables(tables: Tables, filters: dict[str, list[str]] | tuple, codes: CustomerCodes | None = None) -> Tables:
    """The tables restricted to the customers whose attributes match every filter
    ({attribute: accepted values}); rows without a customer are dropped, costs are kept whole
    (they are company-wide: `build_report(..., company=...)` charges the segment its share).

    `codes`: the tables' `customer_codes`, when kept from an earlier call (the same rows, found
    by integer codes rather than by comparing IDs as text)."""
    filters = dict(filters)
    customers = _given(tables, "customers")
    if not filters or customers is None:
        return tables
    keep = pd.Series(True, index=customers.index)
    for attribute, values in filters.items():
        if attribute in customers and values:
            keep &= customers[attribute].astype(str).isin([str(v) for v in values])
    if codes is not None and all(len(codes.codes.get(table, ())) == len(frame)
                                 for table, frame in tables.frames.items() if "customer_id" in frame):
        rows = _rows_by_code(tables, keep.to_numpy(dtype=bool), codes)
    else:
        ids = customers.loc[keep, "customer_id"].dropna().drop_duplicates()
        rows = {table: among(frame["customer_id"], ids) for table, frame in tables.frames.items()
                if "customer_id" in frame}
        codes = None
    frames = {table: frame if table not in rows else frame[rows[table]].reset_index(drop=True)
              for table, frame in tables.frames.items()}
    if codes is None:
        return Tables(frames, tables.quality, tables.options)
    return SegmentTables(frames, tables.quality, tables.options, codes,
                         {table: codes.codes[table][kept] for table, kept in rows.items()})


def _rows_by_code(tables: Tables, keep: np.ndarray, codes: CustomerCodes) -> dict[str, np.ndarray]:
    """Per table with customers, the rows whose customer is one of the kept customers' rows' IDs
    (what `among(frame["customer_id"], kept IDs)` finds)."""
    kept = codes.codes["customers"][keep]
    member = np.zeros(len(codes.ids) + 1, dtype=bool)  # the last cell: code −1, a row without customer
    member[kept[kept >= 0]] = True
    return {table: member[codes.codes[table]] for table, frame in tables.frames.items() if "customer_id" in frame}


def rows_of_customers(table: pd.DataFrame, ids: pd.Index | pd.Series) -> pd.DataFrame:
    """The rows of a per-customer table (a `customer_id` column) whose customer is among `ids`,
    in the table's order, numbered again from 0: a segment's rows of a table computed once for
    the company, when each row depends on its own customer alone."""
    return table[among(table["customer_id"], pd.Series(ids))].reset_index(drop=True)


def matrix_rows(tables: Tables, table: str, counted: np.ndarray, company_counted: np.ndarray | None,
                company_customers: int) -> np.ndarray | None:
    """The positions, in the company's MRR matrix, of the customers of a segment's counted rows
    (`counted`: their positions in the segment's `table`), found by code: the company's matrix
    (`company_customers` rows) holds the customers of its counted rows (`company_counted`:
    positions in the whole table) sorted as the codes are, so a customer's position is how many
    of them have a smaller code. None when the tables carry no codes, the codes are not those of
    the company's table, or a segment customer is not in the company's matrix."""
    if not isinstance(tables, SegmentTables) or tables.codes is None or company_counted is None:
        return None
    whole, part = tables.codes.codes.get(table), tables.rows.get(table)
    if whole is None or part is None or len(counted) == 0 or len(company_counted) == 0 \
            or company_counted.max() >= len(whole):
        return None
    mine = part[counted]
    if (mine < 0).any():
        return None
    in_matrix = np.zeros(len(tables.codes.ids) + 1, dtype=bool)  # the last cell: code −1 (no customer)
    in_matrix[whole[company_counted]] = True
    if in_matrix[-1] or np.count_nonzero(in_matrix) != company_customers:  # not the codes of the company's rows
        return None
    members = np.zeros_like(in_matrix)
    members[mine] = True
    if (members & ~in_matrix).any():
        return None
    return (np.cumsum(in_matrix[:-1]) - 1)[np.flatnonzero(members[:-1])]
