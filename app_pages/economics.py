"""Unit economics: LTV, CAC, LTV:CAC, CAC payback, retention cost and CS ROI, how each is computed, and the
gross margin they use (from COGS when mapped, else a setting)."""

import pandas as pd
import streamlit as st

from kpi.metrics import economics
from ui import data, empty, filters, state
from ui import ops_charts as ops

KEYS = ("ltv", "cac", "ltv_cac", "payback_months", "crc", "cs_roi", "gross_margin")
HINTS = {True: (st.success, ":material/thumb_up:"), False: (st.warning, ":material/trending_down:"),
         None: (st.info, ":material/info:")}

current = state.current()
st.title("Unit economics")
report = data.report(current) if current.as_of is not None else None
if report is None or report.unit_economics is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "LTV, CAC, payback and retention cost")
    st.stop()

month = pd.Period(current.as_of, freq="M")
unit = report.unit_economics
costs = report.tables.get("costs")
st.caption(f"{ops.period_caption(current, report, with_filter=False)}. Read at the period's last month: CAC, "
           f"payback and gross margin use the last {current.settings.cac_months} months that have costs; LTV's churn "
           f"the last {current.settings.ltv_churn_months} months (both set on Definitions & settings); CS ROI the last "
           "12 months that have costs"
           + filters.in_force(current))
filters.show_allocation(report)
cards = ops.metrics(current, KEYS)
ops.card_row(cards, report.currency, per_row=4, report=report, granularity=current.granularity)
if (costs is None or costs.empty) and report.allocation is not None:
    st.caption("No cost is charged to the segment under this rule.")
elif costs is None or costs.empty:
    empty.missing(("costs",), "CAC, LTV:CAC, payback, retention cost and the gross margin from COGS")
else:
    hint = economics.ltv_cac_benchmark(unit.ltv_cac)
    show, icon = HINTS[hint.met]
    show(hint.text, icon=icon)
    left, right = st.columns(2)
    with left:
        st.subheader("Costs by month")
        st.plotly_chart(ops.costs_by_category(economics.costs_up_to(costs, month, months=24), report.currency),
                        width="stretch")
    with right:
        st.subheader("LTV : CAC by month")
        trend = {metric.key: metric for metric in cards}["ltv_cac"].history
        if trend.dropna().empty:
            st.caption("LTV:CAC is n/a in every month so far: it needs sales & marketing costs and new customers.")
        else:
            st.plotly_chart(ops.ltv_cac_trend(trend), width="stretch")

st.subheader("How each number is computed")
ops.workings_table(economics.unit_economics_workings(unit, report.currency))

variants, margin = st.columns([3, 2])
with variants:
    st.subheader("LTV, three ways")
    ops.variants_table(economics.ltv_variants_table(economics.ltv_variants(unit), report.currency))
with margin:
    st.subheader("Gross margin")
    ops.gross_margin_setting(unit)
