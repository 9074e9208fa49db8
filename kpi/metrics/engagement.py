"""Product engagement from an event log: DAU/MAU stickiness and time to first value (TTFV).

docs/definitions.md. An events table has `user_id`, `timestamp` and optionally
`customer_id` and `event`. A user is active on a day when they have at least one event dated
that day (the calendar date as written, no time-zone shift). DAU/MAU of a month averages the
daily active users over the calendar days of the month that the event log covers (from its
first to its last event day), so a day without events counts as 0 and a month cut by the
export is not diluted. TTFV counts from each customer's signup date (else the first day of
their first month with MRR) to their first value event (default `schedule_published`).

Every function takes the events as a DataFrame (an uploaded file) or as the `EventAggregates`
a database counted (`kpi.ingest.sql_events`): both meet at the aggregate tables of
`kpi.metrics.event_aggregates`, so both give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpi.metrics.event_aggregates import (
    VALUE_EVENT,
    EventAggregates,
    customer_daily_activity,
    customer_monthly_activity,
    daily_activity,
    first_value_events,
    log_span,
    monthly_activity,
)

Events = pd.DataFrame | EventAggregates
_DAY = pd.Timedelta(days=1)


def _month(as_of: pd.Period | str | None) -> pd.Period | None:
    return None if as_of is None else pd.Period(as_of, freq="M")


def _counted_with(aggregates: EventAggregates, active_events: tuple[str, ...] | None) -> None:
    """Aggregates answer only the question they were counted for."""
    if active_events is not None and tuple(active_events) != aggregates.active_events:
        raise ValueError(f"these event aggregates were counted with active events {aggregates.active_events}, "
                         f"not {tuple(active_events)}")


def _activity(events: Events, active_events: tuple[str, ...] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(daily, monthly) aggregate tables of the events (see kpi.metrics.event_aggregates)."""
    if isinstance(events, EventAggregates):
        _counted_with(events, active_events)
        return events.daily, events.monthly
    return daily_activity(events, active_events), monthly_activity(events, active_events)


