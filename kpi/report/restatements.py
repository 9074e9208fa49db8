"""A restatement in words a founder reads: which reported KPIs changed, formatted as the cards show
them, and the other figures of the JSON report that moved with them.

`Store.restatements` lists every number of the frozen JSON report that differs (paths such as
`revenue.mrr` or `series[2025-03].churn`); `headline_changes` keeps the KPIs of the cards, labelled
and formatted, and `other_changes` names the rest in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

import pandas as pd

from kpi import formatting as fmt


class Change(Protocol):
    """What `kpi.store.model.Change` carries (the report layer does not import the store)."""

    key: str
    reported: Any
    now: Any
    difference: float | None

# JSON path → (label, kind), in the order of the Overview's cards
HEADLINE = {
    "revenue.mrr": ("MRR", "money"), "revenue.arr": ("ARR", "money"),
    "revenue.customers": ("Paying customers", "count"), "revenue.arpa": ("ARPA", "money"),
    "revenue.quick_ratio": ("Quick ratio", "ratio"), "revenue.logo_churn_rate": ("Logo churn", "rate"),
    "revenue.gross_mrr_churn_rate": ("Gross MRR churn", "rate"),
    "revenue.net_mrr_churn_rate": ("Net MRR churn", "rate"),
    "revenue.nrr_monthly": ("NRR (monthly)", "rate"), "revenue.grr_monthly": ("GRR (monthly)", "rate"),
    "revenue.nrr_12m": ("NRR (12 months)", "rate"), "unit_economics.ltv_cac": ("LTV : CAC", "ratio"),
    "unit_economics.cac": ("CAC", "money"), "nps.score": ("NPS", "points"), "csat.score": ("CSAT", "rate"),
    "support.fcr": ("FCR", "rate"),
}
SECTIONS = {"revenue": "Revenue", "series": "Monthly history", "cohorts": "Cohorts", "unit_economics": "Unit economics",
            "nps": "NPS", "csat": "CSAT", "ces": "CES", "support": "Support", "engagement": "Engagement",
            "orders": "Orders", "churn_reasons": "Churn reasons", "snapshot": "Customer list"}


def _shown(value: object, kind: str, currency: str | None) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return fmt.NOT_AVAILABLE
    return {"money": lambda: fmt.money(value, currency, compact=False), "count": lambda: fmt.count(value),
            "rate": lambda: fmt.percent(value), "ratio": lambda: fmt.ratio(value),
            "points": lambda: f"{value:+.1f}"}[kind]()


def _difference(change: Change, kind: str, currency: str | None) -> str:
    if change.difference is None:
        return "new" if change.reported is None else "gone" if change.now is None else "changed"
    d = change.difference
    if kind == "rate":
        return f"{d * 100:+.2f} pp".replace("-", "\u2212")
    if kind == "money":
        return ("+" if d >= 0 else "\u2212") + fmt.money(abs(d), currency, compact=False)
    if kind == "points":
        return f"{d:+.1f} pts".replace("-", "\u2212")
    return f"{d:+,.2f}".replace("-", "\u2212")


def headline_changes(changes: Iterable[Change], currency: str | None) -> pd.DataFrame:
    """The changed KPIs of the cards: KPI, Reported, Now, Difference (texts as the cards write them)."""
    by_key = {change.key: change for change in changes}
    rows = [{"KPI": label, "Reported": _shown(by_key[key].reported, kind, currency),
             "Now": _shown(by_key[key].now, kind, currency), "Difference": _difference(by_key[key], kind, currency)}
            for key, (label, kind) in HEADLINE.items() if key in by_key]
    return pd.DataFrame(rows, columns=["KPI", "Reported", "Now", "Difference"])


def plain_name(key: str) -> str:
    """'series[2025-03].churn' → 'Monthly history · March 2025 · churn';
    'cohorts.logo.2024-01[2]' → 'Cohorts · logo · 2024-01 · 2'."""
    parts = [p for p in re.split(r"[.\[\]]+", key) if p]
    words = [SECTIONS.get(parts[0], parts[0].replace("_", " ").capitalize())] if parts else []
    for part in parts[1:]:
        if re.fullmatch(r"\d{4}-\d{2}", part):
            words.append(pd.Period(part, freq="M").strftime("%B %Y"))
        else:
            words.append(part.replace("_", " "))
    return " · ".join(words)


def other_changes(changes: Iterable[Change]) -> pd.DataFrame:
    """Every other changed figure: Figure (plain name), Reported, Now (numbers rounded to 4 decimals)."""
    def rounded(value: object) -> object:
        return round(value, 4) if isinstance(value, float) else ("—" if value is None else value)
    rows = [{"Figure": plain_name(c.key), "Reported": rounded(c.reported), "Now": rounded(c.now)}
            for c in changes if c.key not in HEADLINE]
    return pd.DataFrame(rows, columns=["Figure", "Reported", "Now"]).astype({"Reported": str, "Now": str})
