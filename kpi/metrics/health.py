"""Customer health score: 0–100 per customer from weighted, capped components.

docs/definitions.md. Four components, each normalised to 0–1 (1 = healthy) with a cap the
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
from kpi.metrics.event_aggregates import EventAggregates, customer_daily_activity, daily_activity
from kpi.metrics.revenue import movements
from kpi.metrics.surveys import counted_responses, nps_category

Events = pd.DataFrame | EventAggregates  # an events table, or its aggregates counted by a database
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


def usage_events(events: Events | None, start: pd.Timestamp, end: pd.Timestamp, ids: pd.Index) -> pd.Series | float:
    """Events per customer of `ids` dated in [start, end) (0 when none), from the daily and
    customer_daily aggregates (kpi.metrics.event_aggregates) of a DataFrame or a database; NaN
    without events, or when the log has no event at all in the window (it does not cover it:
    usage unknown, not zero)."""
    if events is None:
        return np.nan
    if isinstance(events, EventAggregates):
        daily, per_customer = events.daily, events.customer_daily
    else:
        if "customer_id" not in events or "timestamp" not in events:
            return np.nan
        rows = events[(events["timestamp"] >= start) & (events["timestamp"] < end)]
        daily, per_customer = daily_activity(rows), customer_daily_activity(rows)
    # the window is whole days (start and end are midnights): a day is in it when start ≤ day < end
    if not bool(daily.loc[(daily["day"] >= start) & (daily["day"] < end), "events"].gt(0).any()):
        return np.nan
    window = per_customer[(per_customer["day"] >= start) & (per_customer["day"] < end)]
    return window.groupby("customer_id")["events"].sum().reindex(ids, fill_value=0).astype(float)


def _customers_to_score(month: pd.Period, mrr: pd.DataFrame | None, customers: pd.DataFrame | None,
                        *tables: pd.DataFrame | EventAggregates | None) -> pd.Index:
    """Paying customers at as_of when MRR is given; else the customers table; else every id seen."""
    if mrr is not None:
        current = mrr[month] if month in mrr.columns else pd.Series(dtype=float)
        return pd.Index(current[current > 0].index.astype(str), name="customer_id")
    if customers is not None:
        return pd.Index(customers["customer_id"].dropna().astype(str).unique(), name="customer_id")
    seen = [t.customer_ids if isinstance(t, EventAggregates) else t["customer_id"].dropna().astype(str)
            for t in tables if t is not None and (isinstance(t, EventAggregates) or "customer_id" in t)]
    return pd.Index(pd.concat(seen).unique() if seen else [], name="customer_id")


def health_scores(as_of: pd.Period | str, *, mrr: pd.DataFrame | None = None, events: Events | None = None,
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

    out["usage_events_30d"] = usage_events(events, end - pd.Timedelta(days=weights.usage_days), end, ids)
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


# ── Customers: names, the health table, and one customer's story ─────────────────────────────

_MOVEMENT_COUNTS = {"new": "new_customers", "reactivation": "reactivated_customers",
                    "expansion": "expansion_customers", "contraction": "contraction_customers",
                    "churn": "churned_customers"}


def customer_names(customers: pd.DataFrame | None) -> pd.Series:
    """customer_id → name from the customers table: the first non-blank name of each id.
    Empty (string dtype) without a customers table or a name column."""
    empty = pd.Series(dtype="string", index=pd.Index([], name="customer_id", dtype="string"), name="name")
    if customers is None or "name" not in customers or "customer_id" not in customers:
        return empty
    rows = pd.DataFrame({"customer_id": customers["customer_id"].astype("string"),
                         "name": customers["name"].astype("string").str.strip()}).dropna()
    rows = rows[rows["name"] != ""].drop_duplicates("customer_id")
    return rows.set_index("customer_id")["name"]


def with_customer_names(frame: pd.DataFrame, customers: pd.DataFrame | None) -> pd.DataFrame:
    """`frame` with a `name` column right after `customer_id`, from the customers table
    (NA for customers it does not name; every name NA without a customers table)."""
    names = customer_names(customers)
    looked_up = frame["customer_id"].astype("string").map(names).astype("string")
    out = frame.drop(columns="name", errors="ignore")
    out.insert(int(out.columns.get_loc("customer_id")) + 1, "name", looked_up.set_axis(out.index))
    return out


def customer_directory(customers: pd.DataFrame | None, mrr: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every customer known to the customers table or the MRR matrix, to pick one from a list.

    label = "name · customer_id" when the customers table names it, else customer_id (ids keep
    labels unique when two companies share a name). Sorted by label, case-insensitively.
    Columns: customer_id, name, label.
    """
    ids = []
    if customers is not None and "customer_id" in customers:
        ids.append(customers["customer_id"].dropna().astype("string"))
    if mrr is not None:
        ids.append(pd.Series(mrr.index.astype(str), dtype="string"))
    known = pd.concat(ids, ignore_index=True).drop_duplicates() if ids else pd.Series(dtype="string")
    out = with_customer_names(pd.DataFrame({"customer_id": known.to_numpy()}, dtype="string"), customers)
    out["label"] = (out["name"] + " · " + out["customer_id"]).fillna(out["customer_id"])
    order = out["label"].str.casefold().argsort(kind="mergesort")
    return out.iloc[order].reset_index(drop=True)


