"""Customer health score: 0–100 per customer from weighted, capped components.

KPI_DEFINITIONS.md §7. Four components, each normalised to 0–1 (1 = healthy) with a cap the
user sets in `HealthWeights`:

- usage      events of the customer in the last 30 days ÷ usage_cap, capped at 1;
- nps        the customer's latest NPS score ÷ 10;
- tickets    1 − tickets created in the last 90 days ÷ tickets_cap, floored at 0 (more = worse);
- mrr_trend  1 + (MRR change over 3 months) ÷ mrr_drop_cap, within 0–1: flat or growing = 1,
             a fall of mrr_drop_cap (50 %) or more = 0.

score = 100 × Σ weight × component ÷ Σ weight, over the components that have data for that
customer, so a customer who never answered the NPS survey is scored on the other three.
Bands: red < 40 ≤ yellow < 70 ≤ green. Windows end at the end of the as-of month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.errors import InputError
from kpi.surveys import counted_responses

COMPONENTS = ("usage", "nps", "tickets", "mrr_trend")
RED_BELOW = 40.0
GREEN_FROM = 70.0
COLUMNS = ["customer_id", "usage_events_30d", "usage", "nps_latest", "nps", "tickets_90d", "tickets",
           "mrr_change_3m", "mrr_trend", "score", "band"]


@dataclass(frozen=True)
class HealthWeights:
    """The user's health-score settings: a weight per component and the caps that normalise them."""

    usage: float = 0.35
    nps: float = 0.25
    tickets: float = 0.15
    mrr_trend: float = 0.25
    usage_cap: float = 30.0  # events in the window that count as full usage (≈ one a day)
    tickets_cap: float = 5.0  # tickets in the window that bring the component to 0
    mrr_drop_cap: float = 0.5  # an MRR fall of this fraction or more over trend_months brings it to 0
    usage_days: int = 30
    tickets_days: int = 90
    trend_months: int = 3

    def __post_init__(self) -> None:
        weights = [getattr(self, name) for name in COMPONENTS]
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise InputError("health weights must be zero or positive, and not all zero")
        if min(self.usage_cap, self.tickets_cap, self.mrr_drop_cap) <= 0:
            raise InputError("health caps must be positive")
        if min(self.usage_days, self.tickets_days, self.trend_months) < 1:
            raise InputError("health windows must be at least one day / one month")


DEFAULT_WEIGHTS = HealthWeights()


def band(score: pd.Series) -> pd.Series:
    """red < 40 ≤ yellow < 70 ≤ green; no score → no band."""
    values = np.select([score < RED_BELOW, score < GREEN_FROM, score >= GREEN_FROM], ["red", "yellow", "green"],
                       default="")
    return pd.Series(values, index=score.index, dtype="string").replace("", pd.NA)


def _count_since(table: pd.DataFrame | None, date_column: str, start: pd.Timestamp, end: pd.Timestamp,
                 ids: pd.Index) -> pd.Series | None:
    """Rows per customer dated in [start, end), for `ids` (0 when none); None without the table."""
    if table is None or "customer_id" not in table or date_column not in table:
        return None
    dates = table[date_column]
    rows = table[(dates >= start) & (dates < end) & table["customer_id"].notna()]
    return rows.groupby(rows["customer_id"].astype(str)).size().reindex(ids, fill_value=0).astype(float)


def _customers_to_score(month: pd.Period, mrr: pd.DataFrame | None, customers: pd.DataFrame | None,
                        *tables: pd.DataFrame | None) -> pd.Index:
    """Paying customers at as_of when MRR is given; else the customers table; else every id seen."""
    if mrr is not None:
        current = mrr[month] if month in mrr.columns else pd.Series(dtype=float)
        return pd.Index(current[current > 0].index.astype(str), name="customer_id")
    if customers is not None:
        return pd.Index(customers["customer_id"].dropna().astype(str).unique(), name="customer_id")
    seen = [t["customer_id"].dropna().astype(str) for t in tables if t is not None and "customer_id" in t]
    return pd.Index(pd.concat(seen).unique() if seen else [], name="customer_id")


