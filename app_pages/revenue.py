"""Revenue: the MRR bridge of the period, movements over time, MRR and ARR, and the customers behind each movement."""

import pandas as pd
import streamlit as st

from kpi import formatting as fmt
from kpi.metrics.revenue import PERIOD_FREQ, aggregate_series, bridge, movement_details
from kpi.report.build import customer_names, months_of_period
from kpi.text import escape_markdown
from ui import charts, data, empty, state

current = state.current()
st.title("Revenue")
report = data.report(current) if current.as_of is not None else None
if report is None or report.revenue is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "the MRR bridge and movements")
    st.stop()

granularity = current.granularity
period_months = months_of_period(report, granularity)
period = report.as_of.asfreq(PERIOD_FREQ[granularity])
label = report.as_of.strftime("%B %Y") if granularity == "month" else f"{period} (to {report.as_of.strftime('%B %Y')})"
st.caption(f"{escape_markdown(current.workspace.name)} · {label}"
           + (f" · filtered: {escape_markdown(current.filter_text())}" if current.filters else ""))

left, right = st.columns([3, 2])
with left:
    bridge_event = st.plotly_chart(charts.mrr_bridge(bridge(report.revenue.series, period_months), report.currency,
                                                     f"MRR bridge · {label}"), width="stretch",
                                   on_select="rerun", selection_mode="points", key="bridge_chart")
MOVEMENT_KINDS = ["new", "expansion", "reactivation", "contraction", "churn"]
clicked_bars = [str(p.get("x", "")).lower() for p in (bridge_event.selection.points
                                                     if bridge_event and bridge_event.selection else [])]
if clicked_bars and clicked_bars[-1] in MOVEMENT_KINDS:  # a bridge bar lists its customers below
    st.session_state["revenue_period"] = str(period)
    st.session_state["revenue_kinds"] = [clicked_bars[-1]]
with right:
    st.plotly_chart(charts.mrr_arr(aggregate_series(report.series_frame(), granularity), report.currency),
                    width="stretch")

series = aggregate_series(report.series_frame(), granularity)
st.subheader(f"Movements by {granularity}")
st.caption("Click a bar (here or in the bridge) to list the customers behind that period's movements.")
event = st.plotly_chart(charts.movements_over_time(series, report.currency), width="stretch",
                        on_select="rerun", selection_mode="points", key="movements_chart")

periods = [str(p) for p in series.index[::-1]]
clicked = [pd.Timestamp(point["x"]).to_period("M").asfreq(PERIOD_FREQ[granularity]) for point in
           (event.selection.points if event and event.selection else [])]
if clicked and str(clicked[-1]) in periods:
    st.session_state["revenue_period"] = str(clicked[-1])
chosen = st.selectbox("Customers behind the movements of", periods, key="revenue_period")
months = report.months[report.months.asfreq(PERIOD_FREQ[granularity]) == pd.Period(chosen, freq=PERIOD_FREQ[granularity])]
details = movement_details(report.revenue.mrr, months)
names = customer_names(report.tables)
details.insert(2, "name", details["customer_id"].map(names))
if "revenue_kinds" not in st.session_state:
    st.session_state["revenue_kinds"] = list(MOVEMENT_KINDS)
kinds = st.multiselect("Movements", MOVEMENT_KINDS, key="revenue_kinds")
shown = details[details["movement"].isin(kinds)]
summary = shown.groupby("movement")["amount"].agg(["count", "sum"])
st.text("   ".join(f"{kind}: {int(row['count'])} customers, {fmt.money(row['sum'], report.currency)}"
                   for kind, row in summary.iterrows()) or "No movement in this period.")
st.dataframe(shown.assign(month=shown["month"].astype(str)), hide_index=True, width="stretch",
             column_config={"previous": st.column_config.NumberColumn("MRR before", format="%.2f"),
                            "current": st.column_config.NumberColumn("MRR after", format="%.2f"),
                            "amount": st.column_config.NumberColumn("Movement", format="%.2f")})

st.subheader("Movements table")
table = series.copy()
table.index = table.index.astype(str)
money = st.column_config.NumberColumn(format="%.2f")
st.dataframe(table.iloc[::-1].rename(columns=lambda c: c.replace("_", " ").capitalize()), width="stretch",
             column_config={c.capitalize(): money for c in ("mrr", "new", "expansion", "contraction", "churn",
                                                            "reactivation")} | {"Mrr": st.column_config.NumberColumn(
                 "MRR", format="%.2f")})

st.download_button("Download MRR per customer and month (CSV)", data.mrr_csv_of(current, report),  # cached: made once per report
                   file_name=f"mrr_by_customer_{report.as_of}.csv", mime="text/csv", icon=":material/download:",
                   on_click="ignore", help="Reconcile every monthly figure with your billing system, customer by "
                                           "customer.")
