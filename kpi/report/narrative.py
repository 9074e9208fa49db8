"""The investor update in words: numbers formatted for English or French readers, the labels of
every export, and the narrative written from the numbers.

Everything here is deterministic: the same `Facts` always give the same sentence, so a founder
can regenerate the update and an export can be tested against a golden string. English follows
`kpi.formatting` (€51.2k, 6.1 %); French writes 51,2 k€ and 6,1 %, with a non-breaking space
(U+00A0) before units and French punctuation and a narrow one (U+202F) between thousands.
The narrative is plain Unicode text (no Markdown, no HTML): each export escapes it itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from kpi import formatting as fmt

LANGUAGES = ("en", "fr")
NBSP = "\u00a0"  # before %, units and French : ; ! ?
THIN = "\u202f"  # French thousands separator
MINUS = "\u2212"
NOT_AVAILABLE = {"en": "n/a", "fr": "n.d."}
SUFFIX_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF"}  # French: after the number

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
}
SHORT_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
}

# The words of every export, per language (slide titles, table headers, sheet headings).
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "kicker": "Investor update", "title": "KPI report", "summary": "Summary", "key_metrics": "Key metrics",
        "kpi": "KPI", "change": "Change", "highlights": "Highlights", "lowlights": "Lowlights",
        "none": "Nothing to report.", "bridge": "MRR bridge", "trend": "MRR trend", "cohorts": "Cohort retention",
        "cohorts_logo": "Cohort retention — customers still paying", "cohorts_revenue": "Cohort retention — revenue",
        "nps": "NPS", "nps_by_segment": "NPS by segment", "nps_mix": "Promoters, passives, detractors",
        "commentary": "From the founders", "opening": "Opening MRR", "closing": "Closing MRR",
        "new": "New", "expansion": "Expansion", "reactivation": "Reactivation", "contraction": "Contraction",
        "churn": "Churn", "base": "Base", "increase": "Increase", "decrease": "Decrease", "total": "MRR",
        "promoters": "Promoters", "passives": "Passives", "detractors": "Detractors", "overall": "All responses",
        "cohort": "Cohort", "size": "Customers", "age_month": "M", "age_quarter": "Q", "age_year": "Y",
        "compared_with": "compared with", "page": "page", "month": "Month", "movement": "Movement",
        "customer_id": "Customer ID", "customer": "Customer", "previous_mrr": "MRR before", "current_mrr": "MRR after",
        "amount": "Amount", "mrr_change": "MRR change", "segment": "Segment", "responses": "Responses",
        "score": "NPS", "ci_low": "95 % low", "ci_high": "95 % high", "value": "Value", "comparison": "Comparison",
        "key": "Key", "section": "Section", "narrative": "Narrative", "monthly_series": "Monthly series",
        "movements": "Movements", "customers": "Customers", "mrr": "MRR", "net_new": "Net new MRR",
        "arpa": "ARPA", "logo_churn": "Logo churn", "nrr": "NRR (monthly)",
        "product": "Product news", "hires": "Hires", "asks": "Asks", "chart_data": "Chart data",
        "responses_note": "{n} responses", "test": "Do segments differ?",
        "generated": "Generated from the KPI workbench; every number follows the KPI definitions.",
        "as_of": "as of", "unit_month": "months", "unit_quarter": "quarters", "unit_year": "years",
        "retention_note": "Share of each cohort's customers still paying, by age in {unit} (last {n} cohorts).",
        "no_revenue": "No revenue data was given.",
    },
    "fr": {
        "kicker": "Point investisseurs", "title": "Rapport KPI", "summary": "Synthèse",
        "key_metrics": "Indicateurs clés",
        "kpi": "Indicateur", "change": "Variation", "highlights": "Points forts", "lowlights": "Points faibles",
        "none": "Rien à signaler.", "bridge": "Pont de MRR", "trend": "Évolution du MRR",
        "cohorts": "Rétention par cohorte",
        "cohorts_logo": "Rétention par cohorte — clients toujours payants",
        "cohorts_revenue": "Rétention par cohorte — revenu",
        "nps": "NPS", "nps_by_segment": "NPS par segment", "nps_mix": "Promoteurs, passifs, détracteurs",
        "commentary": "Le mot des fondateurs", "opening": "MRR d’ouverture", "closing": "MRR de clôture",
        "new": "Nouveaux", "expansion": "Expansion", "reactivation": "Réactivation", "contraction": "Contraction",
        "churn": "Churn", "base": "Base", "increase": "Hausse", "decrease": "Baisse", "total": "MRR",
        "promoters": "Promoteurs", "passives": "Passifs", "detractors": "Détracteurs", "overall": "Toutes les réponses",
        "cohort": "Cohorte", "size": "Clients", "age_month": "M", "age_quarter": "T", "age_year": "A",
        "compared_with": "comparé à", "page": "page", "month": "Mois", "movement": "Mouvement",
        "customer_id": "ID client", "customer": "Client", "previous_mrr": "MRR avant", "current_mrr": "MRR après",
        "amount": "Montant", "mrr_change": "Variation de MRR", "segment": "Segment", "responses": "Réponses",
        "score": "NPS", "ci_low": "IC 95 % bas", "ci_high": "IC 95 % haut", "value": "Valeur",
        "comparison": "Comparaison", "key": "Clé", "section": "Section", "narrative": "Commentaire",
        "monthly_series": "Séries mensuelles", "movements": "Mouvements", "customers": "Clients", "mrr": "MRR",
        "net_new": "MRR net nouveau", "arpa": "ARPA", "logo_churn": "Churn clients", "nrr": "NRR (mensuel)",
        "product": "Nouveautés produit", "hires": "Recrutements",
        "asks": "Demandes", "chart_data": "Données des graphiques", "responses_note": "{n} réponses",
        "test": "Les segments diffèrent-ils ?",
        "generated": "Généré par le KPI workbench ; chaque chiffre suit les définitions des KPI.",
        "as_of": "au", "unit_month": "mois", "unit_quarter": "trimestres", "unit_year": "années",
        "retention_note": "Part des clients de chaque cohorte toujours payants, par ancienneté en {unit} "
                          "({n} dernières cohortes).",
        "no_revenue": "Aucune donnée de revenu n’a été fournie.",
    },
}

# Headline KPI labels; `{avg}` is filled for quarterly updates, where monthly rates are averaged.
KPI_LABELS: dict[str, dict[str, str]] = {
    "en": {"mrr": "MRR", "arr": "ARR", "customers": "Paying customers", "arpa": "ARPA", "net_new_mrr": "Net new MRR",
           "mrr_growth": "MRR growth", "logo_churn_rate": "Logo churn{avg}",
           "gross_mrr_churn_rate": "Gross MRR churn{avg}",
           "nrr_monthly": "NRR (monthly{avg_inner})", "nrr_12m": "NRR (12 months)", "quick_ratio": "Quick ratio",
           "ltv_cac": "LTV:CAC", "payback_months": "CAC payback", "nps": "NPS", "csat": "CSAT"},
    "fr": {"mrr": "MRR", "arr": "ARR", "customers": "Clients payants", "arpa": "ARPA", "net_new_mrr": "MRR net nouveau",
           "mrr_growth": "Croissance du MRR", "logo_churn_rate": "Churn clients{avg}",
           "gross_mrr_churn_rate": "Churn MRR brut{avg}", "nrr_monthly": "NRR (mensuel{avg_inner})",
           "nrr_12m": "NRR (12 mois)", "quick_ratio": "Quick ratio", "ltv_cac": "LTV:CAC",
           "payback_months": "Retour sur CAC", "nps": "NPS", "csat": "CSAT"},
}
_AVERAGE = {"en": (" (monthly avg)", " avg"), "fr": (" (moy. mensuelle)", " moyen")}


def labels(language: str) -> dict[str, str]:
    """The export words in `language` ('en' or 'fr')."""
    return LABELS[_checked(language)]


def kpi_label(key: str, language: str, period: str = "month") -> str:
    """'Logo churn', or 'Logo churn (monthly avg)' in a quarterly update."""
    avg, avg_inner = _AVERAGE[_checked(language)] if period != "month" else ("", "")
    return KPI_LABELS[language][key].format(avg=avg, avg_inner=avg_inner)


def _checked(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


# ── numbers ──────────────────────────────────────────────────────────────────────────────


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class Numbers:
    """Number formatting for one language and currency: the single source of every figure an
    export prints, so a test can compare a slide's cell with `Numbers(...).money(value)`."""

    def __init__(self, language: str = "en", currency: str | None = None):
        self.language = _checked(language)
        self.currency = currency
        self.na = NOT_AVAILABLE[language]

    def _decimal(self, text: str) -> str:
        """English digits → French: '1,234.5' → '1 234,5' (thin no-break space, decimal comma)."""
        if self.language == "en":
            return text
        return text.replace(",", THIN).replace(".", ",")

    def _signed(self, value: float, body: str, signed: bool) -> str:
        if not any(digit in body for digit in "123456789"):
            return body  # rounds to zero: no sign
        if value < 0:
            return MINUS + body
        return ("+" + body) if signed else body

    def money(self, value: float | None, *, signed: bool = False) -> str:
        """€61.9k / 61,9 k€; −€1.31k / −1,31 k€; +€0.50k with `signed`."""
        if _missing(value):
            return self.na
        if value == 0:
            return self._zero_money()
        if self.language == "en":
            text = fmt.money(abs(value), self.currency)
            return self._signed(value, text, signed)
        size = abs(value)
        code = (self.currency or "").upper()
        symbol = SUFFIX_SYMBOLS.get(code, code)
        if size >= 1_000_000:
            number, unit = f"{size / 1_000_000:.2f}", "M"
        elif size >= 10_000:
            number, unit = f"{size / 1_000:.1f}", "k"
        elif size >= 1_000:
            number, unit = f"{size / 1_000:.2f}", "k"
        else:
            number, unit = (f"{size:,.0f}" if size >= 100 else f"{size:,.2f}"), ""
        if unit and symbol in ("€", "$", "£", "¥"):
            suffix = f"{unit}{symbol}"  # 51,2 k€
        else:
            suffix = " ".join(p for p in (unit, symbol) if p)  # 51,2 k CHF, 950 CHF
        text = self._decimal(number) + (NBSP + suffix if suffix else "")
        return self._signed(value, text, signed)

    def _zero_money(self) -> str:
        """€0 / 0 € (not €0.00)."""
        code = (self.currency or "").upper()
        if self.language == "en":
            symbol = fmt.CURRENCY_SYMBOLS.get(code, f"{code} " if code else "")
            return f"{symbol}0"
        symbol = SUFFIX_SYMBOLS.get(code, code)
        return f"0{NBSP}{symbol}" if symbol else "0"

    def money_full(self, value: float | None) -> str:
        """Not compacted: €117.85 / 117,85 €."""
        if _missing(value):
            return self.na
        if self.language == "en":
            return self._signed(value, fmt.money(abs(value), self.currency, compact=False), False)
        code = (self.currency or "").upper()
        symbol = SUFFIX_SYMBOLS.get(code, code)
        text = self._decimal(f"{abs(value):,.2f}") + (NBSP + symbol if symbol else "")
        return self._signed(value, text, False)

    def percent(self, value: float | None, digits: int = 1, *, signed: bool = False) -> str:
        """5.3 % / 5,3 % (a fraction in, percent out)."""
        if _missing(value):
            return self.na
        return self._signed(value, self._decimal(f"{abs(value) * 100:.{digits}f}") + NBSP + "%", signed)

    def count(self, value: float | None, *, signed: bool = False) -> str:
        if _missing(value):
            return self.na
        text = f"{int(round(abs(value))):,}".replace(",", THIN)
        return self._signed(value, text, signed)

    def ratio(self, value: float | None, *, signed: bool = False) -> str:
        """2.06× / 2,06×."""
        if _missing(value):
            return self.na
        return self._signed(value, self._decimal(f"{abs(value):.2f}") + "×", signed)

    def points(self, value: float | None) -> str:
        """An NPS: +42, −7, 0 (points, always signed, whole)."""
        if _missing(value):
            return self.na
        rounded = round(value)
        return "0" if rounded == 0 else self._signed(rounded, f"{abs(rounded):.0f}", True)

    def months(self, value: float | None, *, signed: bool = False) -> str:
        """15.7 months / 15,7 mois."""
        if _missing(value):
            return self.na
        unit = "months" if self.language == "en" else "mois"
        return self._signed(value, self._decimal(f"{abs(value):.1f}") + NBSP + unit, signed)

    def value(self, kind: str, value: float | None) -> str:
        """A KPI value by kind: money, count, rate, ratio, points, months."""
        return {"money": self.money, "count": self.count, "rate": self.percent, "ratio": self.ratio,
                "points": self.points, "months": self.months}[kind](value)

    def change(self, kind: str, basis: str, change: float | None) -> str:
        """A KPI change: relative (+5.3 %), or a difference in the KPI's unit (+3.4 pp, +8 pts, +€0.9k)."""
        if _missing(change):
            return self.na
        if basis == "relative":
            return self.percent(change, signed=True)
        if kind == "rate":
            unit = "pp" if self.language == "en" else "pt"
            return self._signed(change, self._decimal(f"{abs(change) * 100:.1f}") + NBSP + unit, True)
        if kind == "points":
            unit = "pts"
            return self._signed(change, self._decimal(f"{abs(change):.1f}") + NBSP + unit, True)
        if kind == "money":
            return self.money(change, signed=True)
        if kind == "count":
            return self.count(change, signed=True)
        if kind == "ratio":
            return self.ratio(change, signed=True)
        return self.months(change, signed=True)

    def punctuation(self, mark: str) -> str:
        """' : ' in French (no-break space before), ': ' in English."""
        return (NBSP + mark) if self.language == "fr" else mark


