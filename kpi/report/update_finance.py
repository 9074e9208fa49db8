"""The investor update's finance half: cash, burn and runway of the period, plan vs actual at its
last month and the MRR forecast, with the highlights, lowlights and narrative sentences they give.

`update_finance(report, period, months, comparison_months, language)` reads the report's
`finance`, `plan` and `forecast` sections (docs/definitions.md: "Cash, burn and runway", "Plan vs
actual", "MRR forecast") and returns an `UpdateFinance`, or None when the report has none of them
— the update is then exactly what it was without them.

Periods, as the headline KPIs read them (`kpi.report.update`):
- cash is read at the period's last month;
- net burn of a month is its 3-month average (net_burn_3m, what runway divides by); of a quarter,
  the mean monthly net burn over the quarter's months; gross burn likewise (the month's, or the
  quarter's monthly mean);
- runway = max(cash, 0) ÷ net burn when net burn > 0 (None when not burning); cash-zero month =
  the period's last month + ⌊runway⌋; burn multiple is the period's last month's.
The comparison period's figures are the same, read on its months.

Observations (`finance_observations`): a lowlight when the runway is under 12 months, a
highlight when not burning (cash-flow positive) or when the runway is 24 months or more; a
lowlight for each planned key more than 10 % off plan on the wrong side at the period's last
month (`PlanVsActual.missed`), a highlight for each beaten by more than 10 %.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpi.metrics.forecast import Forecast
from kpi.metrics.plan import LOWER_IS_BETTER, PlanVsActual
from kpi.report import narrative as words
from kpi.report.build import Report
from kpi.report.narrative import Numbers

SHORT_RUNWAY = 12.0  # months: under it, a lowlight
LONG_RUNWAY = 24.0  # months: from it, a highlight
PLAN_OFF = 0.10  # off plan by more than this share: a lowlight (wrong side) or a highlight (right side)
NARRATIVE_PLAN_KEYS = ("mrr", "cash", "net_burn")  # the plan keys the narrative names
COUNT_KEYS = ("customers", "new_customers", "churned_customers")
RATE_KEYS = ("logo_churn_rate", "nrr_monthly")

PLAN_LABELS = {
    "en": {"mrr": "MRR", "arr": "ARR", "customers": "Paying customers", "new_customers": "New customers",
           "new": "New MRR", "net_new_mrr": "Net new MRR", "churned_customers": "Churned customers",
           "expansion": "Expansion MRR", "churn": "Churned MRR", "logo_churn_rate": "Logo churn",
           "nrr_monthly": "NRR (monthly)", "arpa": "ARPA", "cash": "Cash", "net_burn": "Net burn",
           "gross_burn": "Gross burn", "costs": "Costs"},
    "fr": {"mrr": "MRR", "arr": "ARR", "customers": "Clients payants", "new_customers": "Nouveaux clients",
           "new": "MRR nouveau", "net_new_mrr": "MRR net nouveau", "churned_customers": "Clients perdus",
           "expansion": "MRR d’expansion", "churn": "MRR perdu", "logo_churn_rate": "Churn clients",
           "nrr_monthly": "NRR (mensuel)", "arpa": "ARPA", "cash": "Trésorerie", "net_burn": "Burn net",
           "gross_burn": "Burn brut", "costs": "Coûts"},
}

# The words of the finance slides, sheets and sections.
FINANCE_LABELS = {
    "en": {"finance": "Cash, plan and forecast", "cash_runway": "Cash & runway", "plan": "Plan vs actual", "forecast": "MRR forecast",
           "cash": "Cash", "inflow": "Inflow", "outflow": "Outflow", "financing": "Financing",
           "net_burn": "Net burn", "net_burn_3m": "Net burn (3-month avg)", "gross_burn": "Gross burn",
           "runway": "Runway", "runway_months": "Runway (months)", "cash_zero": "Cash-zero month",
           "burn_multiple": "Burn multiple", "not_burning": "not burning", "month": "Month", "kpi": "KPI",
           "key": "Key", "planned": "Plan", "actual": "Actual", "variance": "Variance", "attainment": "Attainment",
           "p10": "Low (p10)", "p50": "Forecast (p50)", "p90": "High (p90)", "actual_mrr": "MRR (actual)",
           "median": "Forecast (median)", "band": "80 % band", "backtest": "Backtest",
           "origins": "Origins", "mape_h3": "Error at 3 months (MAPE)",
           "naive_mape_h3": "Straight line's error at 3 months", "coverage_80": "Actuals inside the 80 % band",
           "method": "Method", "a_month": "a month", "burn_note": "Net burn: {window}",
           "plan_month": "Plan for {month}"},
    "fr": {"finance": "Trésorerie, plan et prévision", "cash_runway": "Trésorerie et autonomie", "plan": "Réalisé vs plan", "forecast": "Prévision du MRR",
           "cash": "Trésorerie", "inflow": "Encaissements", "outflow": "Décaissements", "financing": "Financement",
           "net_burn": "Burn net", "net_burn_3m": "Burn net (moy. 3 mois)", "gross_burn": "Burn brut",
           "runway": "Autonomie", "runway_months": "Autonomie (mois)", "cash_zero": "Trésorerie épuisée en",
           "burn_multiple": "Burn multiple", "not_burning": "pas de consommation", "month": "Mois",
           "kpi": "Indicateur", "key": "Clé", "planned": "Plan", "actual": "Réalisé", "variance": "Écart",
           "attainment": "Atteinte", "p10": "Bas (p10)", "p50": "Prévision (p50)", "p90": "Haut (p90)",
           "actual_mrr": "MRR (réalisé)", "median": "Prévision (médiane)", "band": "Intervalle à 80 %",
           "backtest": "Backtest", "origins": "Origines", "mape_h3": "Erreur à 3 mois (MAPE)",
           "naive_mape_h3": "Erreur d’une droite à 3 mois", "coverage_80": "Réalisés dans l’intervalle à 80 %",
           "method": "Méthode", "a_month": "par mois", "burn_note": "Burn net : {window}",
           "plan_month": "Plan de {month}"},
}


def french_spaces(text: str) -> str:
    """' : ' → no-break space before the colon (French typography)."""
    return text.replace(" :", words.NBSP + ":").replace(" ;", words.NBSP + ";")


@dataclass(frozen=True)
class Observation:
    """A highlight or a lowlight: which rule picked it, about which KPI or movement, in words."""

    tone: str  # "highlight" or "lowlight"
    rule: str  # "target", "alert", "runway", "plan", "benchmark", "movement", "customer"
    key: str
    text: str
    weight: float  # rank within its list (higher first)


@dataclass(frozen=True)
class CashFigures:
    """Cash, burn and runway of one period (see the module docstring for how a quarter reads them)."""

    month: pd.Period  # the period's last month
    cash: float | None
    net_burn: float | None
    gross_burn: float | None
    runway_months: float | None
    cash_zero_month: pd.Period | None
    burn_multiple: float | None
    burn_months: int  # months the net burn averages
    cash_generated: float | None  # −Σ net burn over those months: what operations added (+) or used (−)


@dataclass(frozen=True)
class PlanRow:
    """One planned key at the period's last month, with its numbers and their texts."""

    key: str
    label: str
    kind: str  # money, count, rate
    plan: float | None
    actual: float | None
    variance: float | None
    attainment: float | None
    good: bool | None  # on the right side of the plan (None: no actual, or within 10 %)
    plan_text: str
    actual_text: str
    variance_text: str
    attainment_text: str


