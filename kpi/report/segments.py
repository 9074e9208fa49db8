"""Segment filters: which customer attributes can filter a report, and the tables of a segment.

`build_report(filter_tables(tables, filters), …, company=…)` is a segment's report; the
sidebar offers the attributes of `segment_attributes`.
"""

from __future__ import annotations

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


def filter_tables(tables: Tables, filters: dict[str, list[str]] | tuple) -> Tables:
    """The tables restricted to the customers whose attributes match every filter
    ({attribute: accepted values}); rows without a customer are dropped, costs are kept whole
    (they are company-wide: `build_report(..., company=...)` charges the segment its share)."""
    filters = dict(filters)
    customers = _given(tables, "customers")
    if not filters or customers is None:
        return tables
    keep = pd.Series(True, index=customers.index)
    for attribute, values in filters.items():
        if attribute in customers and values:
            keep &= customers[attribute].astype(str).isin([str(v) for v in values])
    ids = customers.loc[keep, "customer_id"].dropna().drop_duplicates()
    frames = {
        table: frame if "customer_id" not in frame else frame[among(frame["customer_id"], ids)].reset_index(drop=True)
        for table, frame in tables.frames.items()
    }
    return Tables(frames, tables.quality, tables.options)
