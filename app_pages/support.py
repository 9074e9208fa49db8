"""Support: first-contact resolution, resolution times, tickets per customer and the heaviest accounts."""

import pandas as pd
import streamlit as st

from kpi import formatting as fmt
from ui import data, empty, more_files, state
from ui import ops_charts as ops

WINDOWS = {"month": "This month", 90: "Last 90 days", 365: "Last 12 months", "all": "All to date"}

current = state.current()
st.title("Support")
tickets = data.tables(current.workspace).get("tickets")
has_tickets = tickets is not None and not tickets.empty  # without any, no report to build to say so
report = data.report(current) if current.as_of is not None and has_tickets else None  # as_of: the last dated row
if report is None or report.support is None:
    if not has_tickets:
        empty.missing(("tickets",), "first-contact resolution, resolution times and the heaviest accounts")
    elif report is None:  # tickets, but not one with a creation date
        st.info("The tickets have no creation date, so no month to report on: map their **created_at** column "
                "on the **Map columns** page.", icon=":material/event_busy:")
    else:
        st.info("No ticket comes from the customers of the segment filter: widen it in the sidebar.")
    st.stop()

month = pd.Period(current.as_of, freq="M")
headline = report.support
st.caption(f"Tickets created in {ops.period_caption(current, report)}.")
ops.card_row(ops.metrics(current, ("fcr", "tickets", "median_resolution_hours")), report.currency, report=report,
             granularity=current.granularity)
if note := ops.fcr_note(headline):
    st.caption(note)
more_files.show(report, "support")

st.subheader("First-contact resolution by month")
st.plotly_chart(ops.fcr_trend(ops.support_view(current).monthly), width="stretch")

st.subheader("Resolution times and ticket load")
window = st.segmented_control("Tickets created", list(WINDOWS), format_func=WINDOWS.get, default=90,
                              key="support_window", required=True)
view = ops.support_view(current, window)
st.caption(f"{fmt.count(view.window.tickets)} tickets created in the period ending {month.strftime('%B %Y')}: "
           f"{fmt.count(view.window.resolved)} resolved, opened by {fmt.count(view.window.customers)} customers.")
left, right = st.columns([3, 2])
with left:
    st.markdown("**Time to resolve**")
    st.plotly_chart(ops.resolution_histogram(view.resolution, view.window.median_resolution_hours), width="stretch")
with right:
    st.markdown("**Tickets per customer**")
    st.plotly_chart(ops.tickets_per_customer(view.per_customer), width="stretch")

st.subheader("Heaviest accounts")
if view.heaviest.empty:
    st.info("No ticket in this period is linked to a customer (map the tickets' customer_id column on "
            "**Map columns**).", icon=":material/person_search:")
else:
    ops.heaviest_accounts(view.heaviest)
