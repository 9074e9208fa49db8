"""Retention: cohort heatmaps (logos and revenue), the average retention curve, one age across
cohorts, the churn-rate trend, churned MRR by reason, and two segments side by side."""

import pandas as pd
import streamlit as st

from kpi.metrics import cohorts as cohort_analysis
from kpi.report.build import segment_attributes
from kpi.text import escape_markdown
from ui import churn_reasons_view, data, state
from ui import retention_charts as charts

current = state.current()
st.title("Retention")
report = data.report(current) if current.as_of is not None else None
if report is None or report.cohorts is None:
    st.info("Retention needs customer activity month by month. Map a **subscriptions**, **invoices** or "
            "**MRR** sheet (revenue), or an **orders** or **events** sheet, on the **Map columns** page.")
    st.stop()

granularity = current.granularity
first = {"revenue": "first payment", "orders": "first order", "events": "first event"}[report.cohorts.basis]
customers = report.tables.frames.get("customers") if report.tables is not None else None
has_signup = customers is not None and "signup_date" in customers and customers["signup_date"].notna().any()
PERIODS = ("month", "quarter", "year")
opening = charts.default_period(granularity, report.cohorts.sizes.size)

with st.container(horizontal=True, gap="medium"):
    period = st.segmented_control(  # one choice per sidebar granularity: changing it there starts afresh
        "Cohort period", PERIODS, key=f"retention_period::{granularity}", default=opening, required=True,
        format_func=str.capitalize,
        help="The length of a cohort and of an age. The sidebar's granularity, or quarters when there are more "
             "than 24 monthly cohorts.")
    CELLS = {"start": "% of cohort start", "previous": "% of previous " + period, "values": "Counts & amounts"}
    cohort_by = st.segmented_control(
        "Cohort by", ["first_payment", "signup"], key="retention_cohort_by", required=True,
        default=current.settings.cohort_by if has_signup else "first_payment",
        format_func=lambda option: first.capitalize() if option == "first_payment" else "Signup date",
        disabled=not has_signup,
        help="A customer's cohort is the " + period + " of its " + first + ", or of its signup date in the "
             "customers table." + ("" if has_signup else " No signup date is mapped in this workspace."))
    cells = st.segmented_control("Cells show", list(CELLS), format_func=CELLS.get, key="retention_cells",
                                 default="start", required=True,
                                 help="% of cohort start: share of the cohort's customers (or MRR) at age 0. "
                                      "% of previous: share of what the cohort had one " + period + " before. "
                                      "Counts & amounts: customers active, and their MRR.")
cohort_by = cohort_by if has_signup else "first_payment"
since = "signup" if cohort_by == "signup" else first
cohorts = charts.cohorts(current, report, cohort_by=cohort_by, period=period)
if cohorts is None or cohorts.sizes.empty:
    st.info("No customer is active in any " + period + " up to the as-of month with these filters.")
    st.stop()

month = pd.Period(current.as_of, freq="M")
filtered = f" · filtered: {escape_markdown(current.filter_text())}" if current.filters else ""
st.caption(f"{cohorts.sizes.size} {period}ly cohort{'s' if cohorts.sizes.size > 1 else ''} of "
           f"{int(cohorts.sizes.sum()):,} customers by {since}, as of {month.strftime('%B %Y')}{filtered}. "
           "Blank cells: ages a cohort has not reached yet; the last row averages each age over the cohorts "
           "that reached it, weighted by cohort size.")
if opening != granularity and period == opening:
    st.caption(f"Shown by quarter: {report.cohorts.sizes.size} monthly cohorts make cells too small to read. "
               "Choose **Month** above to see every month (numbers then show on hover).")

# --------------------------------------------------------------------------------- heatmaps
views = {
    "logo": {"start": (cohorts.logo, "percent"),
             "previous": (cohort_analysis.period_over_period(cohorts.logo), "percent"),
             "values": (cohorts.counts, "count")},
    "revenue": {"start": (cohorts.revenue, "percent"),
                "previous": (cohort_analysis.period_over_period(cohorts.amounts), "percent"),
                "values": (cohorts.amounts, "amount")},
}
names = {"logo": "Logo retention", "revenue": "Revenue retention"}
for tab, kind in zip(st.tabs([names["logo"], names["revenue"]]), ("logo", "revenue"), strict=True):
    with tab:
        matrix, as_ = views[kind][cells]
        if kind == "revenue" and cohorts.basis == "events":
            st.info("Events carry no amounts: revenue retention needs a revenue or orders table.")
            continue
        amount_name = "MRR" if cohorts.basis == "revenue" else "Amount"
        value_name = {"start": "% of start", "previous": "% of previous",
                      "values": "Customers" if kind == "logo" else amount_name}[cells]
        figure = charts.cohort_heatmap(matrix, cohorts.sizes, as_=as_, period=period, since=since,
                                       currency=report.currency, value_name=value_name,
                                       colour_range=charts.robust_range(matrix) if cells == "previous" else None,
                                       average=cohort_analysis.weighted_average_row(matrix, cohorts.sizes))
        event = st.plotly_chart(figure, width="stretch", key=f"heatmap_{kind}", on_select="rerun",
                                selection_mode="points")
        picked = charts.picked_cell(event, cohorts)
        if picked is not None:  # a click on a cell drills into it below
            st.session_state["retention_cell_cohort"], st.session_state["retention_cell_age"] = picked
        st.download_button("Download this matrix (CSV)", matrix.to_csv(), icon=":material/download:",
                           file_name=f"{kind}_retention_{cells}_{period}_{current.as_of}.csv", mime="text/csv",
                           key=f"csv_{kind}", on_click="ignore")

# --------------------------------------------------------------------------------- one cell
st.subheader("Customers behind a cell")
st.caption("Click a cell of the heatmap, or choose its cohort and age: the cohort's customers, lost or still "
           "active at that age.")