def health_scores(as_of: pd.Period | str, *, mrr: pd.DataFrame | None = None, events: pd.DataFrame | None = None,
                  nps: pd.DataFrame | None = None, tickets: pd.DataFrame | None = None,
                  customers: pd.DataFrame | None = None, weights: HealthWeights = DEFAULT_WEIGHTS) -> pd.DataFrame:
    """Health of each customer at the end of the as-of month, most at risk first.

    Components (0–1, see the module doc): usage (events in the last 30 days; missing for all
    when the log has no event in that window), nps (latest answer up to as_of; missing for
    customers who never answered), tickets (created in the last 90 days; 1 for none), mrr_trend
    (mrr[as_of] ÷ mrr[as_of − 3] − 1; missing for customers not paying 3 months before).
    score = 100 × Σ w·x ÷ Σ w over the components with data; band red/yellow/green.
    Columns: customer_id, each raw value and component, score, band.
    """
    month = pd.Period(as_of, freq="M")
    end = (month + 1).start_time
    ids = _customers_to_score(month, mrr, customers, events, nps, tickets)
    out = pd.DataFrame(index=ids)

    start = end - pd.Timedelta(days=weights.usage_days)
    used = _count_since(events, "timestamp", start, end, ids)
    # a log with no event at all in the window does not cover it: usage unknown, not zero
    covered = used is not None and bool(((events["timestamp"] >= start) & (events["timestamp"] < end)).any())
    out["usage_events_30d"] = used if covered else np.nan
    out["usage"] = (out["usage_events_30d"] / weights.usage_cap).clip(upper=1.0)

    latest = np.nan
    if nps is not None and "customer_id" in nps:
        answers = counted_responses(nps, as_of=month, window="all", rule="latest")
        answers = answers[answers["customer_id"].notna() & answers["score"].notna()]
        latest = answers.set_index(answers["customer_id"].astype(str))["score"].reindex(ids)
    out["nps_latest"] = latest
    out["nps"] = out["nps_latest"] / 10.0

    opened = _count_since(tickets, "created_at", end - pd.Timedelta(days=weights.tickets_days), end, ids)
    out["tickets_90d"] = opened if opened is not None else np.nan
    out["tickets"] = 1.0 - (out["tickets_90d"] / weights.tickets_cap).clip(upper=1.0)

    change = np.nan
    if mrr is not None:
        values = mrr.reindex(columns=[month - weights.trend_months, month], fill_value=0.0)
        values = values.set_axis(values.index.astype(str)).reindex(ids, fill_value=0.0)
        before, now = values.iloc[:, 0], values.iloc[:, 1]
        change = (now / before.where(before > 0) - 1.0)
    out["mrr_change_3m"] = change
    out["mrr_trend"] = (1.0 + out["mrr_change_3m"] / weights.mrr_drop_cap).clip(0.0, 1.0)

    component = out[list(COMPONENTS)].to_numpy(dtype=float)
    weight = np.array([getattr(weights, name) for name in COMPONENTS], dtype=float)
    present = ~np.isnan(component) & (weight > 0)
    total = (present * weight).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["score"] = np.where(total > 0, 100 * (np.nan_to_num(component) * weight).sum(axis=1) / total, np.nan)
    out["band"] = band(out["score"])
    out = out.reset_index()
    out = out.sort_values(["score", "customer_id"], na_position="last", kind="mergesort").reset_index(drop=True)
    return out[COLUMNS]


def band_counts(scores: pd.DataFrame) -> pd.Series:
    """Customers per band (red, yellow, green) of a `health_scores` frame."""
    return scores["band"].value_counts().reindex(["red", "yellow", "green"], fill_value=0).astype(int)
