"""The investor update page's finance part: cash & runway as figures, plan vs actual as a table and
the MRR forecast chart (`ui.forecast_chart.forecast_figure`), from `InvestorUpdate.finance`
(kpi/report/update_finance.py). Draws only what the update has; computes nothing."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi.report import narrative as words
from kpi.report.update import InvestorUpdate
from kpi.text import escape_markdown
from ui.forecast_chart import forecast_caption, forecast_figure


def cash_block(update: InvestorUpdate) -> None:
    """Runway, cash-zero month, cash, net burn a month, gross burn and burn multiple, with the comparison."""
    part, n = update.finance, update.numbers
    f, c = part.figures, part.comparison
    st.subheader(f"Cash & runway — {update.period_label}")
    zero = words.month_label(f.cash_zero_month, "en") if f.cash_zero_month is not None else "—"
    figures = (
        ("Runway", n.months(f.runway_months) if f.runway_months is not None else "Not burning",
         n.months(c.runway_months) if c is not None and c.runway_months is not None else None),
        ("Cash-zero month", zero, None),
        ("Cash", n.money(f.cash), n.money(c.cash) if c is not None else None),
        ("Net burn a month", n.money(f.net_burn), n.money(c.net_burn) if c is not None else None),
        ("Gross burn a month", n.money(f.gross_burn), n.money(c.gross_burn) if c is not None else None),
        ("Burn multiple", n.ratio(f.burn_multiple), n.ratio(c.burn_multiple) if c is not None else None),
    )
    with st.container(horizontal=True):
        for label, value, before in figures:
            st.metric(label, value, border=True, help=f"{update.comparison_label}: {before}" if before else None)
    sentences = [s for s in part.sentences if s.startswith(("Runway", "Autonomie", "Not burning", "Pas de"))]
    if sentences:
        st.caption(escape_markdown(" ".join(sentences)))


def plan_table(update: InvestorUpdate) -> None:
    """Every key planned for the period's last month: plan, actual, variance, attainment."""
    part = update.finance
    st.subheader(f"Plan vs actual — {words.month_label(part.plan_month, 'en')}")
    rows = pd.DataFrame([{"KPI": r.label, "Plan": r.plan_text, "Actual": r.actual_text, "Variance": r.variance_text,
                          "Attainment": r.attainment_text,
                          "Verdict": "beaten by more than 10 %" if r.good else "missed by more than 10 %"
                          if r.good is False else ""} for r in part.plan_rows])
    st.dataframe(rows, hide_index=True, width="stretch")


def show(update: InvestorUpdate) -> None:
    """The finance part of the update, when it has one."""
    part = update.finance
    if part is None:
        return
    if part.figures is not None:
        cash_block(update)
    if part.plan_rows:
        plan_table(update)
    if part.forecast is not None and part.mrr_history is not None and len(part.mrr_history):
        st.subheader("MRR forecast")
        st.plotly_chart(forecast_figure(part.mrr_history, part.forecast, update.currency), width="stretch",
                        key="update_forecast")
        st.caption(escape_markdown(forecast_caption(part.forecast)))
