"""Overview: the month's headline KPIs with their trend, benchmark and computation, and the MRR trend."""

import pandas as pd
import streamlit as st

from kpi.metrics.revenue import aggregate_series
from kpi.text import escape_markdown
from ui import cards, charts, data, empty, state

current = state.current()
st.title("Overview")
if current.as_of is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "MRR, churn, retention and every revenue KPI")
    st.stop()

report = data.report(current)
month = pd.Period(current.as_of, freq="M")
compared = cards.PERIOD_NAMES[current.granularity]
st.caption(f"{escape_markdown(current.workspace.name)} · month-end snapshot of {month.strftime('%B %Y')}, compared with the "
           f"{compared}" + (f" · filtered: {escape_markdown(current.filter_text())}" if current.filters else ""))

if report.revenue is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "MRR, churn and the revenue KPIs")
    cards.grid(report, ("nps", "csat", "fcr"), current.granularity)
    st.stop()

cards.grid(report, cards.OVERVIEW, current.granularity)

st.subheader("MRR and its movements")
series = aggregate_series(report.series_frame(), current.granularity)
st.plotly_chart(charts.mrr_trend(series, report.currency, target=state.targets().get("mrr")), width="stretch")