def dau_mau_by_month(events: Events, *, as_of: pd.Period | str | None = None,
                     active_events: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Stickiness per month, from the first month of the log to as_of (default: its last month).

    days    = calendar days of the month inside the log's span [first event day, last event day]
    dau     = Σ over those days of distinct active users ÷ days  (= distinct user-days ÷ days)
    mau     = distinct users active in the month
    dau_mau = dau ÷ mau (NaN for a month without events)
    `active_events` restricts which event names make a user active (default: any event).
    """
    daily, monthly = _activity(events, active_events)
    return dau_mau_from_activity(daily, monthly, as_of=as_of)


def dau_mau_from_activity(daily: pd.DataFrame, monthly: pd.DataFrame, *,
                          as_of: pd.Period | str | None = None) -> pd.DataFrame:
    """`dau_mau_by_month` from the aggregate tables: daily (day, events, active_users) and
    monthly (month, active_users). The span is [first, last] day with events up to the end of
    as_of; dau = Σ daily active_users of the month's days in the span ÷ days; mau = monthly
    active_users. Columns: days, dau, mau, dau_mau; index: month."""
    columns = ["days", "dau", "mau", "dau_mau"]
    month = _month(as_of)
    span = log_span(daily, (month + 1).start_time if month is not None else None)
    if span is None:
        return pd.DataFrame(columns=columns, index=pd.PeriodIndex([], freq="M", name="month"))
    first_day, last_day = span
    months = pd.period_range(first_day.to_period("M"), month or last_day.to_period("M"), freq="M", name="month")
    covered = daily[daily["day"] <= last_day]
    user_days = covered.groupby(covered["day"].dt.to_period("M"))["active_users"].sum()
    users = monthly.groupby("month")["active_users"].sum()
    starts = pd.Series(months.start_time.normalize(), index=months).clip(lower=first_day)
    ends = pd.Series(months.end_time.normalize(), index=months).clip(upper=last_day)
    out = pd.DataFrame({"days": ((ends - starts) / _DAY + 1).clip(lower=0).astype(np.int64)}, index=months)
    out["dau"] = user_days.reindex(months, fill_value=0) / out["days"].where(out["days"] > 0)
    out["mau"] = users.reindex(months, fill_value=0).astype(np.int64)
    out["dau_mau"] = out["dau"] / out["mau"].where(out["mau"] > 0)
    out.loc[out["mau"] == 0, "dau"] = np.nan
    return out[columns]


def first_payment_dates(mrr: pd.DataFrame) -> pd.Series:
    """First day of each customer's first month with MRR > 0 (customers who never paid are left out)."""
    paying = mrr.to_numpy(dtype=float) > 0
    ever = paying.any(axis=1)
    first = pd.PeriodIndex(mrr.columns, freq="M")[paying.argmax(axis=1)[ever]]
    return pd.Series(first.start_time, index=pd.Index(mrr.index[ever].astype(str), name="customer_id"))


def first_value(events: Events, value_event: str = VALUE_EVENT) -> pd.Series:
    """customer_id → timestamp of the customer's first event named `value_event` (the
    first_value aggregate table as a Series; empty without event names or customer ids)."""
    if isinstance(events, EventAggregates):
        if events.value_event != value_event:
            raise ValueError(f"these event aggregates were counted for the value event '{events.value_event}', "
                             f"not '{value_event}'")
        table = events.first_value
    else:
        table = first_value_events(events, value_event)
    return pd.Series(table["value_at"].to_numpy(), index=pd.Index(table["customer_id"], name="customer_id"),
                     name="value_at")


def time_to_value(events: Events, customers: pd.DataFrame | None = None, *,
                  value_event: str = VALUE_EVENT, as_of: pd.Period | str | None = None,
                  mrr: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per customer who started by the end of as_of: start, start_from, value_at, days.

    start  = signup_date from the customers table, else the first day of the first month with
             MRR (when `mrr` is given); customers with neither are left out;
    value_at = first event named `value_event` of the customer up to the end of as_of (NaT: not yet);
    days   = (value_at − start) in days, fractional; a value event before the start counts 0.
    """
    month = _month(as_of)
    end = (month + 1).start_time if month is not None else pd.Timestamp.max
    starts = []
    if customers is not None and "signup_date" in customers:
        signup = customers[customers["signup_date"].notna()].drop_duplicates("customer_id")
        starts.append(pd.DataFrame({"customer_id": signup["customer_id"].astype(str).to_numpy(),
                                    "start": signup["signup_date"].to_numpy(), "start_from": "signup"}))
    if mrr is not None:
        paid = first_payment_dates(mrr)
        starts.append(pd.DataFrame({"customer_id": paid.index.to_numpy(), "start": paid.to_numpy(),
                                    "start_from": "first_payment"}))
    if not starts:
        return pd.DataFrame(columns=["customer_id", "start", "start_from", "value_at", "days"])
    base = pd.concat(starts, ignore_index=True).drop_duplicates("customer_id", keep="first")  # signup wins
    base = base[base["start"] < end]
    first = first_value(events, value_event)
    reached = first[first < end]
    base["value_at"] = reached.reindex(base["customer_id"].to_numpy()).to_numpy()
    base["days"] = ((base["value_at"] - base["start"]) / _DAY).clip(lower=0)
    return base.reset_index(drop=True)


@dataclass(frozen=True)
class TimeToValue:
    """Median days to the first value event, over the customers who reached it."""

    median_days: float | None
    reached: int
    not_reached: int  # started by as_of, no value event yet: not in the median
    value_event: str
    rows: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)


def ttfv(events: Events, customers: pd.DataFrame | None = None, *, value_event: str = VALUE_EVENT,
         as_of: pd.Period | str | None = None, mrr: pd.DataFrame | None = None) -> TimeToValue:
    """TTFV = median over customers who reached the value event of (first value event − start), days."""
    rows = time_to_value(events, customers, value_event=value_event, as_of=as_of, mrr=mrr)
    days = rows["days"].dropna()
    return TimeToValue(float(days.median()) if len(days) else None, len(days), len(rows) - len(days),
                       value_event, rows)


def ttfv_by_cohort(events: Events, customers: pd.DataFrame | None = None, *,
                   value_event: str = VALUE_EVENT, as_of: pd.Period | str | None = None,
                   mrr: pd.DataFrame | None = None) -> pd.DataFrame:
    """TTFV per month of start (signup cohort): customers, reached, median_days."""
    rows = time_to_value(events, customers, value_event=value_event, as_of=as_of, mrr=mrr)
    cohort = pd.to_datetime(rows["start"]).dt.to_period("M").rename("cohort")
    out = pd.DataFrame({"customers": 1, "reached": rows["days"].notna().astype(int)}).groupby(cohort).sum()
    out["median_days"] = rows["days"].groupby(cohort).median()
    return out


@dataclass(frozen=True)
class Engagement:
    """The engagement section of the report for the as-of month."""

    month: pd.Period | None
    dau_mau: float | None
    dau: float | None
    mau: int
    ttfv: TimeToValue | None
    # days, dau, mau, dau_mau per month up to the as-of month: the KPI history reuses it
    by_month: pd.DataFrame | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def ttfv_median_days(self) -> float | None:
        return None if self.ttfv is None else self.ttfv.median_days

    def to_json(self) -> dict:
        return {"dau_mau": self.dau_mau, "ttfv_median_days": self.ttfv_median_days}


def _opt(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def engagement(events: Events, customers: pd.DataFrame | None = None, *,
               as_of: pd.Period | str | None = None, value_event: str = VALUE_EVENT,
               mrr: pd.DataFrame | None = None, active_events: tuple[str, ...] | None = None) -> Engagement:
    """DAU/MAU of the as-of month (default: the log's last month) and TTFV of customers started by then."""
    series = dau_mau_by_month(events, as_of=as_of, active_events=active_events)
    month = _month(as_of) or (series.index[-1] if len(series) else None)
    row = series.loc[month] if month is not None and month in series.index else None
    value = ttfv(events, customers, value_event=value_event, as_of=month, mrr=mrr)
    return Engagement(
        month=month,
        dau_mau=_opt(row["dau_mau"]) if row is not None else None,
        dau=_opt(row["dau"]) if row is not None else None,
        mau=int(row["mau"]) if row is not None else 0,
        ttfv=value if value.reached or value.not_reached else None,
        by_month=series,
    )


# ── Views for the Engagement page: history, distribution and segments ────────────────────────

UNKNOWN_SEGMENT = "(not in the customer list)"
TTFV_BANDS: tuple[tuple[str, float], ...] = (
    ("Same day", 1.0), ("1–3 days", 3.0), ("3–7 days", 7.0), ("1–2 weeks", 14.0), ("2–4 weeks", 28.0),
    ("1–2 months", 60.0), ("2–3 months", 90.0), ("3 months +", np.inf),
)  # (label, upper bound in days)


def ttfv_history(rows: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """TTFV as each month's report would give it, from one `time_to_value` frame of a later as-of.

    For month M (end E = first day of M+1): started = customers with start < E; reached = those
    whose first value event is before E; median_days = median of their days (NaN when none);
    share_reached = reached ÷ started (NaN when none started). A customer's first value event
    is the same whatever later month the frame was computed for, so one frame serves every month.
    Columns: started, reached, median_days, share_reached; one row per month of `months`.
    """
    start = pd.to_datetime(rows["start"]).to_numpy()
    value_at = pd.to_datetime(rows["value_at"]).to_numpy()
    days = rows["days"].to_numpy(dtype=float)
    out = []
    for month in months:  # a loop over months (tens), each step vectorised over customers
        end = np.datetime64((month + 1).start_time)
        started = start < end
        reached = started & ~np.isnat(value_at) & (value_at < end)
        out.append({"started": int(started.sum()), "reached": int(reached.sum()),
                    "median_days": float(np.median(days[reached])) if reached.any() else np.nan})
    frame = pd.DataFrame(out, index=pd.PeriodIndex(months, freq="M", name="month"),
                         columns=["started", "reached", "median_days"])
    frame["share_reached"] = frame["reached"] / frame["started"].where(frame["started"] > 0)
    return frame


def ttfv_distribution(rows: pd.DataFrame) -> pd.DataFrame:
    """Customers who reached the value event, per band of days to reach it.

    A customer falls in the band with lower ≤ days < upper: same day (< 1), 1–3 days, 3–7 days,
    1–2 weeks, 2–4 weeks (< 28), 1–2 months (< 60), 2–3 months (< 90), 3 months +;
    share = customers of the band ÷ customers who reached it (NaN when nobody did).
    Every band is listed, empty ones with 0. Columns: band, customers, share.
    """
    days = rows["days"].dropna().to_numpy(dtype=float)
    upper = np.array([bound for _, bound in TTFV_BANDS])
    counts = np.bincount(np.searchsorted(upper, days, side="right"), minlength=len(upper))[: len(upper)]
    reached = int(counts.sum())
    return pd.DataFrame({"band": [label for label, _ in TTFV_BANDS], "customers": counts.astype(np.int64),
                         "share": counts / reached if reached else np.nan})


def _segment_of(customer_ids: pd.Series, customers: pd.DataFrame | None, attribute: str) -> pd.Series:
    """Each customer id's value of `attribute` in the customers table; UNKNOWN_SEGMENT when the
    table does not list the customer or has no value for it."""
    if customers is None or attribute not in customers or "customer_id" not in customers:
        return pd.Series(UNKNOWN_SEGMENT, index=customer_ids.index, dtype="string")
    listed = customers.dropna(subset=["customer_id"]).drop_duplicates("customer_id")
    values = pd.Series(listed[attribute].astype("string").to_numpy(), index=listed["customer_id"].astype(str))
    return customer_ids.astype(str).map(values).astype("string").fillna(UNKNOWN_SEGMENT)


def ttfv_by_segment(rows: pd.DataFrame, customers: pd.DataFrame | None, attribute: str) -> pd.DataFrame:
    """TTFV per value of a customers-table attribute (segment, plan…), from a `time_to_value` frame.

    For each value: customers = customers who started by as_of; reached = those with a value
    event; share_reached = reached ÷ customers; median_days = median days over those who
    reached it (NaN when none did). Customers the table does not list fall in
    "(not in the customer list)". Columns: segment, customers, reached, share_reached,
    median_days; most customers first.
    """
    columns = ["segment", "customers", "reached", "share_reached", "median_days"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    segment = _segment_of(rows["customer_id"], customers, attribute).rename("segment")
    frame = pd.DataFrame({"customers": 1, "reached": rows["days"].notna().astype(int), "days": rows["days"]})
    grouped = frame.groupby(segment.to_numpy())
    out = grouped[["customers", "reached"]].sum()
    out["median_days"] = grouped["days"].median()
    out["share_reached"] = out["reached"] / out["customers"]
    out = out.rename_axis("segment").reset_index()
    out = out.sort_values(["customers", "segment"], ascending=[False, True], kind="mergesort")
    return out[columns].reset_index(drop=True)


def dau_mau_by_segment(events: Events, customers: pd.DataFrame | None, attribute: str, *,
                       as_of: pd.Period | str | None = None,
                       active_events: tuple[str, ...] | None = None) -> pd.DataFrame:
    """DAU/MAU of the as-of month (default: the log's last month) per value of a customers-table
    attribute, each event's segment being its `customer_id`'s.

    days    = the month's calendar days inside the whole log's span (as in `dau_mau_by_month`)
    dau     = Σ over the segment's customers of their user-days in the month ÷ days
    mau     = Σ over the segment's customers of their distinct users active in the month
    dau_mau = dau ÷ mau
    From the customer_daily and customer_monthly aggregates: a user counts once per customer
    (a user_id shared by two customers of one segment would count twice). Events without a
    customer_id are left out; customers the table does not list fall in
    "(not in the customer list)". Columns: segment, dau, mau, dau_mau; most active users first.
    """
    columns = ["segment", "dau", "mau", "dau_mau"]
    overall = dau_mau_by_month(events, as_of=as_of, active_events=active_events)
    if overall.empty:
        return pd.DataFrame(columns=columns)
    month = _month(as_of) or overall.index[-1]
    days = int(overall.at[month, "days"]) if month in overall.index else 0
    daily, monthly = _customer_activity(events, month, active_events)
    daily = daily[(daily["day"] >= month.start_time) & (daily["day"] < (month + 1).start_time)]
    monthly = monthly[(monthly["month"] == month) & (monthly["active_users"] > 0)]
    if monthly.empty or days == 0:
        return pd.DataFrame(columns=columns)
    user_days = daily.groupby("customer_id")["active_users"].sum()
    per_customer = pd.DataFrame({"customer_id": monthly["customer_id"].to_numpy(),
                                 "mau": monthly["active_users"].to_numpy(dtype=np.int64)})
    per_customer["user_days"] = per_customer["customer_id"].map(user_days).fillna(0).to_numpy()
    segment = _segment_of(per_customer["customer_id"], customers, attribute)
    grouped = per_customer.groupby(segment.to_numpy())
    out = pd.DataFrame({"dau": grouped["user_days"].sum() / days, "mau": grouped["mau"].sum().astype(np.int64)})
    out["dau_mau"] = out["dau"] / out["mau"]
    out = out.rename_axis("segment").reset_index()
    out = out.sort_values(["mau", "segment"], ascending=[False, True], kind="mergesort")
    return out[columns].reset_index(drop=True)


def _customer_activity(events: Events, month: pd.Period,
                       active_events: tuple[str, ...] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customer_daily, customer_monthly) aggregate tables; from a DataFrame, of `month` only."""
    if isinstance(events, EventAggregates):
        _counted_with(events, active_events)
        return events.customer_daily, events.customer_monthly
    dates = events["timestamp"]
    rows = events[(dates >= month.start_time) & (dates < (month + 1).start_time)]
    return customer_daily_activity(rows, active_events), customer_monthly_activity(rows, active_events)