# ── periods ──────────────────────────────────────────────────────────────────────────────


def month_label(month: pd.Period, language: str, *, short: bool = False) -> str:
    """October 2026 / octobre 2026; Oct 2026 / oct. 2026 when short."""
    names = (SHORT_MONTHS if short else MONTHS)[_checked(language)]
    return f"{names[month.month - 1]} {month.year}"


def period_label(months: tuple[pd.Period, ...] | list[pd.Period], period: str, language: str) -> str:
    """The label of a period given by its months: 'October 2026'; 'Q3 2026' for a full quarter;
    'Q4 2026 through November' / 'T4 2026 jusqu’à novembre' for the months of a quarter so far."""
    months = list(months)
    if not months:
        return NOT_AVAILABLE[_checked(language)]
    last = months[-1]
    if period == "month":
        return month_label(last, language)
    quarter = last.asfreq("Q")
    letter = "Q" if language == "en" else "T"
    head = f"{letter}{quarter.quarter} {quarter.year}"
    if len(months) == 3 and months[0] == quarter.asfreq("M", how="start"):
        return head
    through = "through" if language == "en" else "jusqu’à"
    return f"{head} {through} {MONTHS[language][last.month - 1]}"


def in_period(label: str, language: str) -> str:
    """'in October 2026' / 'en octobre 2026', 'au T3 2026'."""
    if language == "en":
        return f"in {label}"
    return f"au {label}" if label.startswith("T") else f"en {label}"