@dataclass(frozen=True)
class UpdateFinance:
    """The finance part of an investor update (None parts: the report has no such section)."""

    language: str
    figures: CashFigures | None
    comparison: CashFigures | None
    burn_window: str  # "the last quarter's burn", in the update's language
    by_month: pd.DataFrame | None = field(compare=False)  # finance.by_month up to the period's end
    plan_rows: tuple[PlanRow, ...]
    plan_month: pd.Period | None
    plan_table: pd.DataFrame | None = field(compare=False)  # every planned key and month
    forecast: Forecast | None = field(compare=False)
    mrr_history: pd.Series | None = field(compare=False)  # actual MRR up to as_of, for the forecast chart
    sentences: tuple[str, ...] = ()  # the narrative's finance sentences

    @property
    def labels(self) -> dict[str, str]:
        return FINANCE_LABELS[self.language]


def plan_kind(key: str) -> str:
    """How a plan key is formatted: count, rate or money."""
    return "count" if key in COUNT_KEYS else "rate" if key in RATE_KEYS else "money"


def plan_label(key: str, language: str) -> str:
    return PLAN_LABELS[language].get(key, key)


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def cash_figures(by_month: pd.DataFrame, months: tuple[pd.Period, ...], period: str) -> CashFigures | None:
    """The period's cash figures from `finance.by_month` (columns cash, net_burn, net_burn_3m,
    gross_burn, burn_multiple); None when its last month is not in the finance months.

    cash = cash(end); a month: net burn = net_burn_3m(end) over the months M−2 … M there are, gross
    burn = gross_burn(M); a quarter: both the mean over its months; runway = max(cash, 0) ÷ net burn
    when net burn > 0; cash-zero month = end + ⌊runway⌋; cash generated = −net burn × its months."""
    if not months or months[-1] not in by_month.index:
        return None
    end = months[-1]
    if period == "month":
        window = [m for m in pd.period_range(end - 2, end, freq="M") if m in by_month.index]
        net_burn = _number(by_month.at[end, "net_burn_3m"])
        gross_burn = _number(by_month.at[end, "gross_burn"])
    else:
        window = [m for m in months if m in by_month.index]
        net_burn = _number(by_month.loc[window, "net_burn"].mean())
        gross_burn = _number(by_month.loc[window, "gross_burn"].mean())
    cash = _number(by_month.at[end, "cash"])
    runway = max(cash, 0.0) / net_burn if cash is not None and net_burn is not None and net_burn > 0 else None
    return CashFigures(
        month=end, cash=cash, net_burn=net_burn, gross_burn=gross_burn, runway_months=runway,
        cash_zero_month=end + int(np.floor(runway)) if runway is not None else None,
        burn_multiple=_number(by_month.at[end, "burn_multiple"]), burn_months=len(window),
        cash_generated=-net_burn * len(window) if net_burn is not None else None)


