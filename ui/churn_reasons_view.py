"""Why customers left (§12) on Retention: churned MRR by reason over the 12 months to the as-of
month, and for each reason its churned customers' latest NPS and their tickets of the 90 days
before leaving.

The numbers come from `kpi.metrics.churn_reasons` (through `Report.churn_reasons`); this module
only lays them out.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi import formatting as fmt
from kpi.metrics import churn_reasons as churn_analysis
from kpi.report.build import Report

TABLE_COLUMNS = {"reason": "Reason", "customers": "Churned customers", "mrr": "Churned MRR",
                 "share": "Share of churned MRR", "nps": "Latest NPS", "answered": "NPS answers",
                 "tickets": "Tickets (last 90 days)", "tickets_per_customer": "Tickets per customer"}
CUSTOMER_COLUMNS = {"customer_id": "Customer", "month": "Churn month", "mrr": "MRR lost", "reason": "Reason",
                    "latest_nps": "Latest NPS answer", "tickets": "Tickets (last 90 days)"}


def reasons_table(report: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per reason with its NPS and tickets, one row per churned customer) of a report
    whose `churn_reasons` is not None."""
    tables = report.tables
    context = churn_analysis.reason_context(report.churn_reasons.churns,
                                            tables.get("nps") if tables is not None else None,
                                            tables.get("tickets") if tables is not None else None)
    by_reason = report.churn_reasons.by_reason.join(churn_analysis.context_by_reason(context))
    return by_reason.reset_index(), context


def reasons_chart(by_reason: pd.DataFrame, currency: str | None) -> go.Figure:
    """Churned MRR per reason, largest on top, with its share and customers in the label."""
    ordered = by_reason.iloc[::-1]
    symbol = fmt.CURRENCY_SYMBOLS.get((currency or "").upper(), "")
    labels = [f"{fmt.percent(share)} · {int(n)} customer{'s' if n != 1 else ''}"
              for share, n in zip(ordered["share"], ordered["customers"], strict=True)]
    figure = go.Figure(go.Bar(x=ordered["mrr"], y=ordered["reason"].astype(str), orientation="h", text=labels,
                              textposition="auto", marker_color="#e03131",
                              hovertemplate=f"%{{y}}: {symbol}%{{x:,.0f}} churned MRR<extra></extra>"))
    figure.update_layout(height=max(220, 48 * len(ordered) + 80), margin={"l": 10, "r": 10, "t": 20, "b": 10},
                         xaxis={"title": f"Churned MRR ({currency or 'amount'})", "tickprefix": symbol})
    return figure


def show(report: Report) -> None:
    """The churn-reasons section of the Retention page."""
    st.subheader("Why customers left")
    if report.churn_reasons is None:
        reasons = report.tables.get("churn_reasons") if report.tables is not None else None
        st.info("Churned MRR by reason needs a file of **churn reasons** (a cancellation survey, churn events or a "
                "CRM's lost reasons: customer, date, reason)" + (" and a revenue table." if reasons is not None
                                                                 else ", mapped on the **Map columns** page."),
                icon=":material/help:")
        return
    by_reason, customers = reasons_table(report)
    month = report.as_of
    st.caption(f"Churns of the 12 months to {month.strftime('%B %Y')}: a churn's reason is the customer's latest "
               "reason dated from the month before to the month after the MRR stopped, else \"unknown\". "
               "NPS: of each churned customer's latest answer; tickets: created in its last 90 days.")
    if by_reason.empty:
        st.info("No customer churned in these 12 months.", icon=":material/sentiment_satisfied:")
        return
    st.plotly_chart(reasons_chart(by_reason, report.currency), width="stretch", key="churn_reasons_chart")
    st.dataframe(by_reason[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS), hide_index=True, width="stretch",
                 key="churn_reasons_table",
                 column_config={"Churned MRR": st.column_config.NumberColumn(format="%.2f"),
                                "Share of churned MRR": st.column_config.NumberColumn(format="percent"),
                                "Latest NPS": st.column_config.NumberColumn(format="%+.0f"),
                                "Tickets per customer": st.column_config.NumberColumn(format="%.1f")})
    with st.expander(f"The {len(customers)} churned customers", icon=":material/group_remove:"):
        shown = customers.assign(month=customers["month"].astype(str))[list(CUSTOMER_COLUMNS)]
        st.dataframe(shown.rename(columns=CUSTOMER_COLUMNS), hide_index=True, width="stretch",
                     key="churn_reasons_customers",
                     column_config={"MRR lost": st.column_config.NumberColumn(format="%.2f")})