labels = {charts.period_label(c): c for c in cohorts.sizes.index}
if st.session_state.get("retention_cell_cohort") not in labels:
    st.session_state["retention_cell_cohort"] = next(iter(labels))
left, right = st.columns([2, 1])
with left:
    cell_cohort = labels[st.selectbox("Cohort", list(labels), key="retention_cell_cohort")]
reached = int(cohorts.ages_reached()[cell_cohort])
st.session_state["retention_cell_age"] = min(int(st.session_state.get("retention_cell_age", 0)), reached)
with right:
    cell_age = st.number_input(f"Age ({period}s since {since})", 0, reached, step=1, key="retention_cell_age")
members = charts.cell_members(current, report, cohorts, cell_cohort, int(cell_age))
active = int(members["active"].sum())
st.text(f"{charts.period_label(cell_cohort)}, {period} {int(cell_age)}: {active} of {len(members)} customers active "
        f"({active / len(members):.0%}), {len(members) - active} lost." if len(members) else "No member.")
st.dataframe(members, hide_index=True, width="stretch",
             column_config={"customer_id": st.column_config.TextColumn("Customer ID"),
                            "amount": st.column_config.NumberColumn(
                 "MRR then" if cohorts.basis == "revenue" else "Amount then", format="%.2f")})

# --------------------------------------------------------------------------------- curves
average = cohort_analysis.average_retention(cohorts)
st.subheader("Average retention curve")
curves = {"Logo retention": average["logo"]}
if average["revenue"].notna().any():
    curves["Revenue retention"] = average["revenue"]
st.plotly_chart(charts.retention_curves(curves, period=period, since=since, cohorts=average["cohorts"]),
                width="stretch", key="average_curve")
st.caption("Weighted by cohort size, over the cohorts that reached each age: the later ages rest on fewer, "
           "older cohorts.")

age_column, churn_column = st.columns(2, gap="large")
with age_column:
    st.subheader(f"One {period} across cohorts")
    oldest = int(cohorts.ages_reached().max())
    if oldest < 1:
        st.info(f"No cohort is older than one {period} yet.")
    else:
        # the age lives in session state, kept within reach when the view changes (fewer, longer periods)
        st.session_state["retention_age"] = min(st.session_state.get("retention_age", 3 if period == "month" else 1),
                                                oldest)
        age = st.number_input(f"Age ({period}s since {since})", min_value=1, max_value=oldest, step=1,
                              key="retention_age", width=220)
        trends = {"Logo": cohort_analysis.age_trend(cohorts, age, "logo")}
        averages = {"Logo": average.at[age, "logo"]}
        if average["revenue"].notna().any():
            trends["Revenue"] = cohort_analysis.age_trend(cohorts, age, "revenue")
            averages["Revenue"] = average.at[age, "revenue"]
        st.plotly_chart(charts.retention_at_age(trends, age=age, period=period, averages=averages),
                        width="stretch", key="age_trend")
        st.caption("Dashed: the size-weighted average at that age.")
with churn_column:
    st.subheader("Churn rate")
    if report.revenue is None:
        st.info("The churn rate needs a revenue table (subscriptions, invoices or MRR).")
    else:
        st.caption(f"Customers lost during the {granularity} ÷ paying customers at its start (logo churn); MRR lost to "
                   f"churn and contraction ÷ MRR at its start (gross MRR churn). Open marker: not over yet.")
        trend = cohort_analysis.churn_rate_trend(report.series_frame(), granularity)
        st.plotly_chart(charts.churn_rates(trend, period=granularity), width="stretch", key="churn_trend")

# --------------------------------------------------------------------------------- reasons
churn_reasons_view.show(report)

# --------------------------------------------------------------------------------- segments
st.subheader("Compare two segments")
attributes = segment_attributes(report.tables) if report.tables is not None else {}
if not attributes:
    st.info("Map a customers table with attributes such as plan, segment or country to compare segments.")
    st.stop()
with st.container(horizontal=True):
    attribute = st.selectbox("Attribute", list(attributes), key="retention_attribute",
                             format_func=lambda name: name.replace("_", " ").capitalize())
    values = [v for v in cohort_analysis.largest_segments(customers, attribute) if v in attributes[attribute]]
    value_a = st.selectbox("Segment A", values, index=0, key=f"retention_a::{attribute}")
    value_b = st.selectbox("Segment B", values, index=1 if len(values) > 1 else 0, key=f"retention_b::{attribute}")
segments = {value: charts.cohorts(current, report, cohort_by=cohort_by, segment=(attribute, value), period=period)
            for value in dict.fromkeys((value_a, value_b))}
averages = {value: cohort_analysis.average_retention(result) for value, result in segments.items()
            if result is not None and not result.sizes.empty}
if not averages:
    st.info("Neither segment has customers in these cohorts.")
    st.stop()
legend = {value: f"{charts.plain(value)} ({int(segments[value].sizes.sum()):,})" for value in averages}
logo_column, revenue_column = st.columns(2, gap="large")
with logo_column:
    st.markdown("**Logo retention**")
    st.plotly_chart(charts.retention_curves({legend[v]: a["logo"] for v, a in averages.items()}, period=period,
                                            since=since), width="stretch", key="segments_logo")
with revenue_column:
    st.markdown("**Revenue retention**")
    if cohorts.basis == "events":
        st.info("Events carry no amounts: revenue retention needs a revenue or orders table.")
    else:
        st.plotly_chart(charts.retention_curves({legend[v]: a["revenue"] for v, a in averages.items()},
                                                period=period, since=since), width="stretch", key="segments_revenue")
st.caption("Size-weighted average curves of each segment's cohorts (customers in brackets).")
