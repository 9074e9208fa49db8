"""Satisfaction: NPS with its margin of error, distribution, trend and segments; CSAT and CES;
NPS × revenue; and what customers wrote, filterable, with its most frequent terms."""

import streamlit as st

from kpi import formatting as fmt
from kpi.metrics import surveys
from kpi.text import escape_markdown
from ui import data, more_files, state
from ui import satisfaction_charts as views

TERMS = 12  # most frequent terms shown per category

current = state.current()
st.title("Satisfaction")
if current.as_of is None:  # the month is the last one with a dated row in any table
    st.info("This workspace has no month to report on yet: no row has a date. Map the date column of your survey "
            "answers (or of any other sheet) on the **Map columns** page.")
    st.stop()

report = data.report(current)
window = views.window_text(report)
filters = f" · segment filter: {escape_markdown(current.filter_text())}" if current.filters else ""
st.caption(f"{escape_markdown(current.workspace.name)} · month-end snapshot of "
           f"{report.as_of.strftime('%B %Y')} · NPS, CSAT and CES over the {window}{filters}")

nps_rows, csat_rows, ces_rows = (views.survey(report, table) for table in ("nps", "csat", "ces"))
missing = [table for table, rows in (("nps", nps_rows), ("csat", csat_rows), ("ces", ces_rows)) if rows is None]
if missing:
    st.info(f"No {' or '.join(t.upper() for t in missing)} answers in this workspace: map a sheet as the "
            f"{' or '.join(f'**{t}**' for t in missing)} table on the **Map columns** page.", icon=":material/info:")
if len(missing) == 3:
    st.stop()

# ── headline ─────────────────────────────────────────────────────────────────────────────
given = [table for table in ("nps", "csat", "ces") if getattr(report, table) is not None]
if not given:
    st.info("No survey answer comes from the customers of the segment filter: widen it in the sidebar.")
    st.stop()
views.headline(report, {table: views.monthly(current, report, table) for table in given}, window)
more_files.show(report, "satisfaction")
if report.nps is None:
    if nps_rows is not None:
        st.info("No NPS answer comes from the customers of the segment filter: widen it in the sidebar.")
    st.stop()
margin = surveys.nps_margin(report.nps)
st.caption(
    f"NPS {views.nps_text(report.nps.score)}"
    + (f" ± {margin:.1f} points (95 % interval {views.interval(report.nps)}) on {fmt.count(report.nps.n)} responses"
       if margin is not None else ": no response in the window")
    + f" · benchmark: the average SaaS company scores {surveys.SAAS_AVERAGE_NPS:+.0f}."
)

# ── distribution and trend ───────────────────────────────────────────────────────────────
left, right = st.columns(2, gap="large")
with left:
    st.subheader("Scores, 0 to 10")
    st.plotly_chart(views.score_distribution(surveys.nps_distribution(report.nps.responses)), width="stretch",
                    key="distribution")
with right:
    st.subheader("NPS per month")
    st.plotly_chart(views.nps_trend(views.monthly(current, report, "nps")), width="stretch", key="trend")
    st.caption(f"Each month-end over the {window}; the band is the 95 % interval.")

# ── segments ─────────────────────────────────────────────────────────────────────────────
st.subheader("NPS by segment")
attributes = views.attributes(current, report)
if not attributes:
    st.info("Nothing to break NPS down by: add a segment column to the NPS sheet, or map a customers table "
            "(plan, country…) on the **Map columns** page.")
else:
    by = st.selectbox("Break down by", attributes, key="nps_breakdown", width=320,
                      format_func=lambda name: name.replace("_", " ").capitalize())
    test = views.breakdown(current, report, by)
    with st.container(border=True):
        st.caption("Do they answer differently? Chi-square test of independence, "
                   f"{escape_markdown(by.replace('_', ' '))} × promoter / passive / detractor")
        st.text(test.verdict)
    chart, table = st.columns(2, gap="large", vertical_alignment="center")
    with chart:
        if len(test.table):
            st.plotly_chart(views.segment_scores(test.table, report.nps.score), width="stretch", key="segments")
    with table:
        st.dataframe(views.segment_table(test.table), hide_index=True, width="stretch",
                     column_config={by: by.replace("_", " ").capitalize()})

# ── NPS × revenue ────────────────────────────────────────────────────────────────────────
st.subheader("NPS × revenue")
if report.revenue is None:
    st.info("No revenue in this workspace: map a subscriptions, invoices or MRR sheet on the **Map columns** page "
            "to see the MRR, churn and NRR of promoters, passives and detractors.")
elif "customer_id" not in nps_rows:
    st.info("The NPS answers have no customer ID, so they cannot be joined to revenue: map the NPS sheet's "
            "customer column on the **Map columns** page.")
else:
    by_category = views.revenue(current, report)
    views.revenue_table(by_category, report.currency)
    chart, explanation = st.columns([3, 2], gap="large", vertical_alignment="center")
    with chart:
        if by_category["base_customers"].sum() > 0:
            st.plotly_chart(views.revenue_by_category(by_category), width="stretch", key="revenue")
        else:
            st.info("No customer of these answers paid 12 months before "
                    f"{report.as_of.strftime('%B %Y')}: churn and NRR over 12 months need that base.")
    with explanation:
        st.caption("Each customer counts in the category of their latest answer up to "
                   f"{report.as_of.strftime('%B %Y')}. Churn and NRR are measured over 12 months, on the customers "
                   "of the category who paid 12 months ago: logo churn is the share of them who no longer pay, NRR "
                   "their MRR today ÷ their MRR then (above 100 %, they spend more than a year ago).")

# ── verbatims ────────────────────────────────────────────────────────────────────────────
st.subheader("What customers wrote")
if "comment" not in nps_rows:
    st.info("The NPS answers have no comments: map the NPS sheet's comment column on the **Map columns** page.")
    st.stop()
segment_by = next(iter(attributes), None)  # "segment" first when there is one
category_filter, segment_filter, search_box, scope_switch = st.columns([2, 2, 3, 2], vertical_alignment="bottom")
with scope_switch:
    everything = st.toggle("Every answer to date", key="verbatims_everything",
                           help=f"Off: only the answers counted in the headline ({window}).")
commented = views.answers(current, report, everything=everything, by=segment_by)
with category_filter:
    categories = st.multiselect("Category", surveys.CATEGORIES, key="verbatims_category", placeholder="All",
                                format_func=lambda c: views.CATEGORY_LABELS[c])
with segment_filter:
    segments = st.multiselect(escape_markdown(segment_by.replace("_", " ").capitalize()) if segment_by else "Segment",
                              sorted(commented[segment_by].dropna().unique()) if segment_by else [],
                              key="verbatims_segment", placeholder="All", disabled=segment_by is None)
with search_box:
    search = st.text_input("Search the comments", key="verbatims_search", placeholder="e.g. export")
shown, terms = views.filtered(current, report, everything=everything, by=segment_by, categories=tuple(categories),
                              segments=tuple(segments), search=search, n=TERMS)
st.caption(f"{fmt.count(len(shown))} of {fmt.count(len(commented))} comments, newest first.")
views.verbatims_table(shown, segment_by)

st.markdown("**Most frequent terms**")
st.caption("Number of the comments above using each word; English and French stop words, elisions (l', qu'…) and "
           "survey filler (“product”, “outil”…) left out.")
if terms.empty:
    st.info("No words to count in these comments.")
else:
    st.plotly_chart(views.terms_by_category(terms, TERMS), width="stretch", key="terms")
