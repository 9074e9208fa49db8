"""Support KPIs from a ticket export: first-contact resolution, resolution time, ticket load.

docs/definitions.md. A tickets table has `ticket_id` and optionally `customer_id`,
`created_at`, `resolved_at`, `first_contact_resolved` (boolean) and `contacts` (agent replies).
Tickets are picked by their `created_at`: by default the tickets created in the as-of month
(`window="month"`), or in the last N days up to its end (`window=N`), or all to date
(`window="all"`). A ticket's resolution counts whenever it happened: a report on a past month
uses everything the export knows about the tickets created then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

Window = int | Literal["month", "all"]
SUPPORT_WINDOW: Window = "month"


def _month(as_of: pd.Period | str | None) -> pd.Period | None:
    return None if as_of is None else pd.Period(as_of, freq="M")


def tickets_in(tickets: pd.DataFrame, *, as_of: pd.Period | str | None = None,
               window: Window = SUPPORT_WINDOW) -> pd.DataFrame:
    """The tickets created in the period ending with the as-of month (default: the last month
    with a created ticket). Without any `created_at`, every ticket; tickets without a date are
    left out of dated periods."""
    if "created_at" not in tickets or tickets["created_at"].isna().all():
        return tickets
    created = tickets["created_at"]
    month = _month(as_of) or created.max().to_period("M")
    end = (month + 1).start_time
    if window == "month":
        start = month.start_time
    elif window == "all":
        return tickets[created < end]
    elif isinstance(window, (int, np.integer)) and window > 0:
        start = end - pd.Timedelta(days=int(window))
    else:
        raise ValueError(f"window must be a positive number of days, 'month' or 'all', not {window!r}")
    return tickets[(created >= start) & (created < end)]


def first_contact(tickets: pd.DataFrame) -> pd.Series:
    """Was each ticket resolved at first contact? (boolean; NA = not known yet)

    `first_contact_resolved` when given; when it is empty or not mapped, a resolved ticket with
    `contacts` = 1 is True and with any other count False; an unresolved ticket without a flag
    is unknown (it may still be solved in one touch), and so is a resolved ticket with neither a
    flag nor a contact count ("outcome unknown", not open). Without `resolved_at`, contacts = 1
    alone decides.
    """
    known = pd.Series(pd.NA, index=tickets.index, dtype="boolean")
    if "contacts" in tickets:
        by_contacts = (tickets["contacts"] == 1).astype("boolean").where(tickets["contacts"].notna(), pd.NA)
        if "resolved_at" in tickets:
            by_contacts = by_contacts.where(tickets["resolved_at"].notna(), pd.NA)
        known = by_contacts
    if "first_contact_resolved" in tickets:
        flag = tickets["first_contact_resolved"].astype("boolean")
        known = flag.where(flag.notna(), known)
    return known


def resolution_hours(tickets: pd.DataFrame) -> pd.Series:
    """Hours from created_at to resolved_at (NaN for unresolved tickets or missing dates)."""
    if not {"created_at", "resolved_at"} <= set(tickets.columns):
        return pd.Series(np.nan, index=tickets.index, dtype=float)
    hours = (tickets["resolved_at"] - tickets["created_at"]).dt.total_seconds() / 3600
    return hours.where(hours >= 0).astype(float)


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


@dataclass(frozen=True)
class Support:
    """Support KPIs of the tickets created in a period, with those tickets as evidence."""

    fcr: float | None  # first_contact ÷ fcr_known
    tickets: int  # every ticket created in the period, open ones included
    median_resolution_hours: float | None  # over resolved tickets
    first_contact: int
    fcr_known: int  # tickets whose first-contact outcome is known: FCR's denominator
    unknown: int  # tickets without a first-contact outcome ("outcome unknown"), left out of FCR
    resolved: int
    customers: int  # distinct customers who opened a ticket
    tickets_per_customer: float | None  # tickets with a customer ÷ customers
    rows: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)
    open: int | None = None  # tickets not resolved (None: the export has no resolved_at)
    unknown_resolved: int = 0  # resolved tickets without a first-contact outcome: unknown, not open

    def to_json(self) -> dict:
        return {"fcr": self.fcr, "tickets": self.tickets, "median_resolution_hours": self.median_resolution_hours}


def with_outcomes(tickets: pd.DataFrame) -> pd.DataFrame:
    """The tickets with two more columns: first_contact (boolean, NA = unknown) and resolution_hours."""
    return tickets.assign(first_contact=first_contact(tickets), resolution_hours=resolution_hours(tickets))


def support(tickets: pd.DataFrame, *, as_of: pd.Period | str | None = None,
            window: Window = SUPPORT_WINDOW) -> Support:
    """FCR, ticket count and median resolution time of the tickets created in the period.

    fcr = tickets resolved at first contact ÷ tickets whose first-contact outcome is known
          (tickets without an outcome — open, or resolved without the flag — are left out of
          both, like Zendesk's one-touch rate);
    unknown = tickets without an outcome; unknown_resolved = those of them that are resolved;
    open = tickets without resolved_at (None when the export has no resolved_at column);
    median_resolution_hours = median of resolved_at − created_at over resolved tickets;
    tickets_per_customer = tickets with a customer_id ÷ distinct customers among them.
    """
    rows = with_outcomes(tickets_in(tickets, as_of=as_of, window=window))
    outcome = rows["first_contact"]
    hours = rows["resolution_hours"].dropna()
    with_customer = rows["customer_id"].dropna() if "customer_id" in rows else pd.Series(dtype="string")
    customers = int(with_customer.nunique())
    return Support(
        fcr=_ratio(outcome.sum(), outcome.notna().sum()),
        tickets=len(rows),
        median_resolution_hours=float(hours.median()) if len(hours) else None,
        first_contact=int(outcome.sum()),
        fcr_known=int(outcome.notna().sum()),
        unknown=int(outcome.isna().sum()),
        resolved=int(rows["resolved_at"].notna().sum()) if "resolved_at" in rows else 0,
        customers=customers,
        tickets_per_customer=_ratio(len(with_customer), customers),
        rows=rows,
        open=int(rows["resolved_at"].isna().sum()) if "resolved_at" in rows else None,
        unknown_resolved=int((outcome.isna() & rows["resolved_at"].notna()).sum()) if "resolved_at" in rows else 0,
    )


def support_by_month(tickets: pd.DataFrame, *, as_of: pd.Period | str | None = None) -> pd.DataFrame:
    """Per month of creation, from the first ticket to as_of: tickets, fcr_known, first_contact,
    fcr (NaN when no outcome is known), resolved and median_resolution_hours."""
    columns = ["tickets", "fcr_known", "first_contact", "fcr", "resolved", "median_resolution_hours"]
    if "created_at" not in tickets or tickets["created_at"].isna().all():
        return pd.DataFrame(columns=columns, index=pd.PeriodIndex([], freq="M", name="month"))
    rows = with_outcomes(tickets_in(tickets, as_of=as_of, window="all"))
    rows = rows[rows["created_at"].notna()]
    month = rows["created_at"].dt.to_period("M").rename("month")
    grouped = pd.DataFrame({
        "tickets": 1,
        "fcr_known": rows["first_contact"].notna().astype(int),
        "first_contact": rows["first_contact"].fillna(False).astype(int),
        "resolved": rows["resolution_hours"].notna().astype(int),
    }).groupby(month)
    out = grouped.sum()
    out["median_resolution_hours"] = rows["resolution_hours"].groupby(month).median()
    last = _month(as_of) or month.max()
    out = out.reindex(pd.period_range(month.min(), last, freq="M", name="month"))
    counts = ["tickets", "fcr_known", "first_contact", "resolved"]
    out[counts] = out[counts].fillna(0).astype(np.int64)
    out["fcr"] = out["first_contact"] / out["fcr_known"].where(out["fcr_known"] > 0)
    return out[columns]


def ticket_load(tickets: pd.DataFrame, *, as_of: pd.Period | str | None = None,
                window: Window = SUPPORT_WINDOW) -> pd.DataFrame:
    """Tickets per customer in the period, heaviest first: customer_id, tickets, open (not
    resolved), first_contact, fcr, median_resolution_hours. Tickets without a customer are left out."""
    rows = with_outcomes(tickets_in(tickets, as_of=as_of, window=window))
    if "customer_id" not in rows:
        return pd.DataFrame(columns=["customer_id", "tickets", "open", "first_contact", "fcr",
                                     "median_resolution_hours"])
    rows = rows[rows["customer_id"].notna()]
    resolved = rows["resolved_at"].notna() if "resolved_at" in rows else pd.Series(False, index=rows.index)
    grouped = pd.DataFrame({
        "customer_id": rows["customer_id"],
        "tickets": 1,
        "open": (~resolved).astype(int),
        "first_contact": rows["first_contact"].fillna(False).astype(int),
        "fcr_known": rows["first_contact"].notna().astype(int),
        "median_resolution_hours": rows["resolution_hours"],
    }).groupby("customer_id")
    out = grouped[["tickets", "open", "first_contact", "fcr_known"]].sum()
    out["median_resolution_hours"] = grouped["median_resolution_hours"].median()
    out["fcr"] = out["first_contact"] / out["fcr_known"].where(out["fcr_known"] > 0)
    out = out.reset_index().sort_values(["tickets", "customer_id"], ascending=[False, True], kind="mergesort")
    return out[["customer_id", "tickets", "open", "first_contact", "fcr", "median_resolution_hours"]].reset_index(
        drop=True)


def heaviest_accounts(tickets: pd.DataFrame, *, as_of: pd.Period | str | None = None,
                      window: Window = 90, top: int = 10) -> pd.DataFrame:
    """The `top` customers with the most tickets in the last `window` days (default 90) up to as_of."""
    return ticket_load(tickets, as_of=as_of, window=window).head(top)


# ── Views for the Support page: distributions and one customer's tickets ─────────────────────

RESOLUTION_BANDS: tuple[tuple[str, float], ...] = (
    ("<15m", 0.25), ("15–30m", 0.5), ("30m–1h", 1.0), ("1–2h", 2.0), ("2–4h", 4.0),
    ("4–8h", 8.0), ("8–24h", 24.0), ("1–3d", 72.0), ("3–7d", 168.0), ("≥7d", np.inf),
)  # (label, upper bound in hours): each band about twice the one before, a log scale people can read


def resolution_time_distribution(tickets: pd.DataFrame, *, as_of: pd.Period | str | None = None,
                                 window: Window = SUPPORT_WINDOW) -> pd.DataFrame:
    """Resolved tickets of the period per resolution-time band (a log scale in readable steps).

    hours = resolved_at − created_at, over the tickets created in the period and resolved;
    a ticket falls in the band with lower ≤ hours < upper, bands <15m, 15–30m, 30m–1h, 1–2h, 2–4h,
    4–8h, 8–24h, 1–3d, 3–7d, ≥7d (minutes, hours, days);
    share = tickets of the band ÷ resolved tickets (NaN when none is resolved).
    Every band is listed, empty ones with 0. Columns: band, lower_hours, upper_hours, tickets, share.
    """
    hours = resolution_hours(tickets_in(tickets, as_of=as_of, window=window)).dropna()
    upper = np.array([bound for _, bound in RESOLUTION_BANDS])
    lower = np.concatenate([[0.0], upper[:-1]])
    counts = np.bincount(np.searchsorted(upper, hours.to_numpy(), side="right"), minlength=len(upper))
    resolved = int(counts.sum())
    return pd.DataFrame({
        "band": [label for label, _ in RESOLUTION_BANDS],
        "lower_hours": lower,
        "upper_hours": upper,
        "tickets": counts[: len(upper)].astype(np.int64),
        "share": counts[: len(upper)] / resolved if resolved else np.nan,
    })


def tickets_per_customer_distribution(load: pd.DataFrame, *, top: int = 5) -> pd.DataFrame:
    """How many customers opened 1, 2, …, `top` or more tickets, from a `ticket_load` frame.

    customers(k) = customers with exactly k tickets in the period (k < top), customers(top+) those
    with top or more; share = customers(k) ÷ customers with at least one ticket.
    Columns: tickets (label "1", "2", …, "5+"), customers, share.
    """
    labels = [str(k) for k in range(1, top)] + [f"{top}+"]
    per_customer = load["tickets"].to_numpy(dtype=np.int64) if len(load) else np.array([], dtype=np.int64)
    counts = np.bincount(np.clip(per_customer, 1, top) - 1, minlength=top)[:top] if len(per_customer) else \
        np.zeros(top, dtype=np.int64)
    total = int(counts.sum())
    return pd.DataFrame({"tickets": labels, "customers": counts.astype(np.int64),
                         "share": counts / total if total else np.nan})


def customer_tickets(tickets: pd.DataFrame, customer_id: str, *,
                     as_of: pd.Period | str | None = None) -> pd.DataFrame:
    """One customer's tickets created up to the end of as_of (all of them without as_of), newest
    first, with their outcomes: the table's columns plus first_contact (NA = not known yet) and
    resolution_hours (resolved_at − created_at)."""
    if "customer_id" not in tickets:
        return with_outcomes(tickets.iloc[:0])
    rows = tickets[tickets["customer_id"].astype("string") == str(customer_id)]
    rows = tickets_in(rows, as_of=as_of, window="all") if as_of is not None else rows
    if "created_at" in rows:
        rows = rows.sort_values("created_at", ascending=False, kind="mergesort", na_position="last")
    return with_outcomes(rows).reset_index(drop=True)
