"""Alert rules: does a KPI's monthly series cross a rule in month M? (docs/definitions.md, "Alerts").

The rules are small pure functions over monthly series (a pd.Series indexed by monthly
pd.Period), with their thresholds in one frozen `AlertRules`; `kpi.report.alerts` evaluates them
on a report and words the alerts. `customers_behind` lists the customers behind a month's churn
with their MRR, their last NPS answer and their open tickets.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.metrics.revenue import movement_of

RULES = ("churn_spike", "mrr_drop", "nrr_below", "nps_drop", "runway_short", "target_missed")
CHURN_KPIS = ("logo_churn_rate", "gross_mrr_churn_rate")


@dataclass(frozen=True)
class AlertRules:
    """Which rules are on and their thresholds (the defaults of docs/definitions.md).

    churn_spike    churn(M) ≥ churn_spike_ratio × median(churn(M−n) … churn(M−1)) and
                   churn(M) − median ≥ churn_spike_points percentage points, n = churn_spike_months
    mrr_drop       MRR(M) < MRR(M−1)
    nrr_below      NRR monthly(M) < nrr_floor_percent %
    nps_drop       NPS(M) < NPS(previous window) − (margin(M) + margin(previous window))
    runway_short   runway(M) < runway_months
    target_missed  a KPI target missed in M (below it, or above it for a lower-is-better KPI)
    """

    churn_spike: bool = True
    churn_spike_ratio: float = 1.5
    churn_spike_points: float = 1.0
    churn_spike_months: int = 6
    mrr_drop: bool = True
    nrr_below: bool = True
    nrr_floor_percent: float = 100.0
    nps_drop: bool = True
    runway_short: bool = True
    runway_months: float = 6.0
    target_missed: bool = True

    def pairs(self) -> tuple[tuple[str, float | bool], ...]:
        """Every parameter as (name, value): the `Settings.alert_rules` that says all of them."""
        return tuple((spec.name, getattr(self, spec.name)) for spec in dataclasses.fields(self))


DEFAULT_RULES = AlertRules()


def rules_from_pairs(pairs: tuple | list | None) -> AlertRules:
    """The rules with these (name, value) overrides (`Settings.alert_rules`); a name that is no
    parameter, or a value of the wrong kind (not a bool for a switch, not a finite number ≥ 0 for
    a threshold, under 1 month for the window), is ignored and keeps its default, so a hand-edited
    settings JSON cannot break a report."""
    values: dict[str, float | bool] = {}
    kinds = {spec.name: type(getattr(DEFAULT_RULES, spec.name)) for spec in dataclasses.fields(AlertRules)}
    for pair in pairs or ():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 or pair[0] not in kinds:
            continue
        name, value = pair
        if kinds[name] is bool:
            if isinstance(value, bool):
                values[name] = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
            if kinds[name] is int:
                if value >= 1 and float(value).is_integer():
                    values[name] = int(value)
            else:
                values[name] = float(value)
    return dataclasses.replace(DEFAULT_RULES, **values)


def _at(series: pd.Series, month: pd.Period) -> float | None:
    value = series.get(month) if len(series) else None
    return None if value is None or pd.isna(value) else float(value)


@dataclass(frozen=True)
class Spike:
    """A churn rate in month M against the median of the months before it."""

    value: float
    median: float


def churn_spike(history: pd.Series, month: pd.Period, *, ratio: float = 1.5, points: float = 1.0,
                months: int = 6) -> Spike | None:
    """The spike of a monthly churn rate (fractions) in `month`, or None.

    median = median(rate(M−months) … rate(M−1)); a spike when rate(M) ≥ ratio × median and
    rate(M) − median ≥ points ÷ 100. None also when M or any of the `months` before it has no
    rate (not enough history to call anything a spike)."""
    value = _at(history, month)
    before = [_at(history, month - k) for k in range(1, months + 1)]
    if value is None or any(v is None for v in before):
        return None
    median = float(np.median(before))
    if value >= ratio * median - 1e-12 and value - median >= points / 100 - 1e-12:  # float noise is no miss
        return Spike(value, median)
    return None


def dropped(history: pd.Series, month: pd.Period) -> tuple[float, float] | None:
    """(value(M), value(M−1)) when value(M) < value(M−1) (MRR below the previous month), else None."""
    value, previous = _at(history, month), _at(history, month - 1)
    if value is None or previous is None or not value < previous:
        return None
    return value, previous


def below(value: float | None, floor: float) -> bool:
    """value < floor (False when the value is unknown: a runway of a company not burning is unknown)."""
    return value is not None and not pd.isna(value) and value < floor


def nps_dropped(now: float | None, before: float | None, margins: tuple[float | None, float | None]) -> bool:
    """NPS fell by more than both margins of error combined: now < before − (margin_now + margin_before).
    False when a score or a margin is unknown (no answers in one window)."""
    if now is None or before is None or any(m is None for m in margins):
        return False
    return now < before - (margins[0] + margins[1])


def target_missed(value: float | None, target: float, better: str) -> bool:
    """A target missed: value < target when higher is better ("up"), value > target when lower is ("down")."""
    if value is None or pd.isna(value):
        return False
    return value < target if better == "up" else value > target


CUSTOMER_COLUMNS = ["customer_id", "movement", "mrr_before", "mrr_now", "mrr_lost", "last_nps", "open_tickets"]


def customers_behind(mrr: pd.DataFrame, month: pd.Period, movements: tuple[str, ...] = ("churn",), *,
                     nps: pd.DataFrame | None = None, tickets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The customers behind a month's churn, largest MRR lost first.

    One row per customer whose movement in `month` is among `movements` (churn for logo churn;
    churn and contraction for gross MRR churn): customer_id, movement, mrr_before = MRR(M−1),
    mrr_now = MRR(M), mrr_lost = mrr_before − mrr_now,
    last_nps     the score of the customer's latest NPS answer dated before the first day of M+1
                 (NaN without one; undated answers count, the last one listed winning);
    open_tickets tickets created before M+1 and not resolved before it (NaN without a tickets
                 table with `resolved_at`: open is unknown then).
    Columns in: nps (customer_id, score, date), tickets (customer_id, created_at, resolved_at)."""
    moved = movement_of(mrr, month)
    rows = moved[moved["movement"].isin(movements)]
    out = pd.DataFrame({"customer_id": rows["customer_id"].to_numpy(), "movement": rows["movement"].to_numpy(),
                        "mrr_before": rows["previous"].to_numpy(dtype=float),
                        "mrr_now": rows["current"].to_numpy(dtype=float)})
    out["mrr_lost"] = out["mrr_before"] - out["mrr_now"]
    end = (month + 1).start_time
    ids = out["customer_id"].astype("string")
    out["last_nps"] = ids.map(_last_scores(nps, end)).astype(float).to_numpy()
    out["open_tickets"] = _open_tickets(tickets, end, ids)
    order = out.assign(id=ids).sort_values(["mrr_lost", "id"], ascending=[False, True], kind="mergesort")
    return order[CUSTOMER_COLUMNS].reset_index(drop=True)


