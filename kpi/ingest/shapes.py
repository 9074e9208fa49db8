"""Tables recognised by the sheet's shape rather than by its headers.

- Month headers across (`Jan 2026`, `janv. 2026`, `2026-01`, real dates): metric names down the
  first column (`MRR`, `Clients payants`, `Trésorerie`…) make a wide plan; customer names or ids
  make a wide MRR table.
- A month column and columns of amounts whose headers are cost categories: wide costs.
- Required fields that no header names, found by their values: an id, two date columns and money
  are a subscription (start, end, amount) whatever the headers say; one id, one date and a
  category column are churn reasons; a date and signed amounts are cash.
"""

from __future__ import annotations

import re

import pandas as pd

from kpi.ingest.headers import tokens
from kpi.ingest.ledgers import month_headers
from kpi.ingest.profile import Profile
from kpi.ingest.vocabulary import cost_category

TOTAL_WORDS = {"total", "totaux", "sum", "somme", "ensemble"}
# Words of plan metrics (docs/definitions.md), English and French, accent-free
METRIC_WORDS = re.compile(
    r"\b(?:mrr|arr|arpa|nrr|grr|churn|attrition|clients?|customers?|cash|tresorerie|burn|revenue|revenus?|chiffre"
    r"|ca|new|nouveaux?|expansion|contraction|costs?|couts?|charges?|depenses?|marketing|salaires?|payroll|ebitda"
    r"|marge|margin|runway|headcount|effectifs?|bookings?|ventes?|sales|paying|payants?)\b")


def is_metric_list(values: pd.Series) -> bool:
    """Most of the labels are names of business metrics, not customers."""
    labels = values.dropna().astype(str).map(lambda v: " ".join(tokens(v)))
    labels = labels[labels != ""]
    return len(labels) >= 2 and labels.str.contains(METRIC_WORDS).mean() >= 0.5


def plan_or_mrr_wide(frame: pd.DataFrame, label_header: str | None) -> tuple[str, str, str] | None:
    """('plan' or 'mrr', the label column, why) for a sheet with three or more month headers."""
    headers = [str(c) for c in frame.columns]
    months = month_headers(headers)
    if len(months) < 3:
        return None
    others = [h for h in headers if h not in set(months) and not set(tokens(h)) & TOTAL_WORDS]
    label = label_header if label_header in others else (others[0] if others else None)
    if label is None:
        return None
    span = f"{len(months)} month headers across ('{months[0]}' … '{months[-1]}')"
    if is_metric_list(frame[label]):
        return "plan", label, f"{span} and metric names down '{label}': a plan, one row per metric"
    return "mrr", label, f"{span} and one row per customer in '{label}': MRR, one column per month"


def wide_costs(headers: list[str], month_fit: dict[str, float], amount_fit: dict[str, float],
               named_month: dict[str, float], hinted: bool) -> tuple[str, float, float, str] | None:
    """(month header, its name score, score, why) for one row per month and one column of amounts
    per cost category (`Mois; Marketing; Ventes; Support client; Hébergement`)."""
    headers = [h for h in headers if not set(tokens(h)) & TOTAL_WORDS]
    if len(headers) < 3:
        return None
    labels = cost_category(pd.Series(headers, dtype="string")) != "other"
    if int(labels.sum()) < 2 and not hinted:
        return None
    month = next((h for h in sorted(headers, key=lambda h: -named_month[h]) if month_fit.get(h, 0) >= 0.9), None)
    if month is None:
        return None
    categories = [h for h in headers if h != month]
    if any(amount_fit.get(h, 1.0) < 0.9 for h in categories):
        return None
    known = float(labels[[h != month for h in headers]].mean())
    if known < 0.5 and not hinted:
        return None
    score = 0.6 + 0.3 * known + (0.1 if hinted else 0.0)
    why = f"months down '{month}' and {len(categories)} columns of amounts named as cost categories"
    return month, max(named_month[month], 0.75), score, why


def _money(p: Profile) -> bool:
    return p.number >= 0.9 and p.negative == 0 and p.filled > 0 and (p.whole < 0.99 or p.high >= 10)


def _idlike(p: Profile) -> bool:
    return p.filled > 0 and p.structured < 0.5 and p.words < 2 and p.number < 0.9 and p.date < 0.5


def shape_fill(table: str, columns: dict[str, str], profiles: dict[str, Profile]) -> tuple[dict[str, str], str]:
    """Required fields no header named, chosen by the values, and the shape that says so."""
    free = [h for h in profiles if h not in columns.values()]
    dates = [h for h in free if profiles[h].date >= 0.9 and profiles[h].number < 0.9]
    found: dict[str, str] = {}
    if table == "subscriptions":
        ids = [h for h in free if _idlike(profiles[h])]
        money = [h for h in free if _money(profiles[h])]
        if "customer_id" not in columns and ids:
            found["customer_id"] = ids[0]
        if "amount" not in columns and money:
            found["amount"] = money[0]
        if "start_date" not in columns and len(dates) >= 2:
            start, end = dates[0], dates[1]
            if profiles[end].filled > profiles[start].filled:  # the end date is blank while running
                start, end = end, start
            found["start_date"] = start
            if "end_date" not in columns:
                found["end_date"] = end
        if {"customer_id", "start_date", "amount"} <= {*columns, *found} and "start_date" in found:
            return found, "an id, a start and an end date and money: the shape of a subscription table"
    return {}, ""