# ── narrative ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Facts:
    """The numbers the narrative is written from (built by `kpi.report.update.investor_update`).

    Movements are summed over the period's months; `mrr_start` is MRR just before the period;
    `mrr_comparison` is MRR at the end of the comparison period; rates are the period's values
    (a quarter's monthly rates are averages)."""

    language: str
    currency: str | None
    period: str  # "month" | "quarter"
    compare: str  # "previous" | "last_year"
    period_label: str
    comparison_label: str | None
    mrr: float | None
    mrr_start: float | None = None
    mrr_comparison: float | None = None
    new: float = 0.0
    expansion: float = 0.0
    reactivation: float = 0.0
    contraction: float = 0.0
    churn: float = 0.0
    net_new_comparison: float | None = None
    customers: float | None = None
    new_customers: int = 0
    reactivated_customers: int = 0
    churned_customers: int = 0
    logo_churn: float | None = None
    logo_churn_comparison: float | None = None
    nrr_monthly: float | None = None
    nrr_12m: float | None = None
    nps: float | None = None
    nps_responses: int = 0
    nps_comparison: float | None = None
    ltv_cac: float | None = None
    payback_months: float | None = None
    finance: tuple[str, ...] = ()  # cash, runway, plan and forecast sentences (kpi.report.update_finance)

    @property
    def net_new(self) -> float:
        return self.new + self.expansion + self.reactivation - self.contraction - self.churn


