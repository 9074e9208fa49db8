"""Revenue: the MRR bridge of the period, movements over time, MRR and ARR, the customers behind each movement,
and renewals (the renewal rate, the annual plans' anniversaries).

A click on a bar (bridge or movements chart) opens its customers in a dialog, over the chart the user is looking
at (ui.drill), and sets the explorer at the bottom of the page to the same period and movement."""

import pandas as pd
import streamlit as st

from kpi.metrics.revenue import PERIOD_FREQ, aggregate_series, bridge, movement_details
from kpi.report.build import customer_names, months_of_period
from kpi.report.periods import view
from kpi.text import escape_markdown
from ui import charts, data, drill, empty, filters, renewals_view, state

current = state.current()
st.title("Revenue")
report = data.report(current) if current.as_of is not None else None
if report is None or report.revenue is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "the MRR bridge and movements")
    st.stop()

granularity = current.granularity
freq = PERIOD_FREQ[granularity]
period_months = months_of_period(report, granularity)
period = report.as_of.asfreq(freq)
shown = view(report, granularity)
label = shown.label  # "October 2026", "Q3 2026", "Q4 2026 to date (October)"
st.caption(f"{escape_markdown(current.workspace.name)} · {escape_markdown(label)}" + filters.in_force(current))
if shown.partial:
    st.caption(f":material/date_range: A partial {granularity}: its bridge covers {shown.window.months} month(s) "
               "so far.")

series = aggregate_series(report.series_frame(), granularity)
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(charts.mrr_bridge(bridge(report.revenue.series, period_months), report.currency,
                                      f"MRR bridge · {label}"), width="stretch", key="bridge_chart",
                    on_select=drill.on_click("bridge_chart", lambda points: drill.from_bridge(points, str(period))),
                    selection_mode="points")
with right:
    st.plotly_chart(charts.mrr_arr(series, report.currency, target=state.targets().get("mrr")), width="stretch")

st.subheader(f"Movements by {granularity}")
st.caption("Click a bar, here or in the bridge, to list the customers behind it.")
st.plotly_chart(charts.movements_over_time(series, report.currency), width="stretch", key="movements_chart",
                on_select=drill.on_click("movements_chart", lambda points: drill.from_movements(points, freq)),
                selection_mode="points")

periods = [str(p) for p in series.index[::-1]]
chosen = st.selectbox("Customers behind the movements of", periods, key=drill.PERIOD_KEY)
months = report.months[report.months.asfreq(freq) == pd.Period(chosen, freq=freq)]
details = movement_details(report.revenue.mrr, months)
details.insert(2, "name", details["customer_id"].map(customer_names(report.tables)))
if drill.KINDS_KEY not in st.session_state:
    st.session_state[drill.KINDS_KEY] = list(drill.MOVEMENT_KINDS)
kinds = st.multiselect("Movements", drill.MOVEMENT_KINDS, key=drill.KINDS_KEY)
shown = details[details["movement"].isin(kinds)]
links = dict(st.query_params.to_dict())
st.text(drill.summary(shown, report.currency))
drill.customers_table(shown, report.currency, links)
if st.session_state.pop(drill.OPEN_KEY, False):  # set by a click on a bar, once per click
    when = pd.Period(chosen, freq=freq).strftime("%B %Y") if granularity == "month" else chosen
    drill.dialog(shown, f"{', '.join(k.capitalize() for k in kinds)} · {when}", report.currency, links)

st.subheader("Movements table")
table = series.copy()
table.index = table.index.astype(str)
money = st.column_config.NumberColumn(format=drill.money_format(report.currency))
st.dataframe(table.iloc[::-1].rename(columns=lambda c: c.replace("_", " ").capitalize()), width="stretch",
             column_config={c.capitalize(): money for c in ("new", "expansion", "contraction", "churn",
                                                            "reactivation")}
             | {"Mrr": st.column_config.NumberColumn("MRR", format=drill.money_format(report.currency))})

st.download_button("Download MRR per customer and month (CSV)", lambda: data.mrr_csv_of(current, report),  # on click
                   file_name=f"mrr_by_customer_{report.as_of}.csv", mime="text/csv", icon=":material/download:",
                   on_click="ignore", help="Reconcile every monthly figure with your billing system, customer by "
                                           "customer.")

renewals_view.section(report, granularity)
