"""The "Alert rules" form of Definitions & settings: each rule on or off, with its thresholds.

What the form shows and saves is `Settings.alert_rules`: only the parameters that differ from
the defaults of `kpi.metrics.alerts.AlertRules`, so a later change of a default reaches every
workspace that did not choose otherwise.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from kpi.metrics.alerts import DEFAULT_RULES, AlertRules, rules_from_pairs
from kpi.report.alerts import alert_text, evaluate_alerts
from kpi.report.build import Report, Settings
from kpi.text import escape_markdown


def changed_pairs(rules: AlertRules) -> tuple[tuple[str, float | bool], ...]:
    """The (parameter, value) pairs of `rules` that differ from the defaults."""
    defaults = dict(DEFAULT_RULES.pairs())
    return tuple((name, value) for name, value in rules.pairs() if defaults[name] != value)


def form(settings: Settings) -> Settings | None:
    """Draw the form; the new settings when it is saved, else None."""
    rules = rules_from_pairs(settings.alert_rules)
    with st.form("alert_rules"):
        st.subheader("Alert rules")
        st.caption("An alert fires for a month when a KPI crosses one of these rules; `python -m kpi alerts` "
                   "prints the month's alerts, emails them or posts them to a webhook (exit status 3 when one "
                   "fires). Untick a rule to switch it off.")
        left, right = st.columns(2)
        with left:
            spike = st.checkbox("Churn spike (logo churn or gross MRR churn)", rules.churn_spike, key="alert::spike")
            ratio = st.number_input("… at least this many times the median of the previous months", 1.0, 10.0,
                                    float(rules.churn_spike_ratio), step=0.1, key="alert::ratio")
            points = st.number_input("… and at least this many points above it", 0.0, 50.0,
                                     float(rules.churn_spike_points), step=0.5, key="alert::points")
            months = st.number_input("… the median over the previous … months", 1, 24, int(rules.churn_spike_months),
                                     key="alert::months")
            mrr_drop = st.checkbox("MRR below the previous month", rules.mrr_drop, key="alert::mrr")
            targets = st.checkbox("A KPI target missed (Targets, below)", rules.target_missed, key="alert::targets")
        with right:
            nrr = st.checkbox("NRR (monthly) below a floor", rules.nrr_below, key="alert::nrr")
            floor = st.number_input("NRR floor (%)", 0.0, 200.0, float(rules.nrr_floor_percent), step=1.0,
                                    key="alert::floor")
            nps = st.checkbox("NPS lower than in the previous survey window by more than both margins of error "
                              "combined", rules.nps_drop, key="alert::nps")
            runway = st.checkbox("Runway short", rules.runway_short, key="alert::runway")
            runway_months = st.number_input("Runway under (months)", 0.0, 60.0, float(rules.runway_months), step=1.0,
                                            key="alert::runway_months")
        if not st.form_submit_button("Save the alert rules", type="primary"):
            return None
    chosen = AlertRules(churn_spike=spike, churn_spike_ratio=float(ratio), churn_spike_points=float(points),
                        churn_spike_months=int(months), mrr_drop=mrr_drop, nrr_below=nrr,
                        nrr_floor_percent=float(floor), nps_drop=nps, runway_short=runway,
                        runway_months=float(runway_months), target_missed=targets)
    return replace(settings, alert_rules=changed_pairs(chosen))


def month_summary(report: Report | None, targets: dict[str, float]) -> None:
    """One caption: which rules fire for the as-of month under the rules in force."""
    if report is None or report.as_of is None:
        return
    alerts = evaluate_alerts(report, targets=targets)
    when = report.as_of.strftime("%B %Y")
    if not alerts:
        st.caption(f"Under these rules, no alert fires for {when}.")
        return
    count = f"{len(alerts)} alert{'' if len(alerts) == 1 else 's'}"
    st.caption(escape_markdown(f"Under these rules, {count} for {when}: "
                               + " · ".join(alert_text(alert) for alert in alerts)))
