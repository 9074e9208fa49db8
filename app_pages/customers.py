"""Customers & health: health scores with editable weights, at-risk accounts first, and one customer's story
(MRR timeline, movements, NPS answers, tickets), linkable with `?customer=cus_…`."""

import pandas as pd
import streamlit as st

from ui import data, empty, state
from ui import ops_charts as ops

current = state.current()
st.title("Customers & health")
report = data.report(current) if current.as_of is not None else None
if report is None or (report.revenue is None and report.tables.get("customers") is None):
    empty.missing(("subscriptions", "invoices", "mrr"), "customer health and each customer's MRR story")
    st.stop()

month = pd.Period(current.as_of, freq="M")
st.caption(f"Health at the end of {month.strftime('%B %Y')} of every customer paying then: usage, NPS, tickets "
           "and MRR trend, each scored 0–1, weighted into 0–100. Red < 40 ≤ yellow < 70 ≤ green.")
weights = ops.health_weights_editor()
st.caption(f"Weights in use: {ops.weights_summary(weights)}.")
view = ops.health_view(current, weights)

if view.table.empty:
    st.info(f"No customer is paying at the end of {month.strftime('%B %Y')}, so there is no one to score.",
            icon=":material/person_off:")
else:
    ops.band_cards(view.bands, report.currency)
    st.subheader("Health scores, most at risk first")
    ops.health_table(view.table, report.currency)

st.subheader("One customer")
directory = ops.customer_directory(current)
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