_WORDS = {
    "en": {"grew": "MRR grew {x} to {mrr}", "fell": "MRR fell {x} to {mrr}", "held": "MRR held steady at {mrr}",
           "reached": "MRR reached {mrr}", "yoy": "{x} year on year", "net_new": "net new MRR {net}",
           "new": "new", "expansion": "expansion", "reactivation": "reactivation", "contraction": "contraction",
           "churn": "churn", "no_movement": "no MRR movement",
           "customers": ("{n} paying customer ({parts})", "{n} paying customers ({parts})"),
           "c_new": ("{n} new", "{n} new"), "c_back": ("{n} reactivated", "{n} reactivated"),
           "c_churned": ("{n} churned", "{n} churned"), "logo": "logo churn {x}",
           "logo_avg": "average monthly logo churn {x}",
           "nrr": "NRR {x} for the month", "nrr_avg": "NRR averaged {x} a month",
           "nrr_12m": "{x} over 12 months", "and": "and", "nps": "NPS {x} from {n} responses",
           "ltv_cac": "LTV:CAC {x}", "payback": "CAC payback {x}", "nothing": "No revenue data was given."},
    "fr": {"grew": "le MRR a progressé de {x} à {mrr}", "fell": "le MRR a reculé de {x} à {mrr}",
           "held": "le MRR est stable à {mrr}", "reached": "le MRR atteint {mrr}", "yoy": "{x} sur un an",
           "net_new": "MRR net nouveau {net}", "new": "nouveaux", "expansion": "expansion",
           "reactivation": "réactivation", "contraction": "contraction", "churn": "churn",
           "no_movement": "aucun mouvement de MRR",
           "customers": ("{n} client payant ({parts})", "{n} clients payants ({parts})"),
           "c_new": ("{n} nouveau", "{n} nouveaux"), "c_back": ("{n} réactivé", "{n} réactivés"),
           "c_churned": ("{n} perdu", "{n} perdus"), "logo": "churn clients {x}",
           "logo_avg": "churn clients mensuel moyen {x}",
           "nrr": "NRR {x} sur le mois", "nrr_avg": "NRR mensuel moyen {x}", "nrr_12m": "{x} sur 12 mois",
           "and": "et", "nps": "NPS {x} sur {n} réponses", "ltv_cac": "LTV:CAC {x}",
           "payback": "retour sur CAC en {x}", "nothing": "Aucune donnée de revenu n’a été fournie."},
}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def narrative(facts: Facts) -> str:
    """'In October 2026, MRR grew 6.1 % to €51.2k; net new MRR €2.9k: new €3.5k, expansion
    €0.8k, churn −€1.4k. …' — one paragraph, in the facts' language, from the numbers only.

    Sentences: MRR and its growth over the period (and year on year when comparing with last
    year); net new MRR (the comparison period's in brackets) and its movements, zero ones left
    out; paying customers gained, won back and lost, with logo churn; NRR monthly and over 12
    months; NPS; LTV:CAC and CAC payback; then the finance sentences (cash and runway, plan vs
    actual, forecast: `Facts.finance`). A sentence whose numbers are missing is left out."""
    language = facts.language
    words = _WORDS[_checked(language)]
    n = Numbers(language, facts.currency)
    if facts.mrr is None:
        return words["nothing"]
    semicolon, colon = n.punctuation(";"), n.punctuation(":")
    opening = f"{_sentence(in_period(facts.period_label, language))}, "

    if _missing(facts.mrr_start) or facts.mrr_start == 0:
        growth = words["reached"].format(mrr=n.money(facts.mrr))
    elif facts.mrr == facts.mrr_start:
        growth = words["held"].format(mrr=n.money(facts.mrr))
    else:
        rate = facts.mrr / facts.mrr_start - 1
        growth = words["grew" if rate > 0 else "fell"].format(x=n.percent(abs(rate)), mrr=n.money(facts.mrr))
    if facts.compare == "last_year" and not _missing(facts.mrr_comparison) and facts.mrr_comparison:
        growth += f" ({words['yoy'].format(x=n.percent(facts.mrr / facts.mrr_comparison - 1, signed=True))})"

    net = n.money(facts.net_new)
    if not _missing(facts.net_new_comparison) and facts.comparison_label:
        net += f" ({n.money(facts.net_new_comparison)} {in_period(facts.comparison_label, language)})"
    parts = [f"{words[name]} {n.money(sign * amount)}" for name, sign, amount in (
        ("new", 1, facts.new), ("expansion", 1, facts.expansion), ("reactivation", 1, facts.reactivation),
        ("contraction", -1, facts.contraction), ("churn", -1, facts.churn)) if amount]
    movements = ", ".join(parts) if parts else words["no_movement"]
    sentences = [f"{opening}{growth}{semicolon} {words['net_new'].format(net=net)}{colon} {movements}."]

    def plural(key: str, count: float, **values: str) -> str:
        singular, many = words[key]
        # French: 0 and 1 take the singular; English: only 1
        one = count == 1 if language == "en" else abs(count) < 2
        return (singular if one else many).format(n=n.count(count), **values)

    if not _missing(facts.customers):
        counts = [plural("c_new", facts.new_customers)]
        if facts.reactivated_customers:
            counts.append(plural("c_back", facts.reactivated_customers))
        counts.append(plural("c_churned", facts.churned_customers))
        text = plural("customers", facts.customers, parts=", ".join(counts))
        if not _missing(facts.logo_churn):
            logo = words["logo" if facts.period == "month" else "logo_avg"].format(x=n.percent(facts.logo_churn))
            if not _missing(facts.logo_churn_comparison) and facts.comparison_label:
                logo += f" ({n.percent(facts.logo_churn_comparison)} {in_period(facts.comparison_label, language)})"
            text += f"{semicolon} {logo}"
        sentences.append(_sentence(text) + ".")

    if not _missing(facts.nrr_monthly):
        text = words["nrr" if facts.period == "month" else "nrr_avg"].format(x=n.percent(facts.nrr_monthly))
        if not _missing(facts.nrr_12m):
            joiner = f" {words['and']} " if facts.period == "month" else f"{semicolon} "
            text += joiner + words["nrr_12m"].format(x=n.percent(facts.nrr_12m))
        sentences.append(_sentence(text) + ".")

    if not _missing(facts.nps) and facts.nps_responses:
        text = words["nps"].format(x=n.points(facts.nps), n=n.count(facts.nps_responses))
        if not _missing(facts.nps_comparison) and facts.comparison_label:
            text += f" ({n.points(facts.nps_comparison)} {in_period(facts.comparison_label, language)})"
        sentences.append(text + ".")

    economics = []
    if not _missing(facts.ltv_cac):
        economics.append(words["ltv_cac"].format(x=n.ratio(facts.ltv_cac)))
    if not _missing(facts.payback_months):
        economics.append(words["payback"].format(x=n.months(facts.payback_months)))
    if economics:
        sentences.append(_sentence(", ".join(economics)) + ".")
    return " ".join(sentences + list(facts.finance))