def plan_rows(plan: PlanVsActual, numbers: Numbers) -> tuple[PlanRow, ...]:
    """Every key planned for the plan's as-of month, in the plan's key order, with its texts in
    `numbers`' language: missed (good False) as `PlanVsActual.missed(PLAN_OFF)` says, beaten (good
    True) when more than PLAN_OFF off plan on the right side."""
    missed = set(plan.missed(PLAN_OFF).index)
    rows = []
    for key, row in plan.at().iterrows():
        kind = plan_kind(key)
        actual, attainment = _number(row["actual"]), _number(row["attainment"])
        good = False if key in missed else None
        if attainment is not None and good is None:
            beaten = attainment < 1 - PLAN_OFF if key in LOWER_IS_BETTER else attainment > 1 + PLAN_OFF
            good = True if beaten else None
        variance = _number(row["variance"])
        rows.append(PlanRow(
            key=key, label=plan_label(key, numbers.language), kind=kind, plan=_number(row["plan"]), actual=actual,
            variance=variance, attainment=attainment, good=good,
            plan_text=numbers.value(kind, _number(row["plan"])), actual_text=numbers.value(kind, actual),
            variance_text=numbers.change(kind, "difference", variance),
            attainment_text=numbers.percent(attainment, 0)))
    return tuple(rows)


def _burn_window(period: str, months: tuple[pd.Period, ...], language: str) -> str:
    """Which burn the runway divides by, in words."""
    if period == "month" or len(months) == 3:
        return "the last quarter's burn" if language == "en" else "du dernier trimestre"
    label = words.period_label(months, period, language)
    return f"the burn of {label}" if language == "en" else f"de {label}"


