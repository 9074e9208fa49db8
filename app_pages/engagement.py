"""Engagement: DAU/MAU stickiness and time to first value, their trends and both by segment."""

import pandas as pd
import streamlit as st

from kpi import formatting as fmt
from kpi.text import escape_markdown
from ui import data, empty, engagement_view, state
from ui import ops_charts as ops

current = state.current()
st.title("Engagement")
database = engagement_view.database(current)  # None: the events come from the workspace's file
if database is not None and database.error:
    st.error(escape_markdown(database.error), icon=":material/database:")
    st.caption("The other pages show the rest of the report. The database is asked again within 10 minutes, or "
               "choose this workspace's events file on **Definitions & settings**.")
    st.stop()
events = data.tables(current.workspace).get("events")
has_events = database is not None or (events is not None and not events.empty)  # else no report to build to say so
report = data.report(current) if current.as_of is not None and has_events else None
if report is None or report.engagement is None:
    if database is not None:
        st.info(engagement_view.database_without_events(database, bool(current.filters)))
    elif not has_events or report is None:
        empty.missing(("events",), "DAU/MAU and the time to first value")
    else:
        st.info("No product event comes from the customers of the segment filter: widen it in the sidebar.")
    st.stop()

month = pd.Period(current.as_of, freq="M")
shown = engagement_view.view(current)
st.caption(f"{escape_markdown(current.workspace.name)} · {month.strftime('%B %Y')}, compared with "
           f"{ops.compared_month(current).strftime('%B %Y')}"
           + (f" · filtered: {escape_markdown(current.filter_text())}" if current.filters else "")
           + f" · value event: “{escape_markdown(shown.value_event)}” (set on **Definitions & settings**)")
if database is not None:
    st.caption(engagement_view.database_caption(database))
    if current.filters:
        st.caption(engagement_view.SEGMENT_RULE)
ops.card_row(shown.cards, report.currency, report=report)

st.subheader("DAU / MAU by month")
st.plotly_chart(engagement_view.dau_mau_trend(shown.by_month), width="stretch")

st.subheader("Time to first value")
st.caption(f"{fmt.count(shown.reached)} customers reached “{escape_markdown(shown.value_event)}”; "
           f"{fmt.count(shown.not_reached)} who started by {month.strftime('%B %Y')} have not yet and are left out "
           "of the median.")
st.plotly_chart(engagement_view.ttfv_histogram(shown.distribution), width="stretch")

st.subheader("Segments compared")
if not shown.segments:
    st.caption("Add a customers file with attributes such as segment or plan to compare them here.")
else:
    st.caption(f"DAU / MAU of {month.strftime('%B %Y')} and time to first value of the customers started by then, "
               "for each value of the customer attributes.")
for attribute, table in shown.segments.items():
    st.markdown(f"**By {escape_markdown(attribute.replace('_', ' '))}**")
    st.dataframe(table, hide_index=True, width="stretch", height="content")
