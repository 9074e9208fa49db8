"""Overview: the month's headline KPIs with their trend, benchmark and computation, and the MRR trend."""

import streamlit as st

from kpi.metrics.revenue import aggregate_series
from kpi.report.periods import view
from kpi.text import escape_markdown
from ui import alerts_view, cards, charts, data, empty, filters, state

current = state.current()
st.title("Overview")
if current.as_of is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "MRR, churn, retention and every revenue KPI")
    st.stop()

report = data.report(current)
shown = view(report, current.granularity)
described = f"month-end snapshot of {shown.label}" if current.granularity == "month" else shown.label
st.caption(f"{escape_markdown(current.workspace.name)} · {escape_markdown(described)}, compared with "
           f"{escape_markdown(shown.comparison_label)}"
           + filters.in_force(current))
alerts_view.banner(current, report, state.targets())
if shown.partial:
    st.info(f"{shown.label} is a partial {current.granularity}: {shown.window.months} of its months so far. Rates and "
            f"movements cover those months only and are compared with the same months of the {current.granularity} "
            "before; balances (MRR, customers) are read at its last month.", icon=":material/date_range:")

if report.revenue is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "MRR, churn and the revenue KPIs")
    cards.grid(report, ("nps", "csat", "fcr") + (cards.OVERVIEW_FINANCE if report.finance else ()), current.granularity)
    st.stop()

if current.granularity != "month":
    st.caption(f"Churn, NRR, GRR and the quick ratio are over the {current.granularity}'s months; MRR, customers "
               f"and ARPA at its last month; NPS, CSAT, LTV : CAC at its last month over their own windows.")
cards.grid(report, cards.OVERVIEW + (cards.OVERVIEW_FINANCE if report.finance else ()), current.granularity)
if report.allocation is not None:
    rule = escape_markdown(report.allocation.text(report.as_of))
    st.caption(f":material/filter_alt: LTV : CAC under the segment filter: {rule}.")

st.subheader("MRR and its movements")
series = aggregate_series(report.series_frame(), current.granularity)
st.plotly_chart(charts.mrr_trend(series, report.currency, target=state.targets().get("mrr")), width="stretch")
