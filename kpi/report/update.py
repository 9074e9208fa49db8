"""The investor update: one period's headline KPIs against a comparison period, the highlights
and lowlights picked by rules, the narrative and the founder's own commentary.

`investor_update(report, period, compare, language, commentary)` reads a `kpi.report.build.Report`
and returns a frozen `InvestorUpdate`; every export (`kpi.exports.pptx`, `kpi.exports.xlsx`,
`kpi.exports.html`) renders that object with the same report, so the page's downloads and the
CLI's files carry the same numbers.

Periods. "month" is the as-of month; "quarter" is the calendar quarter of the as-of month up
to it (Q4 to date when as-of is October). The comparison is the same months shifted back by one
period ("previous") or by twelve months ("last_year"), which is `Report.metric(key, back)`:
- stocks (MRR, ARR, customers, ARPA, NRR 12 months, LTV:CAC, payback, NPS, CSAT) are read at
  the period's last month and at the same month of the comparison period;
- flows (net new MRR and its movements) are summed over the period's months;
- MRR growth is MRR at the period's end ÷ MRR just before the period − 1;
- monthly rates (logo churn, gross MRR churn, NRR monthly) are the as-of month's value for a
  month and the average of the quarter's monthly values for a quarter; the quick ratio of a
  quarter is its gains ÷ its losses.

Rules for highlights and lowlights (each list at most `MAX_OBSERVATIONS`, in this order, then
by size):
1. a KPI crossing its target (when `targets` are given) or a benchmark of docs/definitions.md
   — NRR ≥ 100 %, LTV:CAC > 3, NPS ≥ 41, logo churn bands 0.58 % / 3 % / 8 % a month —
   between the comparison and the period: a highlight when it crossed the right way;
2. where a KPI stands against its target;
3. the two biggest gains and the two biggest losses of the period by amount (MRR movements);
4. the customer behind the largest gain and the one behind the largest loss;
5. where NRR 12 months, LTV:CAC and NPS stand against their benchmark, and logo churn when it
   is outside the typical 3–8 % band.
Cash, runway, plan vs actual and the forecast (`kpi.report.update_finance`) add theirs: a runway
under 12 months, a plan missed or beaten by more than 10 %, ranked after target crossings. The
as-of month's alerts (`kpi.report.alerts`) are lowlights too; one replaces a benchmark or runway
lowlight on its KPI, and a missed target keeps its own target lowlight.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.errors import InputError
from kpi.metrics import revenue
from kpi.report import narrative as words
from kpi.report.alerts import with_alerts
from kpi.report.build import Report, customer_names, months_of_period
from kpi.report.narrative import Facts, Numbers
from kpi.report.significance import SAMPLED, is_significant, samples_of
from kpi.report.update_finance import Observation, UpdateFinance, finance_observations, french_spaces, update_finance
from kpi.text import clean_text

PERIODS = ("month", "quarter")
COMPARES = ("previous", "last_year")
COMMENTARY_FIELDS = ("product", "hires", "asks")  # product news, hires, asks
MAX_OBSERVATIONS = 5
PALETTE = {  # the app's colours (ui/charts.py), shared by every export
    "mrr": "3B5BDB", "new": "2F9E44", "expansion": "94D82D", "reactivation": "20C997", "contraction": "FCC419",
    "churn": "E03131", "ink": "1F2937", "muted": "6B7280", "line": "D1D5DB", "light": "F3F4F6",
    "good": "2F9E44", "bad": "E03131", "navy": "1E2A4A", "passive": "ADB5BD",
}
GAINS = ("new", "expansion", "reactivation")
LOSSES = ("contraction", "churn")

# key, kind, better direction, how a period reads it (see the module docstring)
HEADLINE_SPECS = (
    ("mrr", "money", "up", "stock"),
    ("arr", "money", "up", "stock"),
    ("customers", "count", "up", "stock"),
    ("arpa", "money", "up", "stock"),
    ("net_new_mrr", "money", "up", "flow"),
    ("mrr_growth", "rate", "up", "growth"),
    ("logo_churn_rate", "rate", "down", "mean"),
    ("gross_mrr_churn_rate", "rate", "down", "mean"),
    ("nrr_monthly", "rate", "up", "mean"),
    ("nrr_12m", "rate", "up", "stock"),
    ("quick_ratio", "ratio", "up", "quick"),
    ("ltv_cac", "ratio", "up", "stock"),
    ("payback_months", "months", "down", "stock"),
    ("nps", "points", "up", "stock"),
    ("csat", "rate", "up", "stock"),
)
_SPEC = {key: (kind, better, how) for key, kind, better, how in HEADLINE_SPECS}
# (thresholds, strict): band = how many thresholds the value reaches; logo churn's bands are
# established SaaS (≤ 0.58 %/month), better than typical, typical SMB (3–8 %), above typical.
BENCHMARKS = {
    "nrr_monthly": ((1.0,), False),
    "nrr_12m": ((1.0,), False),
    "ltv_cac": ((3.0,), True),
    "nps": ((41.0,), False),
    "logo_churn_rate": ((0.0058, 0.03, 0.08), False),
}
STANDING = ("nrr_12m", "ltv_cac", "nps", "logo_churn_rate")  # benchmarks also stated when not crossed

@dataclass(frozen=True)
class Headline:
    """One headline KPI of the period against the comparison period, with its formatted texts."""

    key: str
    label: str
    kind: str  # money, count, rate, ratio, points, months
    value: float | None
    comparison: float | None
    change: float | None  # relative (a fraction) when basis is "relative", else the difference
    basis: str  # "relative" or "difference"
    better: bool | None  # the change is good news; None: no change or nothing to compare
    value_text: str
    comparison_text: str
    change_text: str


@dataclass(frozen=True)
class Bridge:
    """MRR before the period, its movements summed over the period, MRR at its end."""

    start: float
    new: float
    expansion: float
    reactivation: float
    contraction: float
    churn: float
    end: float

    @property
    def net_new(self) -> float:
        return self.new + self.expansion + self.reactivation - self.contraction - self.churn

    @property
    def growth(self) -> float | None:
        return self.end / self.start - 1 if self.start > 0 else None


@dataclass(frozen=True)
class InvestorUpdate:
    as_of: pd.Period
    period: str
    compare: str
    language: str
    currency: str | None
    title: str
    company: str
    period_label: str
    comparison_label: str
    months: tuple[pd.Period, ...]
    comparison_months: tuple[pd.Period, ...]
    headline: tuple[Headline, ...]
    bridge: Bridge | None
    comparison_bridge: Bridge | None
    highlights: tuple[Observation, ...]
    lowlights: tuple[Observation, ...]
    narrative: str
    commentary: tuple[tuple[str, str], ...]  # (field, text) for every COMMENTARY_FIELDS entry
    targets: tuple[tuple[str, float], ...]
    facts: Facts  # what the narrative was written from (regenerate with kpi.report.narrative.narrative)
    finance: UpdateFinance | None = None  # cash and runway, plan vs actual, forecast (kpi.report.update_finance)

    @property
    def numbers(self) -> Numbers:
        return Numbers(self.language, self.currency)

    @property
    def labels(self) -> dict[str, str]:
        return words.labels(self.language)

    @property
    def generated_narrative(self) -> str:
        """The narrative as written from the numbers (before any edit)."""
        return words.narrative(self.facts)

    def metric(self, key: str) -> Headline | None:
        return next((h for h in self.headline if h.key == key), None)

    def commentary_text(self, name: str) -> str:
        return dict(self.commentary).get(name, "")

    def with_narrative(self, text: str) -> InvestorUpdate:
        """The same update with the founder's edited narrative."""
        return dataclasses.replace(self, narrative=clean_text(text).strip())

    def with_commentary(self, commentary: dict[str, str] | None) -> InvestorUpdate:
        """The same update with these commentary fields replaced (others kept)."""
        merged = dict(self.commentary) | dict(_commentary(commentary))
        return dataclasses.replace(self, commentary=tuple((name, merged.get(name, "")) for name in COMMENTARY_FIELDS))

    def with_title(self, title: str) -> InvestorUpdate:
        return dataclasses.replace(self, title=clean_text(title).strip() or self.title)


