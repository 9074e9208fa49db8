"""The demo company's objects — a subscription row (`Sub`), a customer (`Customer`), id makers — and the
small date and sampling helpers the generator uses.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from data.demo_vocabulary import (
    ADDON_PLAN,
    ADDON_PRICE,
    DAY,
    INTERVAL_MONTHS,
    INTERVAL_PRICE_MULT,
    MONTH_ENDS,
    N_MONTHS,
    PLAN_PRICES,
    WINDOW_START,
)


@dataclass
class Sub:
    id: str
    customer: Customer
    plan: str
    interval: str
    quantity: int
    discount: str  # "" or "20%"
    created: dt.datetime
    start: dt.datetime
    trial_end: dt.datetime | None = None
    ended: dt.datetime | None = None
    canceled: dt.datetime | None = None
    status: str = ""  # filled in at the end unless forced

    @property
    def amount(self) -> float:
        base = ADDON_PRICE if self.plan == ADDON_PLAN else PLAN_PRICES[self.plan]
        return base * INTERVAL_PRICE_MULT[self.interval]

    @property
    def paid_from(self) -> dt.datetime:
        return self.trial_end or self.start

    def mrr(self) -> float:
        disc = float(self.discount.rstrip("%")) / 100 if self.discount else 0.0
        return self.amount * self.quantity * (1 - disc) / INTERVAL_MONTHS[self.interval]

    def is_paying(self) -> bool:
        return self.status not in ("trialing", "incomplete_expired") and (
            self.ended is None or self.ended > self.paid_from)


@dataclass
class Customer:
    idx: int
    cid: str
    record_id: int
    name: str
    stripe_name: str
    domain: str
    billing_email: str
    segment: str
    country: str
    lang: str  # language of free text written by this customer
    channel: str
    owner: str
    employees: int
    health: float
    trial_start: dt.datetime
    kind: str  # "paying", "lost_trial", "trialing"
    trial_plan: str = "Starter"
    trial_seats: int = 1
    subs: list[Sub] = field(default_factory=list)
    periods: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)  # emails of people (users[i] <-> contacts[i])
    first_value: dt.datetime | None = None

    def main_subs(self) -> list[Sub]:
        return [s for s in self.subs if s.plan != ADDON_PLAN and s.status != "incomplete_expired"]

    def current_plan(self) -> str:
        mains = self.main_subs()
        return mains[-1].plan if mains else self.trial_plan


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
ALNUM = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))


class Ids:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.seen: set[str] = set()

    def make(self, prefix: str, n: int = 14) -> str:
        while True:
            s = prefix + "".join(self.rng.choice(ALNUM, n))
            if s not in self.seen:
                self.seen.add(s)
                return s


def ascii_slug(text: str) -> str:
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out, prev_dash = [], False
    for ch in t:
        if ch.isalnum():
            out.append(ch)
            prev_dash = False
        elif not prev_dash:
            out.append("-")
            prev_dash = True
    return "".join(out).strip("-")


def fmt_min(d: dt.datetime | None) -> str:
    return "" if d is None else d.strftime("%Y-%m-%d %H:%M")


def fmt_sec(d: dt.datetime | None) -> str:
    return "" if d is None else d.strftime("%Y-%m-%d %H:%M:%S")


def pick(rng: np.random.Generator, items, p=None):
    return items[int(rng.choice(len(items), p=p))]


def business_time(rng: np.random.Generator, day: dt.date | dt.datetime, seconds: bool = False) -> dt.datetime:
    """A timestamp on `day` in European office hours (expressed in UTC)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    hour = int(rng.choice(np.arange(6, 19), p=HOUR_P))
    minute = int(rng.integers(60))
    sec = int(rng.integers(60)) if seconds else 0
    return dt.datetime(day.year, day.month, day.day, hour, minute, sec)


HOUR_W = np.array([2, 6, 9, 10, 9, 6, 7, 9, 9, 7, 5, 3, 2], dtype=float)  # 06..18 UTC
HOUR_P = HOUR_W / HOUR_W.sum()


def rand_between(rng: np.random.Generator, a: dt.datetime, b: dt.datetime) -> dt.datetime:
    """Uniform datetime in [a, b], minute precision."""
    span = int((b - a).total_seconds() // 60)
    return a + dt.timedelta(minutes=int(rng.integers(0, max(span, 1))))


def rand_business(rng: np.random.Generator, a: dt.datetime, b: dt.datetime) -> dt.datetime:
    """A datetime in [a, b] on a uniformly drawn day, in office hours when that fits."""
    if b <= a:
        return a
    n_days = (b.date() - a.date()).days
    day = a.date() + DAY * int(rng.integers(0, n_days + 1))
    t = business_time(rng, day)
    return t if a <= t <= b else rand_between(rng, a, b)


def month_index(d: dt.datetime | dt.date) -> int:
    return (d.year - WINDOW_START.year) * 12 + d.month - WINDOW_START.month


def monthly_mrr(subs: list[Sub]) -> list[float]:
    """MRR counted on the last day of each month (same rule as README/tests)."""
    out = [0.0] * N_MONTHS
    for s in subs:
        if not s.is_paying():
            continue
        a = s.paid_from.date()
        e = s.ended.date() if s.ended else None
        v = s.mrr()
        for m, me in enumerate(MONTH_ENDS):
            if a <= me and (e is None or e > me):
                out[m] += v
    return out
