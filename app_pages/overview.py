"""Overview: the month's headline KPIs and the MRR trend."""

import pandas as pd
import streamlit as st

from ui import cards, charts, data, state

current = state.current()
st.title("Overview")
if current.as_of is None:
    st.info("This workspace has no revenue table yet: map a subscriptions or MRR sheet on the "
            "**Map columns** page to see MRR, churn and retention.")
    st.stop()

report = data.report(current)
month = pd.Period(current.as_of, freq="M")
st.caption(f"{current.workspace.name} · month-end snapshot of {month.strftime('%B %Y')}, "
           f"compared with {(month - 1).strftime('%B %Y')}")

cards.row(report.headline(), report.currency)

st.subheader("MRR and its movements")
st.plotly_chart(charts.mrr_trend(report.series_frame(), report.currency), width="stretch")
