"""Customers & health: health scores with editable weights, at-risk accounts first, and one customer's story
(MRR timeline, movements, NPS answers, tickets), linkable with `?customer=cus_…`."""

import pandas as pd
import streamlit as st

from kpi.text import escape_markdown
from ui import data, empty, engagement_view, filters, more_files, snapshot_view, state
from ui import ops_charts as ops

CUSTOMER_TABLES = ("customers", "nps", "tickets", "events")  # without revenue, the customers come from these

current = state.current()
st.title("Customers & health")
if snapshot_view.show(data.report(current)) and current.as_of is None:
    st.stop()  # a customer list without dates: its snapshot is all there is, nothing to score month by month
report = data.report(current) if current.as_of is not None else None
knows_customers = report is not None and (report.revenue is not None or any(
    (frame := report.tables.get(table)) is not None and "customer_id" in frame and frame["customer_id"].notna().any()
    for table in CUSTOMER_TABLES))
if not knows_customers:
    empty.missing(("subscriptions", "invoices", "customers"), "customer health and each customer's MRR story")
    st.stop()

month = pd.Period(current.as_of, freq="M")
who = ("every customer paying then" if report.revenue is not None
       else "every customer of the customers table" if report.tables.get("customers") is not None
       else "every customer named in the NPS answers, tickets or events")
st.caption(f"Health at the end of {month.strftime('%B %Y')} of {who}: usage, NPS, tickets "
           "and MRR trend, each scored 0–1, weighted into 0–100. Red < 40 ≤ yellow < 70 ≤ green"
           + filters.in_force(current) + ".")
if (counted := engagement_view.database(current)) is not None:  # usage counted by the team's events database
    st.caption("Usage: " + (engagement_view.database_caption(counted) if counted.error is None
                            else f"{escape_markdown(counted.error)} Usage is scored without product events."))
more_files.show(report, "customers")
weights = ops.health_weights_editor()
st.caption(f"Weights in use: {ops.weights_summary(weights)}.")
view = ops.health_view(current, weights)

if view.table.empty:
    st.info(f"No customer to score at the end of {month.strftime('%B %Y')}"
            + (": no one is paying then." if report.revenue is not None else "."), icon=":material/person_off:")
else:
    ops.band_cards(view.bands, report.currency)
    st.subheader("Health scores, most at risk first")
    st.caption("Click a row to open that customer below.")
    ops.health_table(view.table, report.currency, key="health_rows")

st.subheader("One customer")
directory = more_files.scored_directory(ops.customer_directory(current), view.table)
chosen = ops.customer_picker(directory, view.table["customer_id"].iloc[0] if len(view.table) else None)
if chosen is None:
    st.stop()
customer = ops.customer_view(current, chosen)
ops.customer_cards(customer, view.table, month, report.currency)

timeline, moves = st.columns([3, 2])
with timeline:
    st.markdown("**MRR timeline**")
    if not customer.has_paid:
        st.info("No MRR for this customer up to this month (never paid, or no revenue table mapped).",
                icon=":material/money_off:")
    else:
        st.plotly_chart(ops.customer_mrr_timeline(customer.mrr, customer.movements, report.currency),
                        width="stretch")
with moves:
    st.markdown("**MRR movements**")
    ops.movements_table(customer.movements, report.currency)

st.markdown("**NPS answers**")
ops.answers_table(customer.answers)
st.markdown("**Tickets**")
ops.tickets_table(customer.tickets)

with st.expander("Customer record", icon=":material/badge:"):
    ops.record_table(customer.record)
