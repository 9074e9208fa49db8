"""What a page could show with more files, in one sentence.

Support, Satisfaction and Customers & health work with only their own tables; when the
workspace lacks revenue or a customers table, each says once what adding it would show, so a
user with only tickets or only survey answers knows the next file worth exporting.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi.report.build import Report

REVENUE_FILE = "a subscriptions or invoices file"


def _given(report: Report, table: str) -> bool:
    frame = report.tables.get(table) if report.tables is not None else None
    return frame is not None and not frame.empty


def sentence(report: Report, page: str) -> str | None:
    """The one sentence for `page` ("support", "satisfaction" or "customers"); None when the
    workspace already has what the page could add."""
    revenue, customers = report.revenue is not None, _given(report, "customers")
    if page == "support":
        if not revenue:
            names = ", and a customers file to see their names" if not customers else ""
            return (f"Add {REVENUE_FILE} to see the MRR and health of the customers behind these tickets "
                    f"on **Customers & health**{names}.")
        return None if customers else "Add a customers file to see the heaviest accounts by name."
    if page == "satisfaction":
        return None if revenue else (f"Add {REVENUE_FILE} to see the MRR, churn and NRR of promoters, "
                                     "passives and detractors.")
    if page == "customers":
        if not revenue:
            names = ", and a customers file to see their names" if not customers else ""
            return f"Add {REVENUE_FILE} to see each customer's MRR and score its trend{names}."
        return None if customers else "Add a customers file to see each customer's name and record."
    raise ValueError(f"no sentence for page {page!r}")


def show(report: Report, page: str) -> None:
    """The page's sentence as a caption (nothing when there is nothing to add)."""
    text = sentence(report, page)
    if text:
        st.caption(f":material/add_circle: {text}")


def scored_directory(directory: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """The customers to pick from: the directory (customers table and MRR), else — with neither,
    e.g. tickets or NPS answers alone — the customers the health table scored, by id."""
    if len(directory) or scored.empty:
        return directory
    ids = scored["customer_id"].astype("string").drop_duplicates().sort_values(key=lambda s: s.str.casefold())
    return pd.DataFrame({"customer_id": ids.to_numpy(), "name": pd.array([pd.NA] * len(ids), dtype="string"),
                         "label": ids.to_numpy()}).astype("string")
