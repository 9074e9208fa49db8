"""Cash & runway: cash in bank, burn, runway and its cash-zero month from the bank export; the
budget against the actuals; the MRR forecast with its backtest."""

import streamlit as st

from kpi.metrics.forecast import history_months
from kpi.text import escape_markdown
from ui import cards, data, empty, finance_charts, finance_view, state
from ui.forecast_chart import forecast_caption, forecast_figure, no_forecast_sentence

current = state.current()
st.title("Cash & runway")
report = data.report(current) if current.as_of is not None else None
if report is None:
    empty.missing(("cash",), "cash, burn and runway")
    st.stop()

as_of = report.as_of.strftime("%B %Y")
st.caption(f"{escape_markdown(current.workspace.name)} · {as_of}"
           + (" · cash, burn and the plan are the company's: the segment filter does not apply to them"
              if current.filters else ""))

if report.finance is None:
    empty.missing(("cash",), "cash, burn, runway and the cash-zero month")
else:
    finance = report.finance
    read = [f"{quality.source}: {text}" for quality in report.quality.values() if quality.table == "cash"
            for text in quality.warnings]  # e.g. a balance column that disagrees with the amounts
    for warning in (*read, *finance.warnings):
        st.warning(escape_markdown(warning), icon=":material/account_balance:")
    cards.grid(report, ("cash", "net_burn", "net_burn_3m", "gross_burn", "runway_months", "burn_multiple"),
               "month", per_row=3)
    runway = finance_view.runway_sentence(finance, report.currency)
    (st.warning if (finance.value("runway_months") or 99) < 12 else st.info)(runway, icon=":material/hourglass:")
    st.plotly_chart(finance_charts.cash_and_burn(finance.by_month, report.currency), width="stretch")
    finance_view.show_accounts(finance, report.currency)

st.subheader("Plan vs actual")
if report.plan is not None:
    st.caption(f"{as_of}: the budget's plan for the month against the report's actual value.")
    finance_view.show_plan(report.plan, report.currency)
elif current.filters:
    st.caption("A budget is the company's: clear the segment filter to compare it with the actuals.")
else:
    empty.missing(("plan",), "your budget against the actuals")

st.subheader("MRR forecast")
if report.revenue is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "the MRR forecast")
elif report.forecast is None:
    st.info(no_forecast_sentence(history_months(report.revenue.series, report.as_of)), icon=":material/timeline:")
else:
    st.plotly_chart(forecast_figure(report.series_frame()["mrr"], report.forecast, report.currency), width="stretch")
    st.caption(forecast_caption(report.forecast))
