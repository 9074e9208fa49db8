"""Alerts: the month's alerts with the customers behind a churn spike (each linked to its story),
the last 12 months' alerts and how many fired each month, and the rules in force."""

import streamlit as st

from kpi.report.periods import view
from kpi.text import escape_markdown
from ui import alerts_view, data, empty, filters, state

current = state.current()
st.title("Alerts")
if current.as_of is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "the alerts on churn, MRR and NRR")
    st.stop()

report = data.report(current)
alerts = alerts_view.view(current, report, state.targets())
month = alerts.month.strftime("%B %Y")
period = f", the last month of {view(report, current.granularity).label}" if current.granularity != "month" else ""
st.caption(f"{escape_markdown(current.workspace.name)} · the alerts of {month}{escape_markdown(period)} and of the 12 "
           "months up to it, under the rules in force and your KPI targets" + filters.in_force(current))
if report.revenue is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "the alerts on churn, MRR and NRR")

st.subheader(f"{month}{escape_markdown(period)}")
if not alerts.alerts:
    st.success(f"No alert fires for {month} under the rules in force.", icon=":material/check_circle:")
links = dict(st.query_params.to_dict())
for alert in alerts.alerts:
    alerts_view.alert_card(alert, links)

st.subheader("The last 12 months")
if alerts.history.empty:
    first = alerts.per_month["month"].iloc[0].strftime("%B %Y") if len(alerts.per_month) else month
    st.info(f"No alert fired from {first} to {month}.", icon=":material/notifications_off:")
else:
    st.plotly_chart(alerts_view.per_month_chart(alerts.per_month), width="stretch")
    alerts_view.history_table(alerts.history)

alerts_view.rules_caption(alerts.rules)
