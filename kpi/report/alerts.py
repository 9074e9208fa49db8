"""Alerts: the rules of `kpi.metrics.alerts` evaluated on a report, for one month, in words.

`evaluate_alerts(report, month, rules=…, targets=…)` returns the alerts that fire for a month
(default: the report's as-of month) — each names its KPI, month, value, rule and, for churn, the
customers behind it with their MRR, last NPS and open tickets. `Alert.to_json()` is one entry of
the JSON report's `alerts` list; `alert_text(alert, language)` words it in English or French (the
investor update's lowlights read it, `with_alerts`). The rules come from
`Settings.alert_rules` unless given; targets from the caller (a workspace keeps them with its
settings; the command line in files mode has none). docs/definitions.md, "Alerts".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpi.metrics import alerts as rules_of
from kpi.metrics.alerts import AlertRules, rules_from_pairs
from kpi.report.build import Report, _given, customer_names
from kpi.report.narrative import KPI_LABELS, Numbers, kpi_label, month_label
from kpi.report.significance import Z95, samples_of, standard_error
from kpi.report.update_finance import Observation, french_spaces
from kpi.text import clean_text

KIND = {"mrr": "money", "arr": "money", "customers": "count", "arpa": "money", "net_new_mrr": "money",
        "mrr_growth": "rate", "logo_churn_rate": "rate", "gross_mrr_churn_rate": "rate", "nrr_monthly": "rate",
        "nrr_12m": "rate", "quick_ratio": "ratio", "ltv_cac": "ratio", "payback_months": "months", "nps": "points",
        "csat": "rate", "runway_months": "months"}
RUNWAY_LABEL = {"en": "Runway", "fr": "Autonomie de trésorerie"}
MAX_NAMED = 3  # customers named in a message; the email lists them all
DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class AlertCustomer:
    """A customer behind a churn alert: MRR before the month, MRR lost, last NPS and open tickets."""

    customer_id: str
    name: str
    movement: str  # churn or contraction
    mrr_before: float
    mrr_lost: float
    last_nps: float | None  # None: no answer
    open_tickets: int | None  # None: the tickets export has no resolved_at (open unknown)


@dataclass(frozen=True)
class Alert:
    """One rule crossed in one month.

    kpi: the KPI's key; value: its value in the month; rule: one of `kpi.metrics.alerts.RULES`;
    reference: what it was compared with (the median of the previous months, the previous month's
    MRR, the floor, the previous window's NPS, the target); margin: for NPS, both margins of
    error combined."""

    kpi: str
    month: pd.Period
    value: float
    rule: str
    reference: float
    currency: str | None = None
    margin: float | None = None
    reference_month: pd.Period | None = None
    customers: tuple[AlertCustomer, ...] = field(default=())
    settings: AlertRules = field(default=AlertRules(), compare=False, repr=False)
    customer_count: int | None = None  # when `customers` holds only the first MAX_NAMED: how many there are

    @property
    def behind(self) -> int:
        """How many customers are behind the alert (all of `customers`, unless only the first are kept)."""
        return self.customer_count if self.customer_count is not None else len(self.customers)

    @property
    def message(self) -> str:
        return alert_text(self, "en")

    def to_json(self) -> dict:
        """One entry of the JSON report's `alerts`: kpi, month, value, rule, message."""
        return {"kpi": self.kpi, "month": str(self.month), "value": self.value, "rule": self.rule,
                "message": self.message}


def evaluate_alerts(report: Report, month: pd.Period | None = None, *, rules: AlertRules | None = None,
                    targets: dict[str, float] | None = None, named_only: bool = False) -> tuple[Alert, ...]:
    """The alerts that fire for `month` (default: as-of; any month up to it), in the order of
    `kpi.metrics.alerts.RULES`, with the report's `Settings.alert_rules` unless `rules` are given;
    `targets` ({kpi: target}, the headline KPIs of the investor update) for the target rule.
    `named_only`: a churn spike keeps only the MAX_NAMED customers its message names, and their
    number (`Alert.behind`) — the same message, without an object per churned customer."""
    month = report.as_of if month is None else month
    if month is None or report.as_of is None or month > report.as_of:
        return ()
    rules = rules if rules is not None else rules_from_pairs(report.settings.alert_rules)
    common = {"month": month, "currency": report.currency, "settings": rules}
    out: list[Alert] = []
    if report.revenue is not None and month in report.revenue.core_kpis.index:
        kpis = report.revenue.core_kpis  # no renewal rate: it need not be computed
        if rules.churn_spike:
            for key, movements in zip(rules_of.CHURN_KPIS, (("churn",), ("churn", "contraction")), strict=True):
                spike = rules_of.churn_spike(kpis[key], month, ratio=rules.churn_spike_ratio,
                                             points=rules.churn_spike_points, months=rules.churn_spike_months)
                if spike is not None:
                    customers, count = _customers(report, month, movements, MAX_NAMED if named_only else None)
                    out.append(Alert(key, value=spike.value, rule="churn_spike", reference=spike.median,
                                     customers=customers, customer_count=count if named_only else None, **common))
        if rules.mrr_drop and (fell := rules_of.dropped(kpis["mrr"], month)) is not None:
            out.append(Alert("mrr", value=fell[0], rule="mrr_drop", reference=fell[1], reference_month=month - 1,
                             **common))
        nrr = _value(kpis["nrr_monthly"], month)
        if rules.nrr_below and rules_of.below(nrr, rules.nrr_floor_percent / 100):
            out.append(Alert("nrr_monthly", value=nrr, rule="nrr_below", reference=rules.nrr_floor_percent / 100,
                             **common))
    if rules.nps_drop and (alert := _nps_alert(report, month, common)) is not None:
        out.append(alert)
    if rules.runway_short and report.finance is not None and month in report.finance.by_month.index:
        runway = _value(report.finance.by_month["runway_months"], month)
        if rules_of.below(runway, rules.runway_months):
            out.append(Alert("runway_months", value=runway, rule="runway_short", reference=rules.runway_months,
                             **common))
    if rules.target_missed and targets:
        out += _target_alerts(report, month, targets, common)
    return tuple(out)


def alerts_json(alerts: tuple[Alert, ...]) -> list[dict]:
    """The JSON report's `alerts`: a list, empty when none fires."""
    return [alert.to_json() for alert in alerts]


def _value(series: pd.Series, month: pd.Period) -> float | None:
    value = series.get(month)
    return None if value is None or pd.isna(value) else float(value)


def _customers(report: Report, month: pd.Period, movements: tuple[str, ...],
               first: int | None = None) -> tuple[tuple[AlertCustomer, ...], int]:
    """The customers behind the month's `movements` (all, or the `first` of them) and how many there are."""
    tables = report.tables
    nps, tickets = (_given(tables, t) if tables is not None else None for t in ("nps", "tickets"))
    cache = report._period_tables  # noqa: SLF001  (the report's own cache of derived figures)
    if ("churned", month) not in cache:  # logo and gross MRR churn read the same month: its movers once
        cache["churned", month] = rules_of.customers_behind(report.revenue.mrr, month, ("churn", "contraction"),
                                                            nps=nps, tickets=tickets)
    behind = cache["churned", month]  # ordered by MRR lost then ID: any subset keeps the order of its own call
    every = behind[behind["movement"].isin(movements)]
    rows = (every if first is None else every.head(first)).reset_index(drop=True)
    names = customer_names(tables) if tables is not None else pd.Series(dtype=object)
    # one lookup of the whole column (a missing name is NA, read as "" like None), not one per row
    named = rows["customer_id"].map(names).to_numpy(dtype=object) if len(names) else [None] * len(rows)
    return tuple(AlertCustomer(
        customer_id=clean_text(row.customer_id),
        name=clean_text(name).strip() or clean_text(row.customer_id),
        movement=str(row.movement), mrr_before=float(row.mrr_before), mrr_lost=float(row.mrr_lost),
        last_nps=None if np.isnan(row.last_nps) else float(row.last_nps),
        open_tickets=None if np.isnan(row.open_tickets) else int(row.open_tickets))
        for row, name in zip(rows.itertuples(index=False), named)), len(every)


def previous_window_months(survey_window: int | str) -> int:
    """How far back the previous NPS window ends: the window's length in whole months (90 days →
    3), at least 1; 1 for a one-month window and for all answers to date."""
    if isinstance(survey_window, int | float) and not isinstance(survey_window, bool):
        return max(1, round(float(survey_window) / DAYS_PER_MONTH))
    return 1


def _nps_alert(report: Report, month: pd.Period, common: dict) -> Alert | None:
    """NPS(M) < NPS(previous window) − (margin(M) + margin(previous)), margin = 1.96 × standard error."""
    back = previous_window_months(report.settings.survey_window)
    before = month - back
    samples = samples_of(report, "nps", (month, before))
    if any(s is None or s.n == 0 for s in samples):
        return None
    now, earlier = (100 * (s.positives - s.negatives) / s.n for s in samples)
    margins = tuple(Z95 * e if (e := standard_error("nps", s)) is not None else None for s in samples)
    if not rules_of.nps_dropped(now, earlier, margins):
        return None
    return Alert("nps", value=now, rule="nps_drop", reference=earlier, margin=margins[0] + margins[1],
                 reference_month=before, **common)


def _target_alerts(report: Report, month: pd.Period, targets: dict[str, float], common: dict) -> list[Alert]:
    from kpi.report.update import HEADLINE_SPECS  # the investor update owns which KPIs take a target

    better = {key: direction for key, _, direction, _ in HEADLINE_SPECS}
    out = []
    for key, target in targets.items():
        if key not in better:
            continue
        value = _kpi_value(report, key, month)
        if rules_of.target_missed(value, float(target), better[key]):
            out.append(Alert(key, value=value, rule="target_missed", reference=float(target), **common))
    return out


def _kpi_value(report: Report, key: str, month: pd.Period) -> float | None:
    """A headline KPI in `month`: net new MRR and MRR growth from the movements, the others as their cards."""
    if key in ("net_new_mrr", "mrr_growth"):
        if report.revenue is None or month not in report.revenue.series.index:
            return None
        if key == "mrr_growth":
            return _value(report.revenue.core_kpis["mrr_growth_mom"], month)
        row = report.revenue.series.loc[month]
        return float(row["new"] + row["expansion"] + row["reactivation"] - row["contraction"] - row["churn"])
    return _value(report.metric(key).history, month)


# ── words ────────────────────────────────────────────────────────────────────────────────


def _figure(numbers: Numbers, kpi: str, value: float | None) -> str:
    return numbers.value(KIND.get(kpi, "rate"), value)


def alert_label(kpi: str, language: str = "en") -> str:
    """The KPI's name as the cards and the investor update write it ('Logo churn', 'Runway')."""
    if kpi == "runway_months":
        return RUNWAY_LABEL[language]
    return kpi_label(kpi, language) if kpi in KPI_LABELS[language] else kpi


def _decimal(n: Numbers, value: float) -> str:
    """One decimal, in the language's writing: 2.1 / 2,1."""
    text = f"{value:.1f}"
    return text if n.language == "en" else text.replace(".", ",")


def alert_text(alert: Alert, language: str = "en") -> str:
    """The alert in one sentence: the KPI, its value, the month, the rule crossed and, for a
    churn spike, the customers behind it (the first MAX_NAMED by MRR lost)."""
    n = Numbers(language, alert.currency)
    en = language == "en"
    label = alert_label(alert.kpi, language)
    when = month_label(alert.month, language)
    head = f"{label} {_figure(n, alert.kpi, alert.value)} {'in' if en else 'en'} {when}"
    rules = alert.settings
    if alert.rule == "churn_spike":
        gap = _decimal(n, (alert.value - alert.reference) * 100)
        median = f"the median of the previous {rules.churn_spike_months} months ({n.percent(alert.reference)})" if en \
            else f"la médiane des {rules.churn_spike_months} mois précédents ({n.percent(alert.reference)})"
        if alert.reference > 0:
            times = n.ratio(alert.value / alert.reference)
            text = (f"{head} is {times} {median} and {gap} points above it" if en else
                    f"{head} : {times} {median}, {gap} points au-dessus")
        else:  # no churn at all before: a ratio would be infinite
            text = f"{head} is {gap} points above {median}" if en else f"{head} : {gap} points au-dessus de {median}"
        text += _behind(alert, n)
    elif alert.rule == "mrr_drop":
        before = month_label(alert.reference_month, language)
        text = (f"{head} is below {before}'s {n.money(alert.reference)} "
                f"({n.money(alert.value - alert.reference, signed=True)})" if en else
                f"{head} : sous les {n.money(alert.reference)} de {before} "
                f"({n.money(alert.value - alert.reference, signed=True)})")
    elif alert.rule == "nrr_below":
        text = f"{head} is below {n.percent(alert.reference, 0)}" if en else \
            f"{head} : sous {n.percent(alert.reference, 0)}"
    elif alert.rule == "nps_drop":
        before = month_label(alert.reference_month, language)
        margin = _decimal(n, alert.margin)
        text = (f"{head} fell from {n.points(alert.reference)} in the window to {before}, by more than both "
                f"margins of error combined (±{margin} points)" if en else
                f"{head} : en baisse depuis {n.points(alert.reference)} sur la fenêtre close en {before}, "
                f"au-delà des deux marges d’erreur cumulées (±{margin} points)")
    elif alert.rule == "runway_short":
        months = n.months(alert.reference)
        text = f"{head} is under {months}" if en else f"{head} : moins de {months}"
    else:
        target = _figure(n, alert.kpi, alert.reference)
        text = f"{head} missed its target of {target}" if en else f"{head} : objectif de {target} manqué"
    return text if en else french_spaces(text)


def _behind(alert: Alert, n: Numbers) -> str:
    """'; behind it: Acme (MRR €177, last NPS 3, 2 open tickets), … and 3 more'."""
    if not alert.customers:
        return ""
    en = n.language == "en"
    named = [customer_facts(c, n) for c in alert.customers[:MAX_NAMED]]
    text = ("; behind it: " if en else " ; derrière : ") + ", ".join(named)
    more = alert.behind - MAX_NAMED
    if more > 0:
        text += f" and {more} more" if en else f" et {more} autres"
    return text


def customer_facts(customer: AlertCustomer, n: Numbers) -> str:
    """'Acme (MRR €177 lost, last NPS 3, 2 open tickets)' — the name is the user's text, unescaped."""
    en = n.language == "en"
    facts = [f"MRR {n.money(customer.mrr_lost)} {'lost' if en else 'perdu'}"]
    if customer.last_nps is not None:
        facts.append(f"{'last NPS' if en else 'dernier NPS'} {customer.last_nps:.0f}")
    if customer.open_tickets is not None:
        count = customer.open_tickets
        facts.append(f"{count} {'open ticket' if en else 'ticket ouvert'}{'' if count == 1 else 's'}")
    return f"{customer.name} ({', '.join(facts)})"


# ── the investor update's lowlights ──────────────────────────────────────────────────────

SAID_BY = ("target", "runway", "benchmark")  # lowlights that already say an alert on their KPI
ALERT_WEIGHT = 3.6  # after a target crossed (4.0), before the runway and plan lowlights


def with_alerts(observations: list[Observation], report: Report, language: str, *,
                targets: dict[str, float] | None = None) -> list[Observation]:
    """The update's observations with the as-of month's alerts as lowlights, each said once.

    An alert on a KPI that a target, runway or benchmark lowlight already names is not repeated
    (that lowlight says more: the comparison, the month cash runs out — no "runway under 6
    months" beside "runway 2.9 months: cash runs out in May"); except a churn spike, which
    replaces a benchmark lowlight on its churn KPI, since it names the customers behind it."""
    def said(alert: Alert) -> list[Observation]:
        return [o for o in observations if o.tone == "lowlight" and o.rule in SAID_BY and o.key == alert.kpi]

    out, added = list(observations), []
    for alert in evaluate_alerts(report, targets=targets):
        already = said(alert)
        if alert.rule == "churn_spike" and already and all(o.rule == "benchmark" for o in already):
            out = [o for o in out if o not in already]
        elif already:
            continue
        added.append(Observation("lowlight", "alert", alert.kpi, alert_text(alert, language), ALERT_WEIGHT))
    return out + added
