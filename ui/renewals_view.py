"""The Revenue page's renewals: the renewal-rate card and the annual plans' renewals of the last 12 months.

The numbers are the report's (`kpi.metrics.renewals`, computed once in the report's revenue); this
module only lays them out: the card with its Formula popover (ui.cards), and a month-by-month table
of the annual plans' anniversaries with the 12 months together on top.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi import formatting as fmt
from kpi.metrics.renewals import renewal_rate_between
from kpi.report.build import Report
from ui import cards

ANNUAL_MONTHS = 12  # the annual plans' table covers the last 12 months up to the as-of month


def annual_table(report: Report, months: int = ANNUAL_MONTHS) -> pd.DataFrame:
    """The annual plans' renewals of the last `months` months up to as-of, newest first, as the page
    shows them: Month ("Oct 2026"), Renewing, Renewed (customers), Renewal rate ("50.0 %", "n/a"
    when no annual plan came to its anniversary that month)."""
    table = report.revenue.annual_renewals
    chosen = table[(table.index > report.as_of - months) & (table.index <= report.as_of)].iloc[::-1]
    return pd.DataFrame({
        "Month": [month.strftime("%b %Y") for month in chosen.index],
        "Renewing": chosen["renewing"].to_numpy(),
        "Renewed": chosen["renewed"].to_numpy(),
        "Renewal rate": [fmt.percent(rate) for rate in chosen["renewal_rate"]],
    })


def annual_summary(report: Report, months: int = ANNUAL_MONTHS) -> str:
    """'Annual plans, last 12 months (Nov 2025–Oct 2026): 21 renewed of 29 renewing = 72.4 %.'"""
    renewing, renewed, rate = renewal_rate_between(report.revenue.annual_renewals, report.as_of - months,
                                                   report.as_of)
    span = f"{(report.as_of - months + 1).strftime('%b %Y')}–{report.as_of.strftime('%b %Y')}"
    if not renewing:
        return f"Annual plans, last {months} months ({span}): no annual plan came to its anniversary."
    return (f"Annual plans, last {months} months ({span}): {fmt.count(renewed)} renewed of "
            f"{fmt.count(renewing)} renewing = {fmt.percent(rate)}.")


def section(report: Report, granularity: str) -> None:
    """The renewal-rate card (over the month, quarter or year) beside the annual plans' table; with
    invoices or MRR rows, a sentence saying why there is no renewal rate."""
    st.subheader("Renewals")
    if report.revenue.renewals is None:
        st.caption("The renewal rate needs subscription rows with a billing interval: invoices and MRR rows do "
                   "not say when a customer comes up for renewal.")
        return
    left, right = st.columns([1, 2])
    with left:
        cards.card(report, "renewal_rate", granularity)
        st.caption("Customers whose subscription came up for renewal (monthly plans every month, annual plans on "
                   "their anniversary) and still pay at the end of the month.")
    with right:
        st.markdown(f"**{annual_summary(report)}**")
        table = annual_table(report)
        st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3,  # every month shown
                     column_config={"Renewing": st.column_config.NumberColumn(help="Customers with an annual "
                                                                                   "plan's anniversary that month"),
                                    "Renewed": st.column_config.NumberColumn(help="Of them, still paying at the "
                                                                                  "end of the month")})
