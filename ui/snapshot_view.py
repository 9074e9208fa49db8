"""The snapshot of a customer list without dates (§13) on Customers & health: who pays, how much,
who has left, and the same broken down by one attribute of the list the user picks.

The numbers come from `kpi.metrics.snapshot` through the report (`Report.snapshot`); this module
only lays them out.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi import formatting as fmt
from kpi.metrics import snapshot as snapshot_analysis
from kpi.report.build import Report
from kpi.text import escape_markdown

DATED_ROWS = ("This list has no dates: monthly churn rates, MRR movements and cohorts need dated rows — "
              "a subscriptions, invoices or MRR table — which you can add on the Upload page.")
COLUMNS = {"listed": "Listed", "customers": "Active", "mrr": "MRR", "arpa": "ARPA", "churned": "Churned",
           "churned_share": "Churned share", "churned_mrr_share": "Churned MRR share"}


def show(report: Report) -> bool:
    """The snapshot section when the report has one (else nothing, and False)."""
    result = report.snapshot
    customers = report.tables.get("customers") if report.tables is not None else None
    if result is None or customers is None:
        return False
    currency = report.currency
    st.subheader("Customer list snapshot")
    st.caption(f"{fmt.count(result.listed)} customers listed. Active: not churned and MRR above 0; churned: the "
               "list's churn flag or status says so.")
    cards = st.columns(6)
    values = (("Active customers", fmt.count(result.customers)), ("MRR", fmt.money(result.mrr, currency)),
              ("ARPA", fmt.money(result.arpa, currency, compact=False)), ("Churned", fmt.count(result.churned)),
              ("Churned share", fmt.percent(result.churned_share)),
              ("Churned MRR share", fmt.percent(result.churned_mrr_share)))
    for column, (label, value) in zip(cards, values, strict=True):
        column.metric(label, value)
    st.info(DATED_ROWS, icon=":material/event:")
    attributes = snapshot_analysis.attributes(customers)
    if not attributes:
        st.caption("The list has no attribute (segment, plan, contract…) to break these numbers down by.")
        return True
    attribute = st.selectbox("Break down by", attributes, key="snapshot_attribute",
                             format_func=lambda name: name.replace("_", " "))
    table = snapshot_analysis.snapshot_by(customers, attribute)
    st.plotly_chart(breakdown_chart(table, attribute), width="stretch", key="snapshot_chart")
    st.dataframe(breakdown_table(table, attribute), hide_index=True, width="stretch", key="snapshot_table",
                 column_config={"MRR": st.column_config.NumberColumn(format="%.2f"),
                                "ARPA": st.column_config.NumberColumn(format="%.2f"),
                                "Churned share": st.column_config.NumberColumn(format="percent"),
                                "Churned MRR share": st.column_config.NumberColumn(format="percent")})
    st.caption(f"By {escape_markdown(attribute)}: each row's shares are of the customers (and MRR) listed with "
               "that value.")
    return True


def breakdown_table(table: pd.DataFrame, attribute: str) -> pd.DataFrame:
    """The `snapshot_by` frame with the attribute as its first column and readable headers."""
    return table.reset_index().rename(columns={table.index.name: attribute, **COLUMNS})


def breakdown_chart(table: pd.DataFrame, attribute: str) -> go.Figure:
    """Per value of the attribute: active and churned customers (bars) and churned share (text)."""
    labels = table.index.astype(str).tolist()
    figure = go.Figure()
    figure.add_bar(x=labels, y=table["customers"], name="Active", marker_color="#3b5bdb",
                   hovertemplate="%{x}: %{y} active<extra></extra>")
    figure.add_bar(x=labels, y=table["churned"], name="Churned", marker_color="#e03131",
                   text=[fmt.percent(v) for v in table["churned_share"]], textposition="outside",
                   hovertemplate="%{x}: %{y} churned (%{text} of the listed)<extra></extra>")
    figure.update_layout(barmode="group", height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         legend={"orientation": "h", "y": 1.1, "x": 0}, xaxis_title=attribute.replace("_", " "),
                         yaxis_title="Customers")
    return figure
