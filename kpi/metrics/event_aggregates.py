"""The aggregate tables every engagement KPI is computed from, whoever counted them.

docs/definitions.md#engagement. DAU/MAU, time to first value and the health score's usage part
never need the event log itself, only a few counts: this module says which, and counts them
from an events DataFrame (an uploaded file). `kpi.ingest.sql_events` counts the same tables in a
database with GROUP BY, so a warehouse of a billion events sends a few thousand rows; both hand
an `EventAggregates` to `kpi.metrics.engagement` and `kpi.metrics.health`, which therefore give
the same numbers for the same events.

A row is *dated* when its timestamp is set; a row is *active* when it is dated, has a user_id
and, when `active_events` is given and the log has event names, its event is one of them. The
day of a row is the calendar date of its timestamp as written (no time-zone shift).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kpi.ids import among

VALUE_EVENT = "schedule_published"

# The columns of each aggregate table, in order: the contract with kpi.ingest.sql_events.
DAILY = ("day", "events", "active_users")
MONTHLY = ("month", "active_users")
CUSTOMER_DAILY = ("customer_id", "day", "events", "active_users")
CUSTOMER_MONTHLY = ("customer_id", "month", "active_users")
FIRST_VALUE = ("customer_id", "value_at")


@dataclass(frozen=True)
class EventAggregates:
    """What the engagement KPIs need from an event log, one small table each (sorted by key):

    daily            day, events (dated rows), active_users (distinct users with an active row)
    monthly          month, active_users (distinct users with an active row in the month)
    customer_daily   customer_id, day, events (dated rows of the customer), active_users
    customer_monthly customer_id, month, active_users
    first_value      customer_id, value_at (the customer's first row named `value_event`)

    `active_events` is the restriction they were counted with (None: any event is active).
    `source` says where they were counted, in words ("events.csv", "table events of
    postgresql://kpi@db/prod"); `rows_read` is how many aggregate rows crossed the wire.
    """

    daily: pd.DataFrame
    monthly: pd.DataFrame
    customer_daily: pd.DataFrame
    customer_monthly: pd.DataFrame
    first_value: pd.DataFrame
    value_event: str = VALUE_EVENT
    active_events: tuple[str, ...] | None = None
    source: str = "events"
    rows_read: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        for name, columns in (("daily", DAILY), ("monthly", MONTHLY), ("customer_daily", CUSTOMER_DAILY),
                              ("customer_monthly", CUSTOMER_MONTHLY), ("first_value", FIRST_VALUE)):
            missing = [c for c in columns if c not in getattr(self, name)]
            if missing:
                raise ValueError(f"event aggregate {name} lacks {', '.join(missing)}")

    @property
    def empty(self) -> bool:
        return self.daily.empty

    @property
    def customer_ids(self) -> pd.Series:
        """Every customer_id with at least one dated row (string)."""
        return self.customer_daily["customer_id"].drop_duplicates().astype(str)


def _dated(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["timestamp"].notna()]


def _active_rows(events: pd.DataFrame, active_events: tuple[str, ...] | None) -> pd.DataFrame:
    rows = events[events["timestamp"].notna() & events["user_id"].notna()]
    if active_events is not None and "event" in rows:
        rows = rows[rows["event"].isin(list(active_events))]
    return rows


def _typed(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """One dtype per column whoever counted: day datetime64[ns], month Period[M], counts int64,
    customer_id str (object); sorted by the key columns, index 0…n−1."""
    out = frame.reindex(columns=list(columns)).copy()
    for column in columns:
        if column == "day":
            out[column] = pd.to_datetime(out[column]).dt.normalize().astype("datetime64[ns]")
        elif column == "month":
            out[column] = pd.PeriodIndex(out[column], freq="M") if len(out) else pd.PeriodIndex([], freq="M")
        elif column in ("events", "active_users"):
            out[column] = out[column].fillna(0).astype(np.int64)
        elif column == "customer_id":
            out[column] = out[column].astype(str).astype(object)
        elif column == "value_at":
            out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    keys = [c for c in ("customer_id", "day", "month") if c in columns]
    return out.sort_values(keys, kind="mergesort").reset_index(drop=True)


def daily_activity(events: pd.DataFrame, active_events: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per day with a dated row: events = dated rows; active_users = distinct user_id of its active rows."""
    day = _dated(events)["timestamp"].dt.normalize()
    counted = day.value_counts().rename("events").rename_axis("day").to_frame()
    active = _active_rows(events, active_events)
    users = pd.DataFrame({"user_id": active["user_id"].to_numpy(),
                          "day": active["timestamp"].dt.normalize().to_numpy()}).drop_duplicates()
    counted["active_users"] = users.groupby("day").size().reindex(counted.index, fill_value=0)
    return _typed(counted.reset_index(), DAILY)


def monthly_activity(events: pd.DataFrame, active_events: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per month with an active row: active_users = distinct user_id of its active rows."""
    active = _active_rows(events, active_events)
    users = pd.DataFrame({"user_id": active["user_id"].to_numpy(),
                          "month": active["timestamp"].dt.to_period("M").array}).drop_duplicates()
    counted = users.groupby("month").size().rename("active_users").reset_index()
    return _typed(counted, MONTHLY)


def _with_customer(events: pd.DataFrame) -> pd.DataFrame:
    if "customer_id" not in events:
        return events.iloc[:0].assign(customer_id=pd.Series(dtype=str))
    return events[events["customer_id"].notna()].assign(customer_id=lambda f: f["customer_id"].astype(str))


def customer_daily_activity(events: pd.DataFrame, active_events: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per customer and day with a dated row of that customer_id: events (dated rows) and
    active_users (distinct user_id of its active rows)."""
    rows = _dated(_with_customer(events))
    keys = pd.DataFrame({"customer_id": rows["customer_id"].to_numpy(),
                         "day": rows["timestamp"].dt.normalize().to_numpy()})
    counted = keys.groupby(["customer_id", "day"]).size().rename("events").to_frame()
    active = _active_rows(rows, active_events)
    users = pd.DataFrame({"customer_id": active["customer_id"].to_numpy(), "user_id": active["user_id"].to_numpy(),
                          "day": active["timestamp"].dt.normalize().to_numpy()}).drop_duplicates()
    counted["active_users"] = users.groupby(["customer_id", "day"]).size().reindex(counted.index, fill_value=0)
    return _typed(counted.reset_index(), CUSTOMER_DAILY)


def customer_monthly_activity(events: pd.DataFrame, active_events: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per customer and month with an active row: active_users = distinct user_id of its active rows."""
    active = _active_rows(_with_customer(events), active_events)
    users = pd.DataFrame({"customer_id": active["customer_id"].to_numpy(), "user_id": active["user_id"].to_numpy(),
                          "month": active["timestamp"].dt.to_period("M").array}).drop_duplicates()
    counted = users.groupby(["customer_id", "month"]).size().rename("active_users").reset_index()
    return _typed(counted, CUSTOMER_MONTHLY)


def first_value_events(events: pd.DataFrame, value_event: str = VALUE_EVENT) -> pd.DataFrame:
    """Per customer with a dated row named `value_event`: value_at = its earliest timestamp
    (empty when the log has no event names or no customer_id)."""
    if "event" not in events or "customer_id" not in events:
        return _typed(pd.DataFrame(columns=list(FIRST_VALUE)), FIRST_VALUE)
    rows = _dated(_with_customer(events))
    rows = rows[rows["event"] == value_event]
    first = rows.groupby("customer_id")["timestamp"].min().rename("value_at").reset_index()
    return _typed(first, FIRST_VALUE)


def aggregate_events(events: pd.DataFrame, *, value_event: str = VALUE_EVENT,
                     active_events: tuple[str, ...] | None = None, source: str = "events") -> EventAggregates:
    """The five aggregate tables of an events DataFrame (user_id, timestamp[, customer_id, event])."""
    tables = (daily_activity(events, active_events), monthly_activity(events, active_events),
              customer_daily_activity(events, active_events), customer_monthly_activity(events, active_events),
              first_value_events(events, value_event))
    return EventAggregates(*tables, value_event=value_event, active_events=active_events, source=source,
                           rows_read=sum(len(t) for t in tables))


def log_span(daily: pd.DataFrame, end: pd.Timestamp | None = None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(first day, last day) with a dated row before `end` (None: no bound); None when there is none."""
    days = daily.loc[daily["events"] > 0, "day"]
    if end is not None:
        days = days[days < end]
    return None if days.empty else (days.min(), days.max())


def from_tables(tables: dict[str, pd.DataFrame], *, value_event: str = VALUE_EVENT,
                active_events: tuple[str, ...] | None = None, source: str = "events") -> EventAggregates:
    """`EventAggregates` of five tables counted elsewhere (a database: kpi.ingest.sql_events),
    each given the dtypes and order of the ones `aggregate_events` counts."""
    names = {"daily": DAILY, "monthly": MONTHLY, "customer_daily": CUSTOMER_DAILY,
             "customer_monthly": CUSTOMER_MONTHLY, "first_value": FIRST_VALUE}
    typed = {name: _typed(tables.get(name, pd.DataFrame(columns=list(columns))), columns)
             for name, columns in names.items()}
    return EventAggregates(**typed, value_event=value_event, active_events=active_events, source=source,
                           rows_read=sum(len(t) for t in typed.values()))


def for_customers(aggregates: EventAggregates, customer_ids: pd.Series | pd.Index) -> EventAggregates:
    """The aggregates of some customers only (a segment's), from the per-customer tables:

    customer_daily, customer_monthly, first_value   their rows of those customers
    daily    per day of those rows: events = Σ customers' events, active_users = Σ customers' active_users
    monthly  per month: active_users = Σ customers' active_users

    Equal to counting the segment's own events (`kpi.report.segments.filter_tables` keeps the
    rows of its customers) when no user_id is active for two of its customers; one that is counts
    once per customer, as in `kpi.metrics.engagement.dau_mau_by_segment`. Events without a
    customer_id are in no segment, in both paths."""
    daily = aggregates.customer_daily[among(aggregates.customer_daily["customer_id"], customer_ids)]
    monthly = aggregates.customer_monthly[among(aggregates.customer_monthly["customer_id"], customer_ids)]
    first = aggregates.first_value[among(aggregates.first_value["customer_id"], customer_ids)]
    tables = (_typed(daily.groupby("day", as_index=False)[["events", "active_users"]].sum(), DAILY),
              _typed(monthly.groupby("month", as_index=False)["active_users"].sum(), MONTHLY),
              _typed(daily, CUSTOMER_DAILY), _typed(monthly, CUSTOMER_MONTHLY), _typed(first, FIRST_VALUE))
    return EventAggregates(*tables, value_event=aggregates.value_event, active_events=aggregates.active_events,
                           source=aggregates.source, rows_read=aggregates.rows_read)
