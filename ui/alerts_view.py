"""Alerts in the app: the Overview banner and the Alerts page's sections.

The month's alerts and the last 12 months' come from `kpi.report.alerts` and
`kpi.report.alert_history` on the current report, computed once per content key of the state
(workspace, month, segment filters, settings) and the workspace's targets, so a click elsewhere on
the page does not evaluate 12 months again. Under a quarter or a year the alerts are those of the
period's last month, and the page says so. Customers behind a churn spike link to their story on
Customers & health (`customers?customer=<id>`, with the link's other choices).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi.metrics.alerts import AlertRules, rules_from_pairs
from kpi.report.alert_history import (
    RULE_LABELS,
    alert_history,
    alert_phrase,
    compared,
    fired_per_month,
    history_months,
    rule_words,
    rules_in_force,
)
from kpi.report.alerts import Alert, alert_label, evaluate_alerts
from kpi.report.build import Report
from kpi.report.periods import view as period_view
from kpi.text import escape_markdown
from ui import data, drill
from ui.choices import State

ALERTS_PAGE = "app_pages/alerts.py"
SETTINGS_PAGE = "app_pages/settings.py"
NAME_PARAM = "name"  # the customer's name at the end of its link, shown as the link's text
ALERT_COLOR = "#e8590c"


@dataclass(frozen=True)
class AlertsView:
    """What the Alerts page shows: the month's alerts (with their customers), the history of the
    last months (`alert_history`), the count per month and the rules in force."""

    month: pd.Period
    alerts: tuple[Alert, ...]
    history: pd.DataFrame
    per_month: pd.DataFrame
    rules: AlertRules


def _key(current: State) -> tuple:
    return (current.workspace.key, current.as_of, current.filters, current.report_settings)


def _targets(targets: dict[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((str(key), float(value)) for key, value in targets.items()))


def alert_month(current: State, report: Report) -> pd.Period:
    """The month whose alerts are shown: the as-of month, the last month of a quarter or year."""
    shown = period_view(report, current.granularity) if current.granularity != "month" else None
    return shown.window.end if shown is not None else report.as_of


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _month_alerts(key: tuple, targets: tuple, month: str, _current: State) -> tuple[Alert, ...]:
    return evaluate_alerts(data.report(_current), pd.Period(month, freq="M"), targets=dict(targets) or None)


def month_alerts(current: State, report: Report, targets: dict[str, float]) -> tuple[Alert, ...]:
    """The alerts of `alert_month` under the report's rules and these targets (cached)."""
    return _month_alerts(_key(current), _targets(targets), str(alert_month(current, report)), current)


@st.cache_data(max_entries=32, ttl=3600, show_spinner="Evaluating the alerts of the last 12 months…")
def _view(key: tuple, targets: tuple, month: str, _current: State) -> AlertsView:
    report = data.report(_current)
    chosen = dict(targets) or None
    history = alert_history(report, targets=chosen)
    return AlertsView(pd.Period(month, freq="M"), _month_alerts(key, targets, month, _current), history,
                      fired_per_month(history, history_months(report)), rules_from_pairs(report.settings.alert_rules))


def view(current: State, report: Report, targets: dict[str, float]) -> AlertsView:
    """The Alerts page's alerts for the current state (cached per state and targets)."""
    return _view(_key(current), _targets(targets), str(alert_month(current, report)), current)


def _count(n: int) -> str:
    return f"{n} alert{'' if n == 1 else 's'}"


def banner_text(alerts: tuple[Alert, ...], month: pd.Period, period_label: str | None = None) -> str:
    """'3 alerts in May 2026: logo churn spike (5.0 % vs median 2.2 %), …'; under a quarter or a
    year, 'the last month of Q2 2026' is said after the month. Empty when none fires."""
    if not alerts:
        return ""
    when = month.strftime("%B %Y") + (f", the last month of {period_label}" if period_label else "")
    return f"{_count(len(alerts))} in {when}: " + ", ".join(alert_phrase(alert) for alert in alerts)


def banner(current: State, report: Report, targets: dict[str, float]) -> None:
    """Overview's banner: one warning naming the month's alerts and a link to the Alerts page;
    nothing when none fires."""
    if report.as_of is None:
        return
    alerts = month_alerts(current, report, targets)
    if not alerts:
        return
    label = period_view(report, current.granularity).label if current.granularity != "month" else None
    st.warning(escape_markdown(banner_text(alerts, alert_month(current, report), label)),
               icon=":material/notifications_active:")
    st.page_link(ALERTS_PAGE, label="See the alerts and the customers behind them",
                 icon=":material/arrow_forward:")


def customer_link(customer_id: str, name: str, params: dict[str, str]) -> str:
    """The customer's story on Customers & health, keeping the link's choices (ws, as_of, filters),
    its name last so that the table shows it as the link's text."""
    kept = {key: value for key, value in params.items() if key != NAME_PARAM}
    return drill.customer_link(customer_id, kept) + "&" + urlencode({NAME_PARAM: name})