def update_finance(report: Report, period: str, months: tuple[pd.Period, ...], comparison_months: tuple[pd.Period, ...],
                   language: str) -> UpdateFinance | None:
    """The finance part of the update of `months` (see the module docstring); None when the report
    has no finance, plan or forecast section."""
    finance, plan, forecast = report.finance, report.plan, report.forecast
    if finance is None and plan is None and forecast is None:
        return None
    numbers = Numbers(language, report.currency)
    end = months[-1]
    by_month = finance.by_month[finance.by_month.index <= end] if finance is not None else None
    figures = cash_figures(by_month, months, period) if by_month is not None else None
    comparison = cash_figures(by_month, comparison_months, period) if by_month is not None else None
    # the update's period ends at the report's as-of month, the month plan vs actual is read at
    plan_month = end if plan is not None and plan.as_of == end and (plan.table["month"] == end).any() else None
    rows = plan_rows(plan, numbers) if plan_month is not None else ()
    history = report.series_frame()["mrr"].astype(float) if forecast is not None else None
    part = UpdateFinance(
        language=language, figures=figures, comparison=comparison, burn_window=_burn_window(period, months, language),
        by_month=by_month, plan_rows=rows, plan_month=plan_month,
        plan_table=plan.table if plan is not None else None, forecast=forecast, mrr_history=history)
    comparison_label = words.period_label(comparison_months, period, language)
    sentences = (cash_sentences(part, numbers, period, comparison_label) + plan_sentences(part, numbers)
                 + forecast_sentences(part, numbers))
    return dataclasses.replace(part, sentences=tuple(sentences))


# ── words ────────────────────────────────────────────────────────────────────────────────


def _fr(text: str, language: str) -> str:
    return french_spaces(text) if language == "fr" else text


def _over(period: str, figures: CashFigures, language: str) -> str:
    if period != "month":
        return "over the quarter" if language == "en" else "sur le trimestre"
    if figures.burn_months == 1:
        return "over the month" if language == "en" else "sur le mois"
    return (f"over the last {figures.burn_months} months" if language == "en"
            else f"sur les {figures.burn_months} derniers mois")


def runway_text(part: UpdateFinance, numbers: Numbers) -> str | None:
    """'Runway 6.6 months at the last quarter's burn: cash runs out in June 2026' (None when not burning)."""
    f = part.figures
    if f is None or f.runway_months is None:
        return None
    month = words.month_label(f.cash_zero_month, numbers.language)
    if numbers.language == "en":
        return f"Runway {numbers.months(f.runway_months)} at {part.burn_window}: cash runs out in {month}"
    return french_spaces(f"Autonomie de {numbers.months(f.runway_months)} au rythme de consommation "
                         f"{part.burn_window} : la trésorerie serait épuisée en {month}")


def not_burning_text(part: UpdateFinance, numbers: Numbers, period: str) -> str | None:
    """'Not burning: cash grew by €12k over the quarter' (None when burning or without burn)."""
    f = part.figures
    if f is None or f.net_burn is None or f.net_burn > 0:
        return None
    grown = numbers.money(f.cash_generated)
    if numbers.language == "en":
        return f"Not burning: cash grew by {grown} {_over(period, f, 'en')}"
    return french_spaces(f"Pas de consommation de trésorerie : la trésorerie a augmenté de {grown} "
                         f"{_over(period, f, 'fr')}")


def cash_sentences(part: UpdateFinance, numbers: Numbers, period: str, comparison_label: str) -> list[str]:
    """'Cash €182k; net burn €27.6k a month (€25.1k in Q2 2026). Runway … .' or 'Not burning: …'."""
    f, language = part.figures, numbers.language
    if f is None or f.cash is None:
        return []
    out = []
    if f.net_burn is not None and f.net_burn > 0:
        head = (f"Cash {numbers.money(f.cash)}; net burn {numbers.money(f.net_burn)} a month" if language == "en"
                else f"Trésorerie {numbers.money(f.cash)} ; burn net {numbers.money(f.net_burn)} par mois")
        c = part.comparison
        if c is not None and c.net_burn is not None:
            head += f" ({numbers.money(c.net_burn)} {words.in_period(comparison_label, language)})"
        out.append(_fr(head, language) + ".")
    else:
        out.append(_fr(f"Cash {numbers.money(f.cash)}" if language == "en"
                       else f"Trésorerie {numbers.money(f.cash)}", language) + ".")
    for text in (runway_text(part, numbers), not_burning_text(part, numbers, period)):
        if text:
            out.append(text + ".")
    return out


