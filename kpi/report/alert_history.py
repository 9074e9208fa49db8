"""The alerts of the last months as one table, and each alert and rule in a few words.

`alert_history(report, months=12, rules=…, targets=…)` evaluates `kpi.report.alerts.evaluate_alerts`
on each of the last `months` months up to as-of (never before the report's first month with revenue)
and returns one row per alert, newest month first; `fired_per_month` counts them per month, months
without an alert included. `alert_phrase` says an alert in a few words for a banner ("logo churn
spike (5.0 % vs median 2.2 %)"), `compared` its value against what the rule compared it with, and
`rule_words` / `rules_in_force` the rules with their thresholds. The app's Overview banner and
Alerts page read them; docs/definitions.md, "Alerts", defines the rules.
"""

from __future__ import annotations

import pandas as pd

from kpi.metrics.alerts import RULES, AlertRules, rules_from_pairs
from kpi.report.alerts import KIND, Alert, alert_label, evaluate_alerts
from kpi.report.build import Report
from kpi.report.narrative import Numbers, month_label

HISTORY_MONTHS = 12
HISTORY_COLUMNS = ["month", "kpi", "kpi_label", "rule", "rule_label", "value", "reference", "compared", "message",
                   "customers"]
RULE_LABELS = {"churn_spike": "Churn spike", "mrr_drop": "MRR drop", "nrr_below": "NRR below its floor",
               "nps_drop": "NPS drop", "runway_short": "Short runway", "target_missed": "Target missed"}


def history_months(report: Report, months: int = HISTORY_MONTHS) -> pd.PeriodIndex:
    """The `months` months up to as-of, oldest first, from the first month with revenue on (the
    as-of month alone for a report without revenue; empty without an as-of month)."""
    if report.as_of is None:
        return pd.PeriodIndex([], freq="M")
    first = report.as_of - (months - 1)
    if len(report.months):
        first = max(first, report.months[0])
    else:
        first = report.as_of
    return pd.period_range(first, report.as_of, freq="M")


def alert_history(report: Report, months: int = HISTORY_MONTHS, *, rules: AlertRules | None = None,
                  targets: dict[str, float] | None = None) -> pd.DataFrame:
    """Every alert of the last `months` months (`history_months`), newest month first and, within a
    month, in the order of `evaluate_alerts` (the order of `kpi.metrics.alerts.RULES`).

    Columns: month (monthly Period), kpi (its key), kpi_label ('Logo churn'), rule (its key),
    rule_label ('Churn spike'), value, reference (the KPI's value and what the rule compared it
    with), compared ('5.0 % vs median of the previous 6 months 2.2 %'), message (`Alert.message`),
    customers (how many customers are behind a churn spike; 0 for the other rules)."""
    rows = [_row(alert) for month in history_months(report, months)[::-1]
            for alert in evaluate_alerts(report, month, rules=rules, targets=targets, named_only=True)]
    if not rows:
        return pd.DataFrame({column: pd.Series(dtype="period[M]" if column == "month" else object)
                             for column in HISTORY_COLUMNS})
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    return frame


def _row(alert: Alert) -> list:
    return [alert.month, alert.kpi, alert_label(alert.kpi), alert.rule, RULE_LABELS.get(alert.rule, alert.rule),
            alert.value, alert.reference, compared(alert), alert.message, alert.behind]


def fired_per_month(history: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """How many alerts fired in each of `months` (oldest first, 0 for a quiet month).
    Columns: month (monthly Period), alerts (count)."""
    counts = history["month"].value_counts() if len(history) else pd.Series(dtype=int)
    return pd.DataFrame({"month": months, "alerts": [int(counts.get(month, 0)) for month in months]})


def _shown(alert: Alert, value: float | None) -> str:
    """A value of the alert's KPI as the cards write it (€61.9k, 5.0 %, +42, 4.2 months)."""
    return Numbers("en", alert.currency).value(KIND.get(alert.kpi, "rate"), value)


def _floor(alert: Alert) -> str:
    """The NRR floor as set: '100 %', '99.5 %'."""
    whole = float(alert.reference * 100).is_integer()
    return Numbers("en", alert.currency).percent(alert.reference, 0 if whole else 1)


def _reference_name(alert: Alert) -> str:
    """What the rule compared the KPI with, in words."""
    if alert.rule == "churn_spike":
        return f"median of the previous {alert.settings.churn_spike_months} months"
    if alert.rule in ("mrr_drop", "nps_drop") and alert.reference_month is not None:
        return month_label(alert.reference_month, "en")
    return {"nrr_below": "floor", "runway_short": "threshold", "target_missed": "target"}.get(alert.rule,
                                                                                            "reference")


def compared(alert: Alert) -> str:
    """The value against its reference: '5.0 % vs median of the previous 6 months 2.2 %',
    '98.4 % vs floor 100 %', '€61.2k vs September 2026 €61.9k', '+31 vs July 2026 +45'."""
    reference = _floor(alert) if alert.rule == "nrr_below" else _shown(alert, alert.reference)
    return f"{_shown(alert, alert.value)} vs {_reference_name(alert)} {reference}"


def _lower_first(label: str) -> str:
    """'Logo churn' → 'logo churn'; an acronym stays ('NRR (monthly)', 'MRR')."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label


def alert_phrase(alert: Alert) -> str:
    """The alert in a few words, for a banner listing several (no comma inside):
    'logo churn spike (5.0 % vs median 2.2 %)', 'MRR drop (€61.2k vs €61.9k)',
    'NRR (monthly) below its floor (98.4 % vs 100 %)', 'NPS drop (+31 vs +45)',
    'short runway (4.2 months vs 6.0 months)', 'ARR target missed (€700k vs €750k)'."""
    value, reference = _shown(alert, alert.value), _shown(alert, alert.reference)
    label = alert_label(alert.kpi)
    if alert.rule == "churn_spike":
        return f"{_lower_first(label)} spike ({value} vs median {reference})"
    if alert.rule == "nrr_below":
        return f"{label} below its floor ({value} vs {_floor(alert)})"
    if alert.rule == "target_missed":
        return f"{label} target missed ({value} vs {reference})"
    return f"{_lower_first(RULE_LABELS.get(alert.rule, alert.rule))} ({value} vs {reference})"


def rule_words(rule: str, rules: AlertRules) -> str:
    """A rule with its thresholds in words ('logo or gross MRR churn at least 1.5× the median of
    the previous 6 months and at least 1 point above it')."""
    n = Numbers("en")
    if rule == "churn_spike":
        points = f"{rules.churn_spike_points:g} point{'' if rules.churn_spike_points == 1 else 's'}"
        return (f"logo or gross MRR churn at least {rules.churn_spike_ratio:g}× the median of the previous "
                f"{rules.churn_spike_months} months and at least {points} above it")
    return {"mrr_drop": "MRR below the previous month's",
            "nrr_below": f"monthly NRR under {rules.nrr_floor_percent:g} %",
            "nps_drop": "NPS lower than in the previous survey window by more than both margins of error combined",
            "runway_short": f"runway under {n.months(rules.runway_months)}",
            "target_missed": "a KPI target missed (below it, or above it for a KPI where lower is better, "
                             "such as churn)"}.get(rule, rule)


def rules_in_force(rules: AlertRules | tuple | list | None) -> list[tuple[str, str]]:
    """The rules switched on, in the order of `RULES`: (label, words). `rules` may be the
    `Settings.alert_rules` pairs."""
    if not isinstance(rules, AlertRules):
        rules = rules_from_pairs(rules)
    return [(RULE_LABELS[rule], rule_words(rule, rules)) for rule in RULES if getattr(rules, rule)]