def customers_frame(alert: Alert, params: dict[str, str]) -> pd.DataFrame:
    """The customers behind a churn alert, largest MRR lost first. Columns: customer (link),
    customer_id, movement, mrr_before, mrr_lost, last_nps, open_tickets."""
    rows = alert.customers
    return pd.DataFrame({
        "customer": [customer_link(c.customer_id, c.name, params) for c in rows],
        "customer_id": [c.customer_id for c in rows],
        "movement": [c.movement for c in rows],
        "mrr_before": pd.array([c.mrr_before for c in rows], dtype="Float64"),
        "mrr_lost": pd.array([c.mrr_lost for c in rows], dtype="Float64"),
        "last_nps": pd.array([c.last_nps for c in rows], dtype="Float64"),
        "open_tickets": pd.array([c.open_tickets for c in rows], dtype="Int64"),
    })


def customers_table(alert: Alert, params: dict[str, str]) -> None:
    """The churn alert's customers, each name a link to its story."""
    amount = drill.money_format(alert.currency)
    st.dataframe(
        customers_frame(alert, params), hide_index=True, width="stretch", placeholder="–",
        key=f"alert_customers::{alert.kpi}",
        column_order=["customer", "movement", "mrr_before", "mrr_lost", "last_nps", "open_tickets"],
        column_config={
            "customer": st.column_config.LinkColumn(
                "Customer", display_text=rf"[?&]{NAME_PARAM}=([^&]*)$",
                help="Opens the customer's story on Customers & health."),
            "movement": st.column_config.TextColumn("Movement", width="small"),
            "mrr_before": st.column_config.NumberColumn("MRR before", format=amount),
            "mrr_lost": st.column_config.NumberColumn("MRR lost", format=amount),
            "last_nps": st.column_config.NumberColumn("Last NPS", format="%d",
                                                      help="The customer's latest NPS answer up to the month's end."),
            "open_tickets": st.column_config.NumberColumn(
                "Open tickets", format="%d", help="Tickets created and not resolved by the month's end (– when "
                "the tickets export says nothing about resolution)."),
        },
    )


def alert_card(alert: Alert, params: dict[str, str]) -> None:
    """One alert: its KPI and rule, value against reference, the rule in words, the message and,
    for a churn spike, the customers behind it."""
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(alert_label(alert.kpi))} · {RULE_LABELS.get(alert.rule, alert.rule)}** — "
                    f"{escape_markdown(compared(alert))}")
        st.caption(f"Rule: {escape_markdown(rule_words(alert.rule, alert.settings))}.")
        st.markdown(escape_markdown(alert.message))
        if alert.customers:
            st.caption(f"{len(alert.customers)} customer{'' if len(alert.customers) == 1 else 's'} behind it, "
                       "largest MRR lost first — click a name to open the customer's story.")
            customers_table(alert, params)


def history_table(history: pd.DataFrame) -> None:
    """The last months' alerts, newest first: month, KPI, rule, value against reference, message."""
    shown = pd.DataFrame({"month": [month.strftime("%B %Y") for month in history["month"]],
                          "kpi": history["kpi_label"], "rule": history["rule_label"],
                          "compared": history["compared"], "message": history["message"]})
    st.dataframe(shown, hide_index=True, width="stretch", key="alert_history",
                 column_config={"month": st.column_config.TextColumn("Month", width=110),
                                "kpi": st.column_config.TextColumn("KPI", width=130),
                                "rule": st.column_config.TextColumn("Rule", width=140),
                                "compared": st.column_config.TextColumn("Value vs reference", width=300),
                                "message": st.column_config.TextColumn("Message", width="large")})


def per_month_chart(per_month: pd.DataFrame) -> go.Figure:
    """How many alerts fired each month: one bar per month, quiet months at zero."""
    labels = [month.strftime("%b %Y") for month in per_month["month"]]
    figure = go.Figure(go.Bar(x=labels, y=per_month["alerts"], marker_color=ALERT_COLOR, name="Alerts",
                              text=[str(v) if v else "" for v in per_month["alerts"]], textposition="outside",
                              hovertemplate="%{x}: %{y} alerts<extra></extra>"))
    top = int(per_month["alerts"].max()) if len(per_month) else 0
    figure.update_layout(height=220, showlegend=False, margin={"l": 10, "r": 10, "t": 20, "b": 10}, bargap=0.3)
    figure.update_yaxes(title_text="Alerts", rangemode="tozero", range=[0, max(top * 1.3, 1)], dtick=1)
    figure.update_xaxes(type="category")
    return figure


def rules_caption(rules: AlertRules) -> None:
    """The rules in force, and where they are edited."""
    listed = rules_in_force(rules)
    text = ("Rules in force: " + "; ".join(f"**{label}**: {escape_markdown(words)}" for label, words in listed) + "."
            if listed else "Every alert rule is switched off.")
    st.caption(text)
    st.page_link(SETTINGS_PAGE, label="Edit the alert rules on Definitions & settings", icon=":material/tune:")