def _last_scores(nps: pd.DataFrame | None, end: pd.Timestamp) -> pd.Series:
    """customer_id → score of the latest answer dated before `end` (undated answers first, in file order)."""
    if nps is None or nps.empty or not {"customer_id", "score"} <= set(nps.columns):
        return pd.Series(dtype=float)
    answers = nps.loc[nps["customer_id"].notna() & nps["score"].notna()]
    dates = answers["date"] if "date" in answers else pd.Series(pd.NaT, index=answers.index)
    answers = answers.assign(date=dates, order=np.arange(len(answers)))
    answers = answers[answers["date"].isna() | (answers["date"] < end)]
    latest = answers.sort_values(["date", "order"], na_position="first", kind="stable")
    latest = latest.drop_duplicates("customer_id", keep="last")
    return pd.Series(latest["score"].astype(float).to_numpy(), index=latest["customer_id"].astype("string"))


def _open_tickets(tickets: pd.DataFrame | None, end: pd.Timestamp, ids: pd.Series) -> np.ndarray:
    if tickets is None or not {"customer_id", "created_at", "resolved_at"} <= set(tickets.columns):
        return np.full(len(ids), np.nan)
    created, resolved = tickets["created_at"], tickets["resolved_at"]
    is_open = tickets["customer_id"].notna() & (created < end) & (resolved.isna() | (resolved >= end))
    counts = tickets.loc[is_open, "customer_id"].astype("string").value_counts()
    return ids.map(counts).fillna(0).to_numpy(dtype=float)