def health_table(scores: pd.DataFrame, *, customers: pd.DataFrame | None = None,
                 mrr: pd.DataFrame | None = None, as_of: pd.Period | str | None = None) -> pd.DataFrame:
    """A `health_scores` frame, kept in its order (most at risk first), with each customer's
    name (from the customers table) and MRR at as_of (mrr[customer, as_of]; NaN without MRR)."""
    out = with_customer_names(scores, customers)
    month = pd.Period(as_of, freq="M") if as_of is not None else None
    if mrr is not None and month is not None and month in mrr.columns:
        current = mrr[month].set_axis(mrr.index.astype(str))
        out.insert(2, "mrr", out["customer_id"].astype(str).map(current).to_numpy(dtype=float))
    else:
        out.insert(2, "mrr", np.nan)
    return out


def customer_mrr(mrr: pd.DataFrame, customer_id: str, as_of: pd.Period | str | None = None) -> pd.Series:
    """One customer's row of the customer × month MRR matrix, up to as_of (index `pd.Period`
    months, named "month"); an empty series for a customer who never paid."""
    columns = mrr.columns if as_of is None else mrr.columns[mrr.columns <= pd.Period(as_of, freq="M")]
    row = mrr.loc[mrr.index.astype(str) == str(customer_id), columns]
    if row.empty:
        return pd.Series(dtype=float, index=pd.PeriodIndex([], freq="M", name="month"), name="mrr")
    return pd.Series(row.iloc[0].to_numpy(dtype=float), index=pd.PeriodIndex(columns, freq="M", name="month"),
                     name="mrr")


def customer_movements(mrr: pd.DataFrame, customer_id: str, as_of: pd.Period | str | None = None) -> pd.DataFrame:
    """One customer's MRR movements, month by month, as `kpi.metrics.revenue.movements` counts them.

    With p = MRR last month and m = MRR this month (the customer's row of the matrix):
    new p = 0 < m for the first time; reactivation p = 0 < m after an earlier MRR;
    expansion 0 < p < m; contraction 0 < m < p; churn 0 = m < p.
    `revenue.movements` on the one-row matrix classifies every month at once; a month with no
    movement is left out. Columns: month, movement, previous (p), current (m), change (m − p).
    """
    row = customer_mrr(mrr, customer_id, as_of)
    columns = ["month", "movement", "previous", "current", "change"]
    if row.empty:
        return pd.DataFrame(columns=columns)
    series = movements(row.to_frame().T)
    counts = series[list(_MOVEMENT_COUNTS.values())].to_numpy() > 0
    kind = np.select(list(counts.T), list(_MOVEMENT_COUNTS), default="")
    current = row.to_numpy()
    previous = np.concatenate([[0.0], current[:-1]])
    out = pd.DataFrame({"month": row.index, "movement": kind, "previous": previous, "current": current,
                        "change": current - previous})
    return out[out["movement"] != ""].reset_index(drop=True)


def customer_answers(nps: pd.DataFrame, customer_id: str, *, as_of: pd.Period | str | None = None) -> pd.DataFrame:
    """One customer's NPS answers dated up to the end of as_of (all without as_of), newest first,
    with their category: promoter 9–10, passive 7–8, detractor 0–6.
    Columns: date (when the table has dates), score, category, comment (when given)."""
    if "customer_id" not in nps:
        rows = nps.iloc[:0]
    else:
        rows = nps[nps["customer_id"].astype("string") == str(customer_id)]
    if as_of is not None and "date" in rows:
        rows = rows[rows["date"] < (pd.Period(as_of, freq="M") + 1).start_time]
    if "date" in rows:
        rows = rows.sort_values("date", ascending=False, kind="mergesort", na_position="last")
    out = rows.assign(category=nps_category(rows["score"]).astype("string"))
    columns = [c for c in ("date", "score", "category", "comment") if c in out]
    return out[columns].reset_index(drop=True)


def band_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per band (red, yellow, green) of a `health_table`: customers, their MRR at as_of, and
    share = customers of the band ÷ customers scored. Index: band."""
    bands = ["red", "yellow", "green"]
    grouped = table.groupby(table["band"].astype("string"))
    customers = grouped.size().reindex(bands, fill_value=0).astype(np.int64)
    mrr = grouped["mrr"].sum(min_count=1).reindex(bands) if "mrr" in table else pd.Series(np.nan, index=bands)
    scored = int(customers.sum())
    out = pd.DataFrame({"customers": customers, "mrr": mrr.astype(float),
                        "share": customers / scored if scored else np.nan})
    out.index.name = "band"
    return out


def customer_record(customers: pd.DataFrame | None, customer_id: str) -> pd.DataFrame:
    """One customer's row of the customers table as field → value (the first row of that id),
    blank fields left out; empty without a customers table or that id. Columns: field, value (text)."""
    if customers is None or "customer_id" not in customers:
        return pd.DataFrame(columns=["field", "value"], dtype="string")
    rows = customers[customers["customer_id"].astype("string") == str(customer_id)]
    if rows.empty:
        return pd.DataFrame(columns=["field", "value"], dtype="string")
    record = rows.iloc[0].dropna()
    values = [value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else str(value) for value in record]
    return pd.DataFrame({"field": record.index.astype(str), "value": values}, dtype="string")


def find_customers(directory: pd.DataFrame, text: str | None, *, limit: int = 1000) -> pd.DataFrame:
    """The first `limit` rows of a `customer_directory` whose label (name · id) contains `text`,
    case-insensitively; the first `limit` rows when `text` is blank."""
    text = (text or "").strip().casefold()
    if not text:
        return directory.head(limit)
    found = directory["label"].str.casefold().str.contains(text, regex=False)
    return directory[found.fillna(False).to_numpy(dtype=bool)].head(limit)
