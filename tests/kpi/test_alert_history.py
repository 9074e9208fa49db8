"""kpi.report.alert_history: the last months' alerts as one table, and alerts and rules in a few words."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.ingest.mapping import Tables
from kpi.metrics.alerts import AlertRules
from kpi.report.alert_history import (
    HISTORY_COLUMNS,
    alert_history,
    alert_phrase,
    compared,
    fired_per_month,
    history_months,
    rule_words,
    rules_in_force,
)
from kpi.report.alerts import Alert, evaluate_alerts
from kpi.report.build import build_report


@pytest.fixture(scope="module")
def demo():
    return build_report(load_demo())


def test_history_is_every_months_alerts_newest_first(demo):
    history = alert_history(demo)
    months = [demo.as_of - k for k in range(12)]
    expected = [(alert.month, alert.kpi, alert.rule, alert.message, len(alert.customers))
                for month in months for alert in evaluate_alerts(demo, month)]
    assert list(history.columns) == HISTORY_COLUMNS
    assert list(zip(history["month"], history["kpi"], history["rule"], history["message"], history["customers"],
                    strict=True)) == expected


def test_history_takes_the_rules_and_targets_given(demo):
    quiet = AlertRules(churn_spike=False, mrr_drop=False, nrr_below=False, nps_drop=False, runway_short=False,
                       target_missed=False)
    assert alert_history(demo, rules=quiet).empty
    missed = alert_history(demo, rules=AlertRules(churn_spike=False, mrr_drop=False, nrr_below=False,
                                                 nps_drop=False, runway_short=False), targets={"mrr": 10_000_000})
    assert set(missed["rule"]) == {"target_missed"} and len(missed) == 12


def test_fired_per_month_keeps_quiet_months_at_zero(demo):
    history = alert_history(demo)
    months = history_months(demo)
    per_month = fired_per_month(history, months)
    assert list(per_month["month"]) == list(months)
    assert per_month["alerts"].tolist() == [len(evaluate_alerts(demo, m)) for m in months]
    assert 0 in per_month["alerts"].tolist() and per_month["alerts"].sum() == len(history)


def test_history_months_start_at_the_first_month_with_revenue():
    subscriptions = pd.DataFrame({"customer_id": ["a", "b"], "amount": [100.0, 50.0], "status": ["active"] * 2,
                                  "start_date": pd.to_datetime(["2024-01-10", "2024-02-03"]),
                                  "end_date": pd.to_datetime([None, None])})
    report = build_report(Tables({"subscriptions": subscriptions}, {}), as_of="2024-02")
    assert list(history_months(report)) == list(pd.period_range("2024-01", "2024-02", freq="M"))
    assert list(fired_per_month(alert_history(report), history_months(report))["alerts"]) == [0, 0]


def spike(value: float, median: float) -> Alert:
    return Alert("logo_churn_rate", pd.Period("2026-05", freq="M"), value, "churn_spike", median, currency="EUR")


def test_a_churn_spike_in_a_few_words():
    alert = spike(0.05, 0.022)
    assert alert_phrase(alert) == "logo churn spike (5.0\u00a0% vs median 2.2\u00a0%)"
    assert compared(alert) == "5.0\u00a0% vs median of the previous 6 months 2.2\u00a0%"
    gross = Alert("gross_mrr_churn_rate", pd.Period("2026-05", freq="M"), 0.035, "churn_spike", 0.021)
    assert alert_phrase(gross).startswith("gross MRR churn spike")


def test_other_rules_in_a_few_words_without_a_comma():
    month = pd.Period("2026-05", freq="M")
    alerts = [Alert("mrr", month, 61_200.0, "mrr_drop", 61_900.0, currency="EUR", reference_month=month - 1),
              Alert("nrr_monthly", month, 0.984, "nrr_below", 1.0, currency="EUR"),
              Alert("nrr_monthly", month, 0.984, "nrr_below", 0.995, currency="EUR"),
              Alert("runway_months", month, 4.2, "runway_short", 6.0, currency="EUR"),
              Alert("mrr", month, 52_200.0, "target_missed", 70_000.0, currency="EUR")]
    phrases = [alert_phrase(a).replace("\u00a0", " ") for a in alerts]
    assert phrases == ["MRR drop (€61.2k vs €61.9k)", "NRR (monthly) below its floor (98.4 % vs 100 %)",
                       "NRR (monthly) below its floor (98.4 % vs 99.5 %)", "short runway (4.2 months vs 6.0 months)",
                       "MRR target missed (€52.2k vs €70.0k)"]
    assert all("," not in p for p in phrases)  # the banner separates them with commas
    assert compared(alerts[0]) == "€61.2k vs April 2026 €61.9k"


def test_rules_in_force_name_their_thresholds():
    rules = AlertRules(churn_spike_ratio=2.0, churn_spike_points=2.5, churn_spike_months=3, nrr_floor_percent=95,
                       mrr_drop=False)
    listed = dict(rules_in_force(rules))
    assert "MRR drop" not in listed and len(listed) == 5
    assert listed["Churn spike"] == ("logo or gross MRR churn at least 2× the median of the previous 3 months and "
                                     "at least 2.5 points above it")
    assert listed["NRR below its floor"] == "monthly NRR under 95 %"
    assert dict(rules_in_force((("runway_months", 3.0),)))["Short runway"] == "runway under 3.0\u00a0months"
    assert rule_words("churn_spike", AlertRules()).endswith("at least 1 point above it")