def _commentary(commentary: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    commentary = dict(commentary or {})
    unknown = sorted(set(commentary) - set(COMMENTARY_FIELDS))
    if unknown:
        raise ValueError(f"unknown commentary field {unknown[0]!r}; use {', '.join(COMMENTARY_FIELDS)}")
    return tuple((name, clean_text(commentary[name]).strip()) for name in COMMENTARY_FIELDS if name in commentary)


def _check(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def shift_of(period: str, compare: str) -> int:
    """Months between the period and its comparison: 1 or 3 for the previous month or quarter, 12 a year."""
    return 12 if compare == "last_year" else {"month": 1, "quarter": 3}[period]


def investor_update(report: Report, period: str = "month", compare: str = "previous", language: str = "en",
                    commentary: dict[str, str] | None = None, *, targets: dict[str, float] | None = None,
                    company: str | None = None, title: str | None = None) -> InvestorUpdate:
    """The investor update of `report`'s as-of month or quarter against the previous period or
    the same period last year, in English or French, with the founder's commentary
    (`{"product": …, "hires": …, "asks": …}`) and optional targets (`{"mrr": 60000, …}`, keys
    among the headline KPIs)."""
    _check("period", period, PERIODS)
    _check("compare", compare, COMPARES)
    _check("language", language, words.LANGUAGES)
    targets = dict(targets or {})
    unknown = sorted(set(targets) - set(_SPEC))
    if unknown:
        raise ValueError(f"no headline KPI {unknown[0]!r} to set a target for; use {', '.join(_SPEC)}")
    if report.as_of is None:
        raise InputError("there is no data to write an investor update from")
    shift = shift_of(period, compare)
    numbers = Numbers(language, report.currency)
    months = tuple(months_of_period(report, period)) if report.revenue is not None else (report.as_of,)
    months = months or (report.as_of,)
    comparison_months = tuple(month - shift for month in months)
    bridge = _bridge(report, months)
    comparison_bridge = _bridge(report, comparison_months)
    period_label = words.period_label(months, period, language)
    comparison_label = words.period_label(comparison_months, period, language)
    headline = tuple(h for h in (
        _headline(report, key, period, shift, months, comparison_months, bridge, comparison_bridge, numbers)
        for key, *_ in HEADLINE_SPECS) if h is not None)
    context = _Context(report, language, numbers, period, months, bridge, comparison_bridge, comparison_label)
    finance = update_finance(report, period, months, comparison_months, language)
    observations = (_crossings(headline, targets, context) + _movements(context) + _customers(context)
                    + _standing(headline, targets, context) + finance_observations(finance, numbers, period))
    observations = with_alerts(observations, report, language, targets=targets)  # the as-of month's alerts
    highlights = _ranked([o for o in observations if o.tone == "highlight"])
    lowlights = _ranked([o for o in observations if o.tone == "lowlight"])
    facts = _facts(report, language, period, compare, period_label, comparison_label, bridge, comparison_bridge,
                   months, {h.key: h for h in headline}, shift)
    facts = dataclasses.replace(facts, finance=finance.sentences if finance is not None else ())
    labels = words.labels(language)
    return InvestorUpdate(
        as_of=report.as_of, period=period, compare=compare, language=language, currency=report.currency,
        title=clean_text(title).strip() or f"{labels['title']} — {period_label}",
        company=clean_text(company).strip(), period_label=period_label, comparison_label=comparison_label,
        months=months, comparison_months=comparison_months, headline=headline, bridge=bridge,
        comparison_bridge=comparison_bridge, highlights=highlights, lowlights=lowlights,
        narrative=words.narrative(facts),
        commentary=tuple((name, dict(_commentary(commentary)).get(name, "")) for name in COMMENTARY_FIELDS),
        targets=tuple(sorted((key, float(value)) for key, value in targets.items())), facts=facts, finance=finance,
    )


def _bridge(report: Report, months: tuple[pd.Period, ...]) -> Bridge | None:
    if report.revenue is None or not months:
        return None
    index = report.revenue.series.index
    if any(month not in index for month in months):
        return None
    return Bridge(**revenue.bridge(report.revenue.series, pd.PeriodIndex(months, freq="M")))


def _mean(report: Report, key: str, months: tuple[pd.Period, ...]) -> float | None:
    kpis = report.revenue.kpis
    present = [m for m in months if m in kpis.index]
    if len(present) < len(months) or not present:
        return None
    values = kpis.loc[present, key].astype(float)
    return None if values.isna().all() else float(values.mean())


def _quick(bridge: Bridge | None) -> float | None:
    if bridge is None or bridge.churn + bridge.contraction == 0:
        return None
    return (bridge.new + bridge.expansion + bridge.reactivation) / (bridge.churn + bridge.contraction)


def _headline(report: Report, key: str, period: str, shift: int, months, comparison_months, bridge: Bridge | None,
              comparison_bridge: Bridge | None, numbers: Numbers) -> Headline | None:
    kind, better, how = _SPEC[key]
    revenue_key = key in revenue.REVENUE_KPIS or how in ("flow", "growth", "quick")
    if revenue_key and report.revenue is None:
        return None
    if key == "nps" and report.nps is None or key == "csat" and report.csat is None:
        return None
    if key in ("ltv_cac", "payback_months") and report.unit_economics is None:
        return None
    if how == "flow":
        value = bridge.net_new if bridge else None
        comparison = comparison_bridge.net_new if comparison_bridge else None
    elif how == "growth":
        value = bridge.growth if bridge else None
        comparison = comparison_bridge.growth if comparison_bridge else None
    elif how in ("mean", "quick") and period != "month":
        if how == "mean":
            value, comparison = _mean(report, key, months), _mean(report, key, comparison_months)
        else:
            value, comparison = _quick(bridge), _quick(comparison_bridge)
    else:
        metric = report.metric(key, back=shift)
        value, comparison = metric.value, metric.previous
        if value is None and len(metric.history) and report.as_of - shift in metric.history.index:
            comparison = _number(metric.history.get(report.as_of - shift))
    value, comparison = _number(value), _number(comparison)
    if value is None and comparison is None:
        return None
    basis = "relative" if kind in ("money", "count") and how != "flow" else "difference"
    if value is None or comparison is None:
        change = None
    elif basis == "relative":
        change = value / comparison - 1 if comparison > 0 else None
    else:
        change = value - comparison
    change_text = numbers.change(kind, basis, change)
    shown = change is not None and any(digit in change_text for digit in "123456789")  # not "0.0 pp"
    if shown and key in SAMPLED:  # NPS, CSAT: a change inside the margin of the two months' answers is noise
        samples = samples_of(report, key, (report.as_of, report.as_of - shift))
        shown = is_significant(key, value, comparison, shown=change_text, samples=samples)
    good = (change > 0) == (better == "up") if shown else None
    return Headline(key, words.kpi_label(key, numbers.language, period), kind, value, comparison, change, basis,
                    good, numbers.value(kind, value), numbers.value(kind, comparison), change_text)


# ── highlights and lowlights ─────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Context:
    report: Report
    language: str
    numbers: Numbers
    period: str
    months: tuple[pd.Period, ...]
    bridge: Bridge | None
    comparison_bridge: Bridge | None
    comparison_label: str

    def text(self, en: str, fr: str, **values: object) -> str:
        return (en if self.language == "en" else fr).format(**values)

    def in_comparison(self) -> str:
        return words.in_period(self.comparison_label, self.language)

    def scale(self) -> float:
        """What a movement's amount is measured against when ranking: the larger MRR of the bridge."""
        if self.bridge is None:
            return 1.0
        return max(self.bridge.start, self.bridge.end, 1.0)


_MOVEMENT_TEXT = {  # (singular, plural) per language; {x} amount, {n} customers
    "new": {"en": ("New MRR {x} from {n} new customer", "New MRR {x} from {n} new customers"),
            "fr": ("MRR nouveau {x} : {n} nouveau client", "MRR nouveau {x} : {n} nouveaux clients")},
    "expansion": {"en": ("Expansion MRR {x} from {n} customer", "Expansion MRR {x} from {n} customers"),
                  "fr": ("Expansion {x} : {n} client", "Expansion {x} : {n} clients")},
    "reactivation": {"en": ("Reactivated MRR {x} from {n} returning customer",
                            "Reactivated MRR {x} from {n} returning customers"),
                     "fr": ("MRR réactivé {x} : {n} client revenu", "MRR réactivé {x} : {n} clients revenus")},
    "contraction": {"en": ("Contraction {x} from {n} customer", "Contraction {x} from {n} customers"),
                    "fr": ("Contraction {x} : {n} client", "Contraction {x} : {n} clients")},
    "churn": {"en": ("Churned MRR {x} from {n} lost customer", "Churned MRR {x} from {n} lost customers"),
              "fr": ("MRR perdu {x} : {n} client parti", "MRR perdu {x} : {n} clients partis")},
}
_COUNT_COLUMN = {"new": "new_customers", "expansion": "expansion_customers", "reactivation": "reactivated_customers",
                 "contraction": "contraction_customers", "churn": "churned_customers"}
_CUSTOMER_TEXT = {
    "new": ("Largest new customer: {name} ({x} MRR)", "Plus gros nouveau client : {name} ({x} de MRR)"),
    "expansion": ("Largest expansion: {name} ({x} MRR)", "Plus forte expansion : {name} ({x} de MRR)"),
    "reactivation": ("Largest win-back: {name} ({x} MRR)", "Plus gros retour : {name} ({x} de MRR)"),
    "contraction": ("Largest contraction: {name} ({x} MRR)", "Plus forte contraction : {name} ({x} de MRR)"),
    "churn": ("Largest churn: {name} ({x} MRR)", "Plus gros départ : {name} ({x} de MRR)"),
}


def _movements(context: _Context) -> list[Observation]:
    """Rule 3: the two biggest gains and the two biggest losses of the period, by amount."""
    if context.bridge is None:
        return []
    series = context.report.revenue.series.loc[list(context.months)]
    out = []
    for names, tone, sign in ((GAINS, "highlight", 1), (LOSSES, "lowlight", -1)):
        ranked = sorted((name for name in names if getattr(context.bridge, name) > 0),
                        key=lambda name: (-getattr(context.bridge, name), names.index(name)))
        for name in ranked[:2]:
            amount = getattr(context.bridge, name)
            count = int(series[_COUNT_COLUMN[name]].sum())
            singular, plural = _MOVEMENT_TEXT[name][context.language]
            text = (singular if count == 1 else plural).format(x=context.numbers.money(sign * amount),
                                                               n=context.numbers.count(count))
            if context.comparison_bridge is not None:
                earlier = getattr(context.comparison_bridge, name)
                text += f" ({context.numbers.money(sign * earlier)} {context.in_comparison()})"
            if context.language == "fr":
                text = french_spaces(text)
            out.append(Observation(tone, "movement", name, text, 2 + min(0.49, amount / context.scale())))
    return out


def customer_label(names: pd.Series, customer_id: object) -> str:
    """A customer's name from the customers table, else its id (user text, not escaped)."""
    name = names.get(customer_id) if len(names) else None
    text = clean_text(name).strip()
    return text or clean_text(customer_id)


def _customers(context: _Context) -> list[Observation]:
    """Rule 4: the customer behind the largest gain and the one behind the largest loss."""
    if context.bridge is None:
        return []
    details = revenue.movement_details(context.report.revenue.mrr, pd.PeriodIndex(context.months, freq="M"))
    if details.empty:
        return []
    names = customer_names(context.report.tables) if context.report.tables is not None else pd.Series(dtype=object)
    out = []
    for group, tone, sign in ((GAINS, "highlight", 1), (LOSSES, "lowlight", -1)):
        rows = details[details["movement"].isin(group)]
        if rows.empty:
            continue
        order = rows.assign(rank=rows["movement"].map(group.index), id=rows["customer_id"].astype(str))
        top = order.sort_values(["amount", "rank", "id"], ascending=[False, True, True], kind="mergesort").iloc[0]
        en, fr = _CUSTOMER_TEXT[top["movement"]]
        text = context.text(en, fr, name=customer_label(names, top["customer_id"]),
                            x=context.numbers.money(sign * float(top["amount"]), signed=True))
        out.append(Observation(tone, "customer", str(top["movement"]), _fr(text, context),
                               1 + min(0.99, float(top["amount"]) / context.scale())))
    return out


def _band(key: str, value: float) -> int:
    thresholds, strict = BENCHMARKS[key]
    return sum(value > t if strict else value >= t for t in thresholds)


_NB = words.NBSP
_CHURN_BANDS = {
    "en": (f"the established-SaaS band (under 0.58{_NB}%/month)", f"the better-than-typical band (0.58–3{_NB}%/month)",
           f"the typical small-business band (3–8{_NB}%/month)", f"the above-typical band (over 8{_NB}%/month)"),
    "fr": (f"la zone des SaaS établis (moins de 0,58{_NB}%/mois)",
           f"la zone meilleure que la moyenne (0,58–3{_NB}%/mois)",
           f"la zone habituelle des PME (3–8{_NB}%/mois)", f"la zone au-dessus de l’habituel (plus de 8{_NB}%/mois)"),
}
_BENCHMARK_NAMES = {
    "nrr_monthly": (f"100{_NB}%", f"100{_NB}%"), "nrr_12m": (f"100{_NB}%", f"100{_NB}%"),
    "ltv_cac": ("the 3× benchmark", "le repère de 3×"), "nps": ("the SaaS average of +41", "la moyenne SaaS de +41"),
}


def _crossings(headline: tuple[Headline, ...], targets: dict[str, float], context: _Context) -> list[Observation]:
    """Rule 1: a KPI that crossed its target or a benchmark between the comparison and the period."""
    out = []
    n = context.numbers
    for h in headline:
        if h.value is None or h.comparison is None:
            continue
        better = _SPEC[h.key][1]
        since = f"{h.value_text} ({h.comparison_text} {context.in_comparison()})"
        if h.key in targets:
            target = targets[h.key]
            met_now, met_before = _meets(h.value, target, better), _meets(h.comparison, target, better)
            if met_now != met_before:
                goal = n.value(h.kind, target)
                text = (context.text("{label} hit its target of {t}: {since}",
                                     "{label} atteint son objectif de {t} : {since}",
                                     label=h.label, t=goal, since=since) if met_now else
                        context.text("{label} no longer meets its target of {t}: {since}",
                                     "{label} n’atteint plus son objectif de {t} : {since}", label=h.label, t=goal,
                                     since=since))
                tone = "highlight" if met_now else "lowlight"
                out.append(Observation(tone, "target", h.key, _fr(text, context), 4.0))
        if h.key not in BENCHMARKS:
            continue
        now, before = _band(h.key, h.value), _band(h.key, h.comparison)
        if now == before:
            continue
        improved = (now > before) == (better == "up")
        if h.key == "logo_churn_rate":
            band = _CHURN_BANDS[context.language][now]
            text = context.text("{label} moved into {band}: {since}", "{label} passe dans {band} : {since}",
                                label=h.label, band=band, since=since)
        else:
            name = _BENCHMARK_NAMES[h.key][0 if context.language == "en" else 1]
            text = (context.text("{label} rose above {b}: {since}", "{label} passe au-dessus de {b} : {since}",
                                 label=h.label, b=name, since=since) if now > before else
                    context.text("{label} fell below {b}: {since}", "{label} passe sous {b} : {since}",
                                 label=h.label, b=name, since=since))
        out.append(Observation("highlight" if improved else "lowlight", "benchmark", h.key, _fr(text, context), 3.0))
    return out


def _fr(text: str, context: _Context) -> str:
    return french_spaces(text) if context.language == "fr" else text


def _meets(value: float, target: float, better: str) -> bool:
    return value >= target if better == "up" else value <= target


def _standing(headline: tuple[Headline, ...], targets: dict[str, float], context: _Context) -> list[Observation]:
    """Rules 2 and 5: where a KPI stands against its target and against its benchmark (when not crossed)."""
    out = []
    n = context.numbers
    for h in headline:
        if h.value is None:
            continue
        better = _SPEC[h.key][1]
        crossed = (h.comparison is not None and h.key in BENCHMARKS
                   and _band(h.key, h.value) != _band(h.key, h.comparison))
        target_crossed = h.comparison is not None and h.key in targets and (
            _meets(h.value, targets[h.key], better) != _meets(h.comparison, targets[h.key], better))
        if h.key in targets and not target_crossed:
            met = _meets(h.value, targets[h.key], better)
            goal = n.value(h.kind, targets[h.key])
            text = (context.text("{label} {v}: target met ({t})", "{label} {v} : objectif atteint ({t})", label=h.label,
                                 v=h.value_text, t=goal) if met else
                    context.text("{label} {v}: target missed ({t})", "{label} {v} : objectif manqué ({t})",
                                 label=h.label, v=h.value_text, t=goal))
            out.append(Observation("highlight" if met else "lowlight", "target", h.key, _fr(text, context), 2.5))
        if h.key not in STANDING or crossed:
            continue
        band = _band(h.key, h.value)
        if h.key == "logo_churn_rate":
            if band == 2:
                continue
            good = band < 2
            text = context.text("{label} {v}, in {band}", "{label} {v}, dans {band}", label=h.label, v=h.value_text,
                                band=_CHURN_BANDS[context.language][band])
        else:
            good = band > 0
            name = _BENCHMARK_NAMES[h.key][0 if context.language == "en" else 1]
            text = (context.text("{label} {v}, above {b}", "{label} {v}, au-dessus de {b}", label=h.label,
                                 v=h.value_text, b=name) if good else
                    context.text("{label} {v}, below {b}", "{label} {v}, sous {b}", label=h.label, v=h.value_text,
                                 b=name))
        out.append(Observation("highlight" if good else "lowlight", "benchmark", h.key, _fr(text, context), 0.5))
    return out


_RULE_ORDER = ("target", "alert", "runway", "plan", "benchmark", "movement", "customer")


def _ranked(observations: list[Observation]) -> tuple[Observation, ...]:
    ordered = sorted(observations, key=lambda o: (-round(o.weight, 12), _RULE_ORDER.index(o.rule), o.key))
    return tuple(ordered[:MAX_OBSERVATIONS])


# ── the narrative's facts ────────────────────────────────────────────────────────────────


def _facts(report: Report, language: str, period: str, compare: str, period_label: str, comparison_label: str,
           bridge: Bridge | None, comparison_bridge: Bridge | None, months, headline: dict[str, Headline],
           shift: int) -> Facts:
    def value(key: str) -> float | None:
        return headline[key].value if key in headline else None

    def comparison(key: str) -> float | None:
        return headline[key].comparison if key in headline else None

    common = {"language": language, "currency": report.currency, "period": period, "compare": compare,
              "period_label": period_label, "comparison_label": comparison_label if comparison_bridge or
              any(comparison(k) is not None for k in headline) else None,
              "nrr_monthly": value("nrr_monthly"), "nrr_12m": value("nrr_12m"), "nps": value("nps"),
              "nps_responses": report.nps.n if report.nps is not None else 0, "nps_comparison": comparison("nps"),
              "ltv_cac": value("ltv_cac"), "payback_months": value("payback_months")}
    if bridge is None:
        return Facts(mrr=None, **common)
    series = report.revenue.series.loc[list(months)]
    return Facts(
        mrr=bridge.end, mrr_start=bridge.start,
        mrr_comparison=report.metric("mrr", back=shift).previous,
        new=bridge.new, expansion=bridge.expansion, reactivation=bridge.reactivation,
        contraction=bridge.contraction, churn=bridge.churn,
        net_new_comparison=comparison_bridge.net_new if comparison_bridge else None,
        customers=value("customers"), new_customers=int(series["new_customers"].sum()),
        reactivated_customers=int(series["reactivated_customers"].sum()),
        churned_customers=int(series["churned_customers"].sum()),
        logo_churn=value("logo_churn_rate"), logo_churn_comparison=comparison("logo_churn_rate"), **common,
    )
