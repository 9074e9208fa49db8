"""Definitions & settings: every convention in force, visible and editable in one place."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from kpi.ingest.sql_events import EventsSource
from kpi.report.build import Settings
from kpi.report.narrative import kpi_label
from kpi.report.update import HEADLINE_SPECS
from kpi.text import escape_markdown
from ui import access, alert_delivery_view, alert_rules_view, data, definitions_doc, events_source, finance_view, state

current = state.current()
settings = state.settings()
report = data.report(current) if current.as_of is not None else None
economics = report.unit_economics if report is not None else None
st.title("Definitions & settings")
st.caption("Every number follows the KPI definitions at the bottom of this page; where a convention can be "
           "chosen, the default is the one written there and your choice applies to every page, export and "
           "download of this session.")
read_only = access.read_only()  # a "can view" guest reads every convention, changes none
if read_only:
    access.explain()

st.subheader("Revenue")
st.markdown(
    "- **MRR is an end-of-month snapshot**: a subscription counts in month M when it has started by M's last day "
    "and has not ended by then. A customer who starts and cancels inside one month never shows (as in ProfitWell); "
    "a 100 % discount makes MRR 0, which is churn (as in Baremetrics).\n"
    "- **Movements**: new (first MRR ever), reactivation (MRR again after a gap), expansion, contraction, churn; "
    "MRR(M) = MRR(M−1) + new + reactivation + expansion − contraction − churn.\n"
    "- **Trials and non-paying statuses** (`trialing`, `in_trial`, `incomplete`, `essai`, `future`) are not MRR; a row counts "
    "from its trial end. A row whose status says it ended (cancelled, deleted…) but that has no end date still "
    "counts, and Map columns and Data quality name those rows.\n"
    "- **Amounts in cents** (Chargebee's and other billing APIs' exports) are divided by 100 when the mapping says "
    "so; it is proposed when the header or the export's shape tells.\n"
    "- **One revenue source**: subscriptions, else invoices, else MRR rows — never two added together."
)

with st.form("settings"):
    st.subheader("Conventions you can change")
    left, right = st.columns(2)
    with left:
        cohort_by = st.radio("Cohort of a customer", ["first_payment", "signup"],
                             index=["first_payment", "signup"].index(settings.cohort_by), horizontal=True,
                             format_func={"first_payment": "First payment month", "signup": "Signup date"}.get)
        windows = {90: "Last 90 days", "month": "The month only", "all": "All responses to date"}
        survey_window = st.radio("Survey window of NPS, CSAT and CES", list(windows), horizontal=True,
                                 index=list(windows).index(settings.survey_window)
                                 if settings.survey_window in windows else 0, format_func=windows.get)
        nps_rule = st.radio("NPS counting rule", ["all", "latest"], index=["all", "latest"].index(settings.nps_rule),
                            horizontal=True, format_func={"all": "Every response",
                                                          "latest": "Latest answer per customer"}.get)
        row_readings = {"add": "Rows add up", "replace": "A customer's newer row replaces the older one"}
        subscription_rows = st.radio(
            "A customer's several subscription rows", list(row_readings), horizontal=True,
            index=list(row_readings).index(settings.subscription_rows) if settings.subscription_rows in row_readings
            else 0, format_func=row_readings.get,
            help="Rows add up: two rows running in one month are two subscriptions (two products), both paid. "
                 "Newer row replaces: a plan change written as a new row ends the older row on the day it starts.")
        value_events = events_source.value_event_choices(settings)  # the events database's, when chosen
        value_events = data.event_names(current.workspace) if value_events is None else value_events
        value_event = st.selectbox(
            "Value event (time to first value)", value_events or [settings.value_event],
            index=(value_events.index(settings.value_event) if settings.value_event in value_events else 0),
            help="The product event that means a new customer got value.")
        events_source_choice = settings.events_source
        if isinstance(team_events := events_source.configured(), EventsSource):  # a hosted team's events database
            events_source_choice = st.radio(
                "Product events of this workspace", list(events_source.CHOICES), disabled=read_only,
                index=list(events_source.CHOICES).index(settings.events_source)
                if settings.events_source in events_source.CHOICES else 0,
                format_func=lambda choice: escape_markdown(events_source.choice_label(choice, team_events)),
                help="The database counts DAU/MAU, time to first value and the health score's usage (GROUP BY, "
                     "every 10 minutes); only the counts reach the app. The events file is then not used.")
        elif team_events is not None:
            st.caption(f"The team's events database is set but cannot be used: {escape_markdown(team_events)}")
    with right:
        gross_margin = st.number_input("Gross margin when no COGS are mapped (%)", 0.0, 100.0,
                                       float(settings.gross_margin * 100), step=1.0)
        if economics is not None and economics.gross_margin_source == "costs":
            st.caption(f"This workspace maps COGS costs: the gross margin in force is "
                       f"{economics.gross_margin:.1%} (1 − COGS ÷ MRR) and this setting is not used.")
        ltv_churn_months = st.number_input("LTV: average churn over the last … months", 1, 24,
                                           int(settings.ltv_churn_months))
        cac_months = st.number_input("CAC, payback and gross margin: over the last … months", 1, 12,
                                     int(settings.cac_months))
        allocations = {"mrr_share": "By its share of MRR", "new_customers_share": "Sales & marketing by its share "
                       "of new customers", "none": "Not at all (n/a)"}
        cost_allocation = st.radio(
            "Under a segment filter, charge company-wide costs to the segment", list(allocations),
            index=list(allocations).index(settings.cost_allocation) if settings.cost_allocation in allocations else 0,
            format_func=allocations.get,
            help="Costs have no customer. By MRR share, each month's costs × the segment's share of MRR (its gross "
                 "margin is then the company's); by new customers, sales & marketing × its share of the month's new "
                 "customers; not at all, CAC, LTV:CAC, payback and retention cost are n/a under a filter.")
        reporting_currency = st.text_input("Reporting currency (with a rates table)",
                                           settings.reporting_currency or "", max_chars=3,
                                           placeholder="EUR").strip().upper() or None
        rates = st.data_editor(
            pd.DataFrame(list(settings.rates) or [], columns=["currency", "rate"]).astype({"currency": str,
                                                                                       "rate": float}),
            num_rows="dynamic", hide_index=True, width="stretch", key="rates_editor",
            column_config={"currency": st.column_config.TextColumn("Currency", max_chars=3),
                           "rate": st.column_config.NumberColumn("Value of 1 unit in the reporting currency",
                                                                 min_value=0.0, format="%.6f")},
        )
    saved = st.form_submit_button("Apply to every page", type="primary", disabled=read_only)
if saved:
    clean_rates = tuple((str(c).strip().upper(), float(r)) for c, r in rates.dropna().itertuples(index=False)
                        if str(c).strip() and r > 0)
    if clean_rates and not reporting_currency:
        st.error("A rates table needs a reporting currency.")
    else:
        state.set_settings(replace(settings, cohort_by=cohort_by, survey_window=survey_window, nps_rule=nps_rule,
                                   value_event=value_event, gross_margin=gross_margin / 100,
                                   ltv_churn_months=int(ltv_churn_months), cac_months=int(cac_months),
                                   reporting_currency=reporting_currency, rates=clean_rates,
                                   subscription_rows=subscription_rows, cost_allocation=cost_allocation,
                                   events_source=events_source_choice))
        st.success("Settings applied.")
        st.rerun()
if st.button("Back to the defaults", icon=":material/restart_alt:", disabled=read_only):
    state.set_settings(Settings())
    st.rerun()

# Financing: which bank categories are money raised or repaid, kept out of burn
choices = finance_view.financing_choices(report)
if choices is not None:
    with st.form("financing"):
        st.subheader("Bank categories: financing or spending")
        st.caption("A round, a loan or a grant is not burn: a category whose name or labels say so is ticked. "
                   "Tick or untick to decide; cash, burn, runway and the burn multiple follow.")
        edited = st.data_editor(choices, hide_index=True, width="stretch", key="financing_editor",
                                disabled=["Category", "Rows", "Amount", "Why"],
                                column_config={"Financing": st.column_config.CheckboxColumn("Financing (not burn)"),
                                               "Amount": st.column_config.NumberColumn(format="%.2f")})
        if st.form_submit_button("Save the financing categories", type="primary", disabled=read_only):
            state.set_settings(replace(settings, financing_categories=finance_view.financing_overrides(report,
                                                                                                      edited)))
            st.rerun()

# Targets: the investor update says when a KPI reaches its target or stops meeting it.
TARGET_KPIS = ("mrr", "arr", "customers", "net_new_mrr", "logo_churn_rate", "gross_mrr_churn_rate", "nrr_12m",
               "ltv_cac", "payback_months", "nps", "csat")
KINDS = {key: kind for key, kind, *_ in HEADLINE_SPECS}
UNITS = {"money": (report.currency if report is not None and report.currency else "data currency"),
         "count": "customers", "rate": "%", "ratio": "×", "months": "months", "points": "points"}
saved_targets = state.targets()
with st.form("targets"):
    st.subheader("Targets")
    st.caption("Optional. The investor update's highlights and lowlights say when a KPI reaches its target or no "
               "longer meets it. Leave a box empty for no target; churn and payback are met at or below the target.")
    columns = st.columns(3)
    entered = {}
    for position, key in enumerate(TARGET_KPIS):
        kind = KINDS[key]
        shown = saved_targets.get(key)
        entered[key] = columns[position % 3].number_input(
            f"{kpi_label(key, 'en')} ({UNITS[kind]})", value=None if shown is None else
            (shown * 100 if kind == "rate" else shown), step=1.0 if kind in ("money", "count", "rate") else 0.1,
            key=f"target::{key}", placeholder="No target")
    if st.form_submit_button("Save the targets", type="primary", disabled=read_only):
        state.set_targets({key: (value / 100 if KINDS[key] == "rate" else float(value))
                           for key, value in entered.items() if value is not None})
        st.rerun()
if saved_targets:
    st.caption("Targets in force: " + " · ".join(
        f"{kpi_label(k, 'en')} {v:.2%}" if KINDS[k] == "rate" else f"{kpi_label(k, 'en')} {v:g}"
        for k, v in saved_targets.items()))

# Alert rules: when a KPI crosses one, `python -m kpi alerts` says so (exit 3) and delivers it
if (chosen := alert_rules_view.form(settings, disabled=read_only)) is not None:
    state.set_settings(chosen)
    st.rerun()
alert_rules_view.month_summary(report, saved_targets)
alert_delivery_view.show(current.workspace.id)

st.subheader("Fixed by the definitions")
st.markdown(
    "- **NPS**: promoters 9–10, passives 7–8, detractors 0–6; margin of error at 95 %.\n"
    "- **CSAT**: share of answers in the top two boxes of the scale (4–5 on 1–5; a mapping option sets "
    "another scale). **CES**: the mean on the data's own scale (1–7 by default).\n"
    "- **FCR**: tickets resolved at first contact ÷ tickets whose outcome is known.\n"
    "- **LTV** = ARPA × gross margin ÷ average monthly logo churn (ChartMogul); **CAC** = sales & marketing "
    "costs ÷ new customers; **payback** = CAC ÷ (ARPA of new customers × gross margin).\n"
    "- **Health**: red < 40 ≤ yellow < 70 ≤ green; weights on the Customers & health page.\n"
    "- A ratio whose denominator is 0 shows n/a, never 0."
)

st.subheader("Reconcile with your billing system")
if report is None or report.revenue is None:
    st.info("Map a subscriptions, invoices or MRR sheet to download the MRR of every customer and month.")
else:
    st.caption(f"{len(report.revenue.mrr)} customers × {len(report.months)} months, in "
               f"{report.currency or 'the data currency'}: the table every revenue figure is computed from.")
    st.download_button("Download MRR per customer and month (CSV)", lambda: data.mrr_csv_of(current, report),  # on click
                       file_name=f"mrr_by_customer_{report.as_of}.csv", mime="text/csv", icon=":material/download:",
                       on_click="ignore")

st.subheader("All definitions")
st.caption("Every KPI in words and in symbols, its key in the JSON report, and every convention and setting.")
definitions_doc.show(st.text_input("Search the definitions", placeholder="e.g. NRR, cohort, trial",
                                   key="definitions_search"))