def _mid(label: str) -> str:
    """A label inside a sentence: 'Net burn' → 'net burn', 'MRR' stays."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def plan_clause(row: PlanRow, language: str) -> str:
    """'MRR €61.9k, 4 % under plan (€64.5k)' / 'MRR 61,9 k€, 4 % sous le plan (64,5 k€)'."""
    numbers = Numbers(language)
    off = row.attainment - 1
    size = numbers.percent(abs(off), 0)
    if not any(digit in size for digit in "123456789"):
        where = "on plan" if language == "en" else "conforme au plan"
        return f"{row.label} {row.actual_text}, {where} ({row.plan_text})"
    side = ("under" if off < 0 else "over") if language == "en" else ("sous le" if off < 0 else "au-dessus du")
    return f"{row.label} {row.actual_text}, {size} {side} plan ({row.plan_text})"


def plan_sentences(part: UpdateFinance, numbers: Numbers) -> list[str]:
    """One sentence naming MRR, cash and net burn against their plan, where planned and known."""
    rows = [row for key in NARRATIVE_PLAN_KEYS for row in part.plan_rows
            if row.key == key and row.attainment is not None]
    if not rows:
        return []
    clauses = [plan_clause(row, numbers.language) for row in rows]
    clauses = [clauses[0]] + [_mid(c) for c in clauses[1:]]
    return [_fr("; ".join(clauses).replace("; ", " ; " if numbers.language == "fr" else "; "), numbers.language)
            + "."]


def backtest_text(forecast: Forecast, numbers: Numbers) -> str | None:
    """'backtest error at 3 months 7.1 % vs 7.2 % for a straight line' (None without a backtest)."""
    test = forecast.backtest
    if test.mape_h3 is None or test.naive_mape_h3 is None:
        return None
    if numbers.language == "en":
        return (f"backtest error at 3 months {numbers.percent(test.mape_h3)} vs {numbers.percent(test.naive_mape_h3)} "
                "for a straight line")
    return (f"erreur du backtest à 3 mois {numbers.percent(test.mape_h3)} contre "
            f"{numbers.percent(test.naive_mape_h3)} pour une droite")


def forecast_sentences(part: UpdateFinance, numbers: Numbers) -> list[str]:
    """'MRR is forecast at €70k in 12 months (80 % band €60k–€82k); backtest error at 3 months …'."""
    forecast = part.forecast
    if forecast is None or forecast.months.empty:
        return []
    last = forecast.months.iloc[-1]
    n = len(forecast.months)
    p10, p50, p90 = (numbers.money(float(last[c])) for c in ("p10", "p50", "p90"))
    if numbers.language == "en":
        text = f"MRR is forecast at {p50} in {n} months (80{words.NBSP}% band {p10}–{p90})"
    else:
        text = f"Le MRR est prévu à {p50} dans {n} mois (intervalle à 80{words.NBSP}% : {p10}–{p90})"
    backtest = backtest_text(forecast, numbers)
    if backtest:
        text += f"; {backtest}"
    return [_fr(text.replace("; ", " ; ") if numbers.language == "fr" else text, numbers.language) + "."]


# ── highlights and lowlights ─────────────────────────────────────────────────────────────


def finance_observations(part: UpdateFinance | None, numbers: Numbers, period: str) -> list[Observation]:
    """The runway and plan observations of the module docstring, in `numbers`' language."""
    if part is None:
        return []
    out = []
    f = part.figures
    runway = runway_text(part, numbers)
    if runway and f.runway_months < SHORT_RUNWAY:
        out.append(Observation("lowlight", "runway", "runway_months", runway,
                               3.5 + min(0.49, (SHORT_RUNWAY - f.runway_months) / 100)))
    elif runway and f.runway_months >= LONG_RUNWAY:
        out.append(Observation("highlight", "runway", "runway_months", runway, 3.4))
    positive = not_burning_text(part, numbers, period)
    if positive:
        out.append(Observation("highlight", "runway", "net_burn", positive, 3.5))
    for row in part.plan_rows:
        if row.good is None:
            continue
        text = _fr(plan_clause(row, numbers.language), numbers.language)
        weight = 3.2 + min(0.29, abs(row.attainment - 1) / 10)
        out.append(Observation("highlight" if row.good else "lowlight", "plan", row.key, text, weight))
    return out


def finance_paragraph(part: UpdateFinance | None) -> str:
    """The finance sentences as one paragraph (the Markdown summary's), '' without any."""
    return " ".join(part.sentences) if part is not None else ""
