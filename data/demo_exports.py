"""The demo company's other exports — product events, the NPS survey, helpdesk tickets, the finance
workbook's rows — as a mixin of `data.make_demo.Generator`, which simulates the customers first.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np

from data.demo_model import HOUR_P, Customer, fmt_sec, month_index, pick, rand_business
from data.demo_vocabulary import (
    DAY,
    DETAIL_START,
    EXPORT_AT,
    MONTH_ENDS,
    MONTH_STARTS,
    N_MONTHS,
    NPS_COMMENTS,
    TICKET_SUBJECTS,
)


class DemoExports:
    """The generator's exports beyond subscriptions: product events, NPS answers, tickets and the
    finance workbook's rows, drawn from the simulated customers (`self.customers`) with `self.rng`."""

    # ---------------- product usage ----------------
    def seats_on(self, c: Customer, day: dt.date) -> int:
        n = 0
        for s in c.main_subs():
            if s.start.date() <= day and (s.ended is None or s.ended.date() > day):
                n = max(n, s.quantity)
        return n

    def product_events(self) -> list[tuple[str, str, str, str]]:
        rng = self.rng
        rows: list[tuple[str, str, str, str]] = []

        def ts(d: dt.datetime) -> str:
            return d.strftime("%Y-%m-%dT%H:%M:%SZ")

        ttv_median = {"SMB": 4.0, "Mid-Market": 6.0, "Enterprise": 10.0}
        for c in self.customers:
            max_seats = max([s.quantity for s in c.main_subs()] + [c.trial_seats])
            c.users = [self.new_user_id() for _ in range(max_seats + int(rng.integers(0, 3)))]
            t0 = c.trial_start + dt.timedelta(seconds=int(rng.integers(5, 60)))
            rows.append((ts(t0), c.users[0], c.cid, "account_created"))
            n_inv = min(c.trial_seats - 1, 25)
            if c.kind == "lost_trial":
                n_inv = min(n_inv, int(rng.integers(0, 3)))
            for _ in range(n_inv):
                t = t0 + dt.timedelta(minutes=5 + float(rng.exponential(1.5 * 24 * 60)))
                if t <= EXPORT_AT:
                    rows.append((ts(t), c.users[0], c.cid, "user_invited"))
            never = {"paying": 0.04, "lost_trial": 0.45, "trialing": 0.15}[c.kind]
            if rng.random() >= never:
                days = ttv_median[c.segment] * math.exp(rng.normal(0, 0.55) - 0.25 * c.health)
                if c.kind == "lost_trial":
                    days *= 1.8
                t = t0 + dt.timedelta(days=float(days))
                if t <= EXPORT_AT:
                    c.first_value = t.replace(microsecond=0)
                    rows.append((ts(c.first_value), c.users[0], c.cid, "schedule_published"))

        # daily detail for the last three months
        days = [DETAIL_START + DAY * i for i in range((EXPORT_AT.date() - DETAIL_START).days + 1)]
        weekend = np.array([d.weekday() >= 5 for d in days])
        sec_of_day_p = np.repeat(HOUR_P, 3600) / 3600
        for c in self.customers:
            seats = np.array([self.seats_on(c, d) for d in days])
            if c.kind == "trialing" or (c.kind == "lost_trial" and c.subs[0].trial_end.date() > DETAIL_START):
                # trial users use the product too (only during the trial)
                te = c.subs[0].trial_end.date()
                seats = np.array([c.trial_seats if c.trial_start.date() <= d < te else 0 for d in days])
            if not seats.any():
                continue
            n_users = int(seats.max())
            end = c.periods[-1][1] if c.periods else None
            fading = np.ones(len(days))
            if end is not None:
                fading = np.array([0.5 if (end.date() - d).days < 60 else 1.0 for d in days])
            engage = math.exp(0.35 * c.health)
            act = rng.beta(2.0, 4.5, n_users) * engage
            act[0] = min(0.95, act[0] * 2.2)  # the admin / planner
            p = np.minimum(act[:, None] * fading[None, :] * np.where(weekend, 0.12, 1.0)[None, :], 0.97)
            alive = np.arange(n_users)[:, None] < seats[None, :]
            login = (rng.random(p.shape) < p) & alive
            if c.first_value is not None:
                fv = c.first_value.date()
                can_publish = np.array([d > fv for d in days])[None, :]
            else:
                can_publish = np.zeros((1, len(days)), dtype=bool)
            is_mgr = np.zeros(n_users, dtype=bool)
            is_mgr[: max(1, n_users // 8)] = True
            pub = login & can_publish & (rng.random(p.shape) < np.where(is_mgr, 0.35, 0.02)[:, None])
            swap = login & (rng.random(p.shape) < 0.11)
            rep = login & (rng.random(p.shape) < np.where(is_mgr, 0.10, 0.004)[:, None])
            ui, di = np.nonzero(login)
            secs = rng.choice(6 * 3600 + np.arange(13 * 3600), size=len(ui), p=sec_of_day_p)
            base_times = {}
            for u, d_i, s in zip(ui.tolist(), di.tolist(), secs.tolist(), strict=True):
                t = dt.datetime.combine(days[d_i], dt.time()) + dt.timedelta(seconds=s)
                base_times[(u, d_i)] = t
                rows.append((ts(t), c.users[u], c.cid, "login"))
            for mask, name in ((pub, "schedule_published"), (swap, "shift_swapped"), (rep, "report_exported")):
                mu, md = np.nonzero(mask)
                offs = rng.integers(30, 3 * 3600, size=len(mu))
                for u, d_i, o in zip(mu.tolist(), md.tolist(), offs.tolist(), strict=True):
                    t = base_times[(u, d_i)] + dt.timedelta(seconds=o)
                    if t <= EXPORT_AT:
                        rows.append((ts(t), c.users[u], c.cid, name))
        rows.sort()
        return rows

    # ---------------- NPS ----------------
    def nps(self) -> list[list]:
        rng = self.rng
        waves = [dt.datetime(2024, 2, 6, 9), dt.datetime(2024, 5, 14, 9), dt.datetime(2024, 9, 17, 9),
                 dt.datetime(2024, 11, 19, 9), dt.datetime(2025, 2, 11, 9), dt.datetime(2025, 5, 13, 9),
                 dt.datetime(2025, 9, 16, 9), dt.datetime(2025, 11, 18, 9), dt.datetime(2026, 2, 10, 9),
                 dt.datetime(2026, 5, 12, 9), dt.datetime(2026, 9, 15, 9), dt.datetime(2026, 10, 20, 9)]
        cap = {"SMB": 3, "Mid-Market": 6, "Enterprise": 10}
        seg_off = {"SMB": 0.0, "Mid-Market": 0.35, "Enterprise": 0.6}
        resp = []
        for w_i, w in enumerate(waves):
            for c in self.customers:
                period = next((p for p in c.periods if p[0] + dt.timedelta(days=30) <= w
                               and (p[1] is None or p[1] > w)), None)
                if period is None:
                    continue
                # the Oct 2026 wave only goes to customers not surveyed in September (new ones)
                if w_i == len(waves) - 1 and period[0] + dt.timedelta(days=30) <= waves[-2]:
                    continue
                n = min(cap[c.segment], max(1, self.seats_on(c, w.date())))
                churn_soon = period[1] is not None and (period[1] - w).days < 180
                for person in range(n):
                    if rng.random() >= 0.4:
                        continue
                    latent = (0.8 * c.health + seg_off[c.segment] + rng.normal(0, 1)
                              - (0.8 if churn_soon else 0.0) + 0.015 * month_index(w))
                    t = w + dt.timedelta(minutes=float(min(rng.exponential(2.5 * 24 * 60), 14 * 24 * 60)),
                                         seconds=int(rng.integers(60)))
                    if t > EXPORT_AT:
                        continue
                    resp.append([t, c, c.contacts[person], latent])
        # map the latent satisfaction to 0..10 with a realistic marginal distribution
        resp.sort(key=lambda r: (r[0], r[2]))
        target = np.array([1.2, 0.8, 1.3, 1.7, 2.2, 3.3, 4.5, 12.0, 21.0, 27.0, 25.0])
        cuts = np.cumsum(target / target.sum())[:-1]
        lat = np.array([r[3] for r in resp])
        scores = np.searchsorted(np.quantile(lat, cuts), lat, side="right")
        out = []
        rid = 48_210_000 + int(rng.integers(0, 999))
        for (t, c, email, _), score in zip(resp, scores.tolist(), strict=True):
            rid += int(rng.integers(1, 40))
            cat = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
            comment = ""
            if rng.random() < (0.45 if cat == "passive" else 0.5 if cat == "promoter" else 0.62):
                lang = c.lang if rng.random() < 0.9 else ("en" if c.lang == "fr" else "fr")
                comment = pick(rng, NPS_COMMENTS[(lang, cat)])
            if rng.random() < 0.03:
                email = email.upper()[0] + email[1:]
            out.append([rid, fmt_sec(t), c.cid, email, score, comment, c.segment])
        return out

    # ---------------- helpdesk ----------------
    def tickets(self) -> list[dict]:
        rng = self.rng
        raw = []
        seg_mult = {"SMB": 1.0, "Mid-Market": 2.4, "Enterprise": 4.0}
        for c in self.customers:
            spans = []
            if c.kind != "paying":
                spans.append((c.trial_start, min(c.subs[0].trial_end, EXPORT_AT), None))
            else:
                for p0, p1 in c.periods:
                    spans.append((p0 - dt.timedelta(days=14) if p0 == c.periods[0][0] else p0,
                                  p1 or EXPORT_AT, p1))
            for a, b, churn_at in spans:
                t = a
                while t < b:
                    nxt = min(t + dt.timedelta(days=30), b)
                    age = (t - a).days
                    lam = 0.17 * seg_mult[c.segment] * math.exp(-0.3 * c.health)
                    if age < 45:
                        lam *= 2.0
                    pre_churn = churn_at is not None and (churn_at - t).days < 95
                    if pre_churn:
                        lam *= 2.3
                    lam *= (nxt - t).total_seconds() / (30 * 86400)
                    for _ in range(int(rng.poisson(lam))):
                        created = rand_business(rng, t, nxt)
                        created = created.replace(second=int(rng.integers(60)))
                        if created.weekday() >= 5 and rng.random() < 0.7:
                            created -= dt.timedelta(days=created.weekday() - 4)
                        if created < a:
                            created = a + dt.timedelta(minutes=7)
                        if created > EXPORT_AT:
                            continue
                        cat = pick(rng, ["bug", "howto", "billing", "cancel"],
                                   [0.42, 0.4, 0.16, 0.02] if not pre_churn else [0.45, 0.25, 0.15, 0.15])
                        raw.append((created, c, cat))
                    t = nxt
        # a few tickets from people not linked to any customer (prospects, wrong address)
        for _ in range(40):
            created = rand_business(rng, dt.datetime(2024, 1, 1), EXPORT_AT - dt.timedelta(hours=1))
            raw.append((created.replace(second=int(rng.integers(60))), None, "howto"))
        raw.sort(key=lambda r: (r[0], r[1].cid if r[1] else ""))
        out = []
        for i, (created, c, cat) in enumerate(raw):
            lang = c.lang if c else pick(rng, ["en", "fr"])
            subject = pick(rng, TICKET_SUBJECTS[lang][cat])
            channel = pick(rng, ["email", "chat", "web", "phone"], [0.45, 0.30, 0.15, 0.10])
            priority = pick(rng, ["low", "normal", "high", "urgent"],
                            [0.22, 0.55, 0.17, 0.06] if cat == "bug" else [0.3, 0.6, 0.08, 0.02])
            m = month_index(created)
            p_fcr = 0.63 + 0.13 * m / 35 - (0.12 if cat == "bug" else 0)
            if channel in ("chat", "phone"):
                p_fcr += 0.08
            replies = 1 if rng.random() < p_fcr else 2 + int(rng.geometric(0.55)) - 1
            hours = math.exp(math.log(2.2) + 0.55 * (replies - 1) + rng.normal(0, 1.1)
                             - (0.6 if priority == "urgent" else 0) - (0.4 if channel in ("chat", "phone") else 0))
            solved = created + dt.timedelta(hours=hours)
            solved = solved.replace(microsecond=0)
            waiting = (EXPORT_AT - created).days < 10 and rng.random() < 0.25
            if solved > EXPORT_AT or waiting:
                status = "pending" if rng.random() < 0.5 else "open"
                solved_s, fcr = None, ""
                replies = int(rng.integers(0, 2)) if status == "open" else int(rng.integers(1, 3))
            else:
                solved_s = solved
                status = "closed" if (EXPORT_AT - solved).days > 4 and rng.random() < 0.8 else "solved"
                fcr = "Yes" if replies == 1 else "No"
            out.append(dict(id=i + 1, org=c.name if c else "", cid=c.cid if c else "", subject=subject,
                            channel=channel, priority=priority, status=status, created=created,
                            solved=solved_s, replies=replies, fcr=fcr, customer=c))
        return out

    # ---------------- finance ----------------
    def finance_rows(self, mrr: list[float]) -> list[tuple[dt.date, str, float]]:
        rng = self.rng
        rows = []
        for m in range(N_MONTHS):
            ms = MONTH_STARTS[m]
            new = self.new_per_month[m]
            base = 6 + 29 * (m / 35) ** 0.85
            cac = (750 + 450 * m / 35) * float(rng.uniform(0.88, 1.12))  # self-serve SMB: ~€1k per customer
            sm = cac * (0.6 * new + 0.4 * base)
            if ms.month in (3, 10) and m > 3:
                sm += 4000  # trade shows
            if ms.month == 8:
                sm *= 0.75  # campaigns paused for the holidays
            active = sum(1 for c in self.customers if c.kind == "paying" and any(
                p0.date() <= MONTH_ENDS[m] and (p1 is None or p1.date() > MONTH_ENDS[m]) for p0, p1 in c.periods))
            cs = (1200 + 19 * active) * float(rng.uniform(0.95, 1.05))
            cogs = 180 + mrr[m] * float(rng.uniform(0.16, 0.22))
            other = (6500 + 420 * m) * float(rng.uniform(0.9, 1.1))
            for poste, v in (("Ventes & marketing", sm), ("Service client", cs),
                             ("COGS (hébergement, support N1)", cogs), ("Autres", other)):
                rows.append((ms.date(), poste, round(v, 2)))
        return rows


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------
def write_csv(path: Path, header: list[str], rows) -> int:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        n = 0
        for r in rows:
            w.writerow(r)
            n += 1
    return n


SUB_HEADER = ["id", "Customer ID", "Customer Name", "Customer Email", "Plan", "Amount", "Currency",
              "Interval", "Quantity", "Discount", "Status", "Created (UTC)", "Start Date (UTC)",
              "Trial End (UTC)", "Ended At (UTC)", "Canceled At (UTC)"]
CRM_HEADER = ["Record ID", "Company name", "Stripe Customer ID", "Segment", "Plan", "Country",
              "Acquisition channel", "Signup date", "Company owner", "Number of employees"]
NPS_HEADER = ["Response ID", "Created At", "Customer ID", "Person Email", "Score", "Comment", "Segment"]
TICKET_HEADER = ["Ticket ID", "Organization", "Customer ID", "Subject", "Channel", "Priority", "Status",
                 "Created at", "Solved at", "Agent replies", "First contact resolution"]
EVENT_HEADER = ["timestamp", "user_id", "account_id", "event"]
