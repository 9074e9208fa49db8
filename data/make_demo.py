"""Seeded, deterministic generator of the "Plumeo" demo SaaS company.

Run from the repository root::

    .venv/bin/python -m data.make_demo            # writes data/demo/
    .venv/bin/python -m data.make_demo OUT_DIR 42  # other folder / seed

Everything random goes through one ``numpy.random.default_rng(seed)`` — the bank
export alone draws from ``default_rng(seed + 1)``, so adding it changed no other
file; no set of strings is ever iterated (hash order), so the same seed gives
byte-identical CSV files.  ``finance.xlsx`` has the same cell values on every run (its bytes
differ only through the timestamps openpyxl and zip store).

See data/README.md for the story and a description of every file.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from data.demo_bank import cash_on, make_bank, month_costs, paying_customers, write_qonto_csv
from data.demo_budget import add_budget_sheet, budget_rows
from data.demo_exports import CRM_HEADER, EVENT_HEADER, NPS_HEADER, SUB_HEADER, TICKET_HEADER, DemoExports, write_csv
from data.demo_model import (
    Customer,
    Ids,
    Sub,
    ascii_slug,
    business_time,
    fmt_min,
    fmt_sec,
    month_index,
    monthly_mrr,
    pick,
    rand_business,
)
from data.demo_vocabulary import (
    ADDON_PLAN,
    CHANNEL_HEALTH,
    CHANNEL_P,
    CHANNELS,
    COUNTRIES,
    COUNTRY_LANG,
    COUNTRY_P,
    CSAT_COMMENTS,
    DAY,
    DE_SURNAMES,
    DE_TRADES,
    ENTERPRISE_DEAL_MONTHS,
    ES_SURNAMES,
    ES_TRADES,
    EXPORT_AT,
    FIRST_NAMES,
    FOUNDER,
    FR_PLACE_TRADES,
    FR_PLACES,
    FR_SURNAMES,
    FR_TRADES,
    FRENCH_SPEAKING_P,
    INTERVAL_MONTHS,
    LAST_NAMES,
    LEGAL_SUFFIXES,
    MM_REPS,
    MONTH_STARTS,
    N_MONTHS,
    NL_SURNAMES,
    NL_TRADES,
    PLAN_ORDER,
    SEGMENTS,
    SMB_REPS,
    TLD,
    UK_SURNAMES,
    UK_TRADES,
    add_months,
)


class Generator(DemoExports):
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.ids = Ids(self.rng)
        self.customers: list[Customer] = []
        self.names: set[str] = set()
        self.domains: set[str] = set()
        self.record_ids: set[int] = set()
        self.user_numbers: set[int] = set()
        self.new_per_month = [0] * N_MONTHS

    # ---------------- customers & identities ----------------
    def company_name(self, country: str) -> str:
        rng = self.rng
        for _ in range(1000):
            suffixes, sp = LEGAL_SUFFIXES[country]
            suffix = pick(rng, suffixes, sp)
            r = rng.random()
            if country in ("France", "Belgium", "Switzerland", "Canada"):
                sur = pick(rng, FR_SURNAMES)
                if r < 0.04:
                    stem = f"{pick(rng, FR_PLACE_TRADES)} {pick(rng, FR_PLACES)}"
                elif r < 0.07:
                    stem = f"L'Atelier {sur}"
                elif r < 0.085:
                    stem = f"{sur}, {pick(rng, FR_SURNAMES)} et Associés"
                elif r < 0.12:
                    stem = f"{sur} & Fils"
                else:
                    stem = f"{pick(rng, FR_TRADES)} {sur}"
            elif country == "Germany":
                sur, trade = pick(rng, DE_SURNAMES), pick(rng, DE_TRADES)
                stem = f"{sur} {trade}" if r < 0.6 else f"{trade} {sur}"
            elif country == "UK":
                sur = pick(rng, UK_SURNAMES)
                stem = f"{sur} & Co" if r < 0.1 else f"{sur} {pick(rng, UK_TRADES)}"
            elif country == "Spain":
                stem = f"{pick(rng, ES_TRADES)} {pick(rng, ES_SURNAMES)}"
            else:
                sur = pick(rng, NL_SURNAMES)
                stem = f"{sur} {pick(rng, NL_TRADES)}"
                stem = stem[0].upper() + stem[1:]
            name = f"{stem} {suffix}".strip()
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("ran out of company names")

    def make_customer(self, trial_start: dt.datetime, kind: str, segment: str) -> Customer:
        rng = self.rng
        country = pick(rng, COUNTRIES, COUNTRY_P)
        name = self.company_name(country)
        stem = name
        for suf in sorted(LEGAL_SUFFIXES[country][0], key=len, reverse=True):
            if suf and stem.endswith(" " + suf):
                stem = stem[: -len(suf) - 1]
                break
        slug = ascii_slug(stem.replace(" & ", " ").replace(" et ", " "))
        domain = f"{slug}.{TLD[country]}"
        n = 2
        while domain in self.domains:
            domain = f"{slug}{n}.{TLD[country]}"
            n += 1
        self.domains.add(domain)
        # Stripe's customer name is typed by whoever paid: usually the legal name.
        r = rng.random()
        if r < 0.12:
            stripe_name = stem
        elif r < 0.15:
            stripe_name = name.upper()
        else:
            stripe_name = name
        base_lang = COUNTRY_LANG[country]
        if base_lang == "fr":
            lang_text = "fr" if rng.random() < FRENCH_SPEAKING_P[country] else "en"
        else:
            lang_text = "en"
        people_lang = base_lang if not (country == "Canada" and rng.random() < 0.4) else "en"
        mi = month_index(trial_start)
        if mi < 4:
            owner = FOUNDER
        elif segment == "SMB":
            owner = pick(rng, SMB_REPS)
        else:
            owner = pick(rng, MM_REPS)
        emp_mu = {"SMB": math.log(18), "Mid-Market": math.log(140), "Enterprise": math.log(900)}[segment]
        emp_lo, emp_hi = {"SMB": (2, 150), "Mid-Market": (30, 900), "Enterprise": (250, 9000)}[segment]
        employees = int(np.clip(round(math.exp(rng.normal(emp_mu, 0.55))), emp_lo, emp_hi))
        channel = pick(rng, CHANNELS, CHANNEL_P[segment])
        health = float(rng.normal(0, 1) + CHANNEL_HEALTH[channel])
        while True:
            rid = int(rng.integers(1_000_000_000, 9_999_999_999))
            if rid not in self.record_ids:
                self.record_ids.add(rid)
                break
        c = Customer(
            idx=len(self.customers), cid=self.ids.make("cus_"), record_id=rid, name=name,
            stripe_name=stripe_name, domain=domain, billing_email="", segment=segment,
            country=country, lang=lang_text, channel=channel, owner=owner, employees=employees,
            health=health, trial_start=trial_start, kind=kind,
        )
        # people (users of the product); contact emails for the first ones
        first, last = FIRST_NAMES[people_lang], LAST_NAMES[people_lang]
        n_people = {"SMB": 6, "Mid-Market": 20, "Enterprise": 40}[segment]
        used: set[str] = set()
        for _ in range(n_people):
            fn, ln = pick(rng, first), pick(rng, last)
            local = ascii_slug(fn) + "." + ascii_slug(ln).replace("-", "")
            if local in used:
                local += str(int(rng.integers(2, 99)))
            used.add(local)
            c.contacts.append(f"{local}@{domain}")
        r = rng.random()
        if r < 0.45:
            billing = c.contacts[0]
        else:
            billing = pick(rng, ["compta", "facturation", "admin", "finance", "billing",
                                 "accounts", "contact"]) + "@" + domain
        if rng.random() < 0.04:
            billing = billing[0].upper() + billing[1:]
        c.billing_email = billing
        self.customers.append(c)
        return c

    def new_user_id(self) -> str:
        while True:
            n = int(self.rng.integers(100_000, 9_999_999))
            if n not in self.user_numbers:
                self.user_numbers.add(n)
                return f"u_{n}"

    # ---------------- acquisition ----------------
    def acquisition_plan(self) -> list[int]:
        season = {1: 1.05, 2: 1.0, 3: 1.05, 4: 1.0, 5: 0.95, 6: 1.0, 7: 0.85, 8: 0.5,
                  9: 1.15, 10: 1.1, 11: 1.05, 12: 1.25}
        counts = []
        for m in range(N_MONTHS):
            base = 6 + 29 * (m / 35) ** 0.85
            lam = base * season[MONTH_STARTS[m].month]
            counts.append(8 if m == 0 else int(self.rng.poisson(lam)))
        return counts

    def choose_segment(self, m: int, forced: str | None = None) -> str:
        if forced:
            return forced
        p_ent = 0.0  # enterprise deals are scheduled (see ENTERPRISE_DEAL_MONTHS)
        p_mm = 0.032
        return pick(self.rng, SEGMENTS, [1 - p_mm - p_ent, p_mm, p_ent])

    def initial_offer(self, segment: str) -> tuple[str, int, str, str]:
        rng = self.rng
        if segment == "SMB":
            plan = pick(rng, PLAN_ORDER, [0.80, 0.18, 0.02])
            w = 0.43 ** np.arange(10)
            seats = int(rng.choice(np.arange(1, 11), p=w / w.sum()))
            interval = pick(rng, ["month", "quarter", "year"], [0.76, 0.08, 0.16])
            discount = pick(rng, ["", "10%", "15%", "20%", "50%"], [0.9, 0.03, 0.02, 0.04, 0.01])
        elif segment == "Mid-Market":
            plan = pick(rng, PLAN_ORDER, [0.45, 0.45, 0.10])
            seats = int(np.clip(10 + round(rng.exponential(3.5)), 10, 50))
            interval = pick(rng, ["month", "quarter", "year"], [0.5, 0.15, 0.35])
            discount = pick(rng, ["", "10%", "15%", "20%"], [0.88, 0.05, 0.03, 0.04])
        else:
            plan = pick(rng, PLAN_ORDER, [0.15, 0.6, 0.25])
            seats = int(np.clip(40 + round(rng.exponential(8.0)), 40, 200))
            interval = pick(rng, ["month", "quarter", "year"], [0.1, 0.15, 0.75])
            discount = pick(rng, ["10%", "12%", "15%", "20%", "25%"], [0.2, 0.15, 0.3, 0.25, 0.1])
        return plan, seats, interval, discount

    # ---------------- subscriptions ----------------
    def new_sub(self, c: Customer, plan: str, seats: int, interval: str, discount: str,
                start: dt.datetime, trial_end: dt.datetime | None = None) -> Sub:
        s = Sub(id=self.ids.make("sub_"), customer=c, plan=plan, interval=interval,
                quantity=seats, discount=discount, created=start, start=start,
                trial_end=trial_end)
        c.subs.append(s)
        return s

    def change(self, cur: Sub, at: dt.datetime, **kw) -> Sub:
        cur.ended = at
        vals = dict(plan=cur.plan, seats=cur.quantity, interval=cur.interval, discount=cur.discount)
        vals.update(kw)
        return self.new_sub(cur.customer, vals["plan"], vals["seats"], vals["interval"],
                            vals["discount"], at)

    def churn_hazard(self, c: Customer, k: int) -> float:
        base = {"SMB": 0.030, "Mid-Market": 0.016, "Enterprise": 0.007}[c.segment]
        early = 1.5 if k <= 3 else 1.0
        return base * early * math.exp(-0.55 * c.health)

    def simulate_paying(self, c: Customer, paid_start: dt.datetime, flip: bool) -> None:
        rng = self.rng
        plan, seats, interval, discount = self.initial_offer(c.segment)
        c.trial_plan, c.trial_seats = plan, seats
        cur = self.new_sub(c, plan, seats, interval, discount, c.trial_start, trial_end=paid_start)
        anchor, k, reactivated = paid_start, 0, False
        period_start = paid_start
        seat_step = {"SMB": (1, 2), "Mid-Market": (1, 6), "Enterprise": (3, 20)}[c.segment]
        seat_max = {"SMB": 15, "Mid-Market": 70, "Enterprise": 260}[c.segment]
        p_up = {"SMB": 0.018, "Mid-Market": 0.05, "Enterprise": 0.06}[c.segment]
        p_upgrade = {"SMB": 0.006, "Mid-Market": 0.011, "Enterprise": 0.011}[c.segment]
        p_down = {"SMB": 0.015, "Mid-Market": 0.03, "Enterprise": 0.03}[c.segment]
        flip_k = int(rng.integers(4, 10)) if flip else -1
        while True:
            prev_b = add_months(anchor, k)
            k += 1
            b = add_months(anchor, k)
            horizon = min(b, EXPORT_AT)
            draws = rng.random(5)
            if k == flip_k and cur.plan != "Scale" and b < EXPORT_AT:
                # upgrade then downgrade back within the same calendar month
                if b.day >= 15:
                    d1 = b.replace(day=2 + int(rng.integers(0, 5)))
                else:
                    d1 = prev_b + dt.timedelta(days=2 + int(rng.integers(0, 3)))
                d1 = d1.replace(hour=int(rng.integers(7, 17)), minute=int(rng.integers(60)))
                d2 = d1 + dt.timedelta(days=int(rng.integers(3, 8)), minutes=int(rng.integers(-200, 200)))
                up = PLAN_ORDER[PLAN_ORDER.index(cur.plan) + 1]
                old = cur.plan
                cur = self.change(cur, d1, plan=up)
                cur = self.change(cur, d2, plan=old)
            elif horizon > prev_b + DAY:
                at = rand_business(rng, prev_b + dt.timedelta(hours=6), horizon - dt.timedelta(hours=6))
                g = math.exp(0.3 * c.health)
                idx = PLAN_ORDER.index(cur.plan)
                if draws[0] < p_up * g:
                    step = int(rng.integers(seat_step[0], seat_step[1] + 1))
                    cur = self.change(cur, at, seats=min(cur.quantity + step, seat_max))
                elif draws[1] < p_down / g and cur.quantity > 1:
                    step = int(rng.integers(seat_step[0], seat_step[1] + 1))
                    cur = self.change(cur, at, seats=max(cur.quantity - step, 1))
                elif draws[2] < p_upgrade * g and idx < 2:
                    cur = self.change(cur, at, plan=PLAN_ORDER[idx + 1])
                elif draws[3] < 0.006 / g and idx > 0:
                    cur = self.change(cur, at, plan=PLAN_ORDER[idx - 1])
            months_per = INTERVAL_MONTHS[cur.interval]
            boundary = k % months_per == 0
            lead_max = {"month": 25, "quarter": 75, "year": 170}[cur.interval]
            if b > EXPORT_AT:
                # a cancellation may already be requested for the coming period end
                if boundary:
                    p = 1 - (1 - self.churn_hazard(c, k)) ** months_per
                    if draws[4] < p:
                        req = b - dt.timedelta(days=int(rng.integers(1, lead_max + 1)),
                                               minutes=int(rng.integers(0, 600)))
                        if req <= EXPORT_AT:
                            cur.canceled = req
                c.periods.append((period_start, None))
                break
            if not boundary:
                continue
            p = 1 - (1 - self.churn_hazard(c, k)) ** months_per
            if draws[4] >= p:
                continue
            # churn at the period end b
            cur.ended = b
            if rng.random() < 0.2:
                cur.canceled = b
            else:
                lead = dt.timedelta(days=int(rng.integers(1, lead_max + 1)),
                                    minutes=int(rng.integers(0, 600)))
                cur.canceled = max(b - lead, cur.start + dt.timedelta(hours=1))
            c.periods.append((period_start, b))
            if reactivated or rng.random() >= 0.11:
                break
            back = business_time(rng, b + dt.timedelta(days=int(rng.integers(60, 300))))
            if back >= EXPORT_AT - dt.timedelta(days=3):
                break
            reactivated = True
            idx = PLAN_ORDER.index(cur.plan)
            plan = PLAN_ORDER[max(0, idx - int(rng.random() < 0.3))]
            seats = max(1, cur.quantity + int(rng.integers(-1, 2)) * seat_step[0])
            cur = self.new_sub(c, plan, seats, "month", "", back)
            anchor, k, period_start = back, 0, back

    # ---------------- build the company ----------------
    def build(self) -> None:
        rng = self.rng
        counts = self.acquisition_plan()
        flip_left = 5
        # paying customers, by month of conversion (= trial end)
        for m, n in enumerate(counts):
            ms = MONTH_STARTS[m]
            me = add_months(ms, 1) - dt.timedelta(minutes=1)
            lo = ms + dt.timedelta(days=14, hours=6) if m == 0 else ms
            paid_dates = sorted(rand_business(rng, lo, me) for _ in range(n))
            for j, paid in enumerate(paid_dates):
                # two design partners among the launch cohort are mid-market teams
                forced = "Mid-Market" if (m == 0 and j in (1, 4)) else None
                if m in ENTERPRISE_DEAL_MONTHS and j == n // 2:
                    forced = "Enterprise"
                seg = self.choose_segment(m, forced)
                trial_start = paid - dt.timedelta(days=14)
                c = self.make_customer(trial_start, "paying", seg)
                flip = flip_left > 0 and seg == "SMB" and m in (4, 8, 13, 18, 22) and j == 0
                flip_left -= flip
                self.simulate_paying(c, paid, flip)
                self.new_per_month[m] += 1
            # trials that never convert (started in this month, ended before export)
            n_lost = int(rng.poisson(0.36 * max(n, 5)))
            last_start = min(me, EXPORT_AT - dt.timedelta(days=14, minutes=1))
            for _ in range(n_lost):
                ts = rand_business(rng, ms, last_start)
                c = self.make_customer(ts, "lost_trial", self.choose_segment(m))
                plan, seats, interval, discount = self.initial_offer(c.segment)
                c.trial_plan, c.trial_seats = plan, seats
                s = self.new_sub(c, plan, seats, interval, "" if c.segment != "Enterprise" else discount,
                                 ts, trial_end=ts + dt.timedelta(days=14))
                s.ended = s.trial_end
                s.canceled = s.trial_end if rng.random() < 0.7 else rand_business(rng, ts + DAY, s.trial_end)
        # trials still running at export time
        for _ in range(int(rng.poisson(25))):
            ts = rand_business(rng, EXPORT_AT - dt.timedelta(days=14) + dt.timedelta(minutes=1),
                               EXPORT_AT - dt.timedelta(hours=2))
            c = self.make_customer(ts, "trialing", self.choose_segment(35))
            plan, seats, interval, discount = self.initial_offer(c.segment)
            c.trial_plan, c.trial_seats = plan, seats
            s = self.new_sub(c, plan, seats, interval, "", ts, trial_end=ts + dt.timedelta(days=14))
            s.status = "trialing"
        self.decorate_subscriptions()

    def decorate_subscriptions(self) -> None:
        rng = self.rng
        paying = [c for c in self.customers if c.kind == "paying"]
        # add-on second subscriptions overlapping the main one
        cands = [c for c in paying if c.segment != "SMB" or c.idx % 7 == 0]
        order = rng.permutation(len(cands))
        added = free = 0
        for i in order:
            c = cands[int(i)]
            p0, p1 = c.periods[0]
            end = p1 or EXPORT_AT
            if (end - p0).days < 150:
                continue
            start = rand_business(rng, p0 + dt.timedelta(days=40), end - dt.timedelta(days=60))
            disc = "100%" if free < 2 and p1 is None else ""  # a workspace given away, still running
            free += disc == "100%"
            s = self.new_sub(c, ADDON_PLAN, 1, "month", disc, start)
            if p1 is not None:
                s.ended, s.canceled = p1, p1
            elif not disc and rng.random() < 0.3:
                s.ended = rand_business(rng, start + dt.timedelta(days=30), EXPORT_AT - DAY)
                s.canceled = s.ended - dt.timedelta(days=int(rng.integers(0, 20)))
            added += 1
            if added == 9:
                break
        # partner accounts switched to a 100 % coupon (still active, zero MRR)
        active_main = [c for c in paying if c.periods[-1][1] is None and c.segment == "SMB"
                       and c.main_subs()[-1].start < dt.datetime(2026, 9, 1)]
        for j in rng.choice(len(active_main), 2, replace=False):
            c = active_main[int(j)]
            cur = c.main_subs()[-1]
            at = rand_business(rng, max(cur.start, dt.datetime(2026, 3, 1)) + DAY, EXPORT_AT - dt.timedelta(days=20))
            new = self.change(cur, at, discount="100%")
            c.subs.remove(new)
            c.subs.insert(c.subs.index(cur) + 1, new)
        # incomplete_expired: first invoice never paid (failed card), a handful
        for j in rng.choice(len(paying), 6, replace=False):
            c = paying[int(j)]
            p0, p1 = c.periods[-1]
            d = rand_business(rng, p0 + dt.timedelta(days=10), (p1 or EXPORT_AT) - dt.timedelta(days=3))
            plan = ADDON_PLAN if rng.random() < 0.5 else c.main_subs()[-1].plan
            s = self.new_sub(c, plan, 1 if plan == ADDON_PLAN else c.main_subs()[-1].quantity,
                             "month", "", d)
            s.ended = d + DAY
            s.status = "incomplete_expired"
        # statuses
        live = []
        for c in self.customers:
            for s in c.subs:
                if s.status:
                    continue
                if s.ended is None:
                    s.status = "active"
                    if s.plan != ADDON_PLAN and s.discount != "100%":
                        live.append(s)
                else:
                    s.status = "canceled"
        for j in rng.choice(len(live), 5, replace=False):
            live[int(j)].status = "past_due"


def make_demo(out_dir: Path, seed: int = 42, verbose: bool = False) -> dict[str, int]:
    """Generate the whole demo company into `out_dir`; returns row counts per file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    g = Generator(seed)
    g.build()
    rng = g.rng
    counts: dict[str, int] = {}

    # --- subscriptions (Stripe exports newest first)
    subs = [s for c in g.customers for s in c.subs]
    subs_sorted = sorted(subs, key=lambda s: (s.created, s.id), reverse=True)
    counts["stripe_subscriptions.csv"] = write_csv(out_dir / "stripe_subscriptions.csv", SUB_HEADER, (
        [s.id, s.customer.cid, s.customer.stripe_name, s.customer.billing_email, s.plan, f"{s.amount:.2f}",
         "eur", s.interval, s.quantity, s.discount, s.status, fmt_min(s.created), fmt_min(s.start),
         fmt_min(s.trial_end), fmt_min(s.ended), fmt_min(s.canceled)] for s in subs_sorted))

    # --- CRM
    counts["crm_customers.csv"] = write_csv(out_dir / "crm_customers.csv", CRM_HEADER, (
        [c.record_id, c.name, c.cid, c.segment, c.current_plan(), c.country, c.channel,
         c.trial_start.strftime("%Y-%m-%d"), c.owner, c.employees] for c in g.customers))

    # --- product events (needs users), NPS, tickets
    events = g.product_events()
    counts["product_events.csv"] = write_csv(out_dir / "product_events.csv", EVENT_HEADER, events)
    nps = g.nps()
    counts["nps_survey.csv"] = write_csv(out_dir / "nps_survey.csv", NPS_HEADER, nps)
    tickets = g.tickets()
    counts["helpdesk_tickets.csv"] = write_csv(out_dir / "helpdesk_tickets.csv", TICKET_HEADER, (
        [t["id"], t["org"], t["cid"], t["subject"], t["channel"], t["priority"], t["status"],
         fmt_sec(t["created"]), fmt_sec(t["solved"]), t["replies"], t["fcr"]] for t in tickets))

    # --- finance workbook
    mrr = monthly_mrr(subs)
    wb = Workbook()
    ws = wb.active
    ws.title = "Coûts mensuels"
    ws["A1"] = "Plumeo — pilotage financier 2023-2026"
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(["Mois", "Poste", "Montant (€)"])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    cost_rows = g.finance_rows(mrr)
    for d, poste, v in cost_rows:
        ws.append([d, poste, v])
        ws.cell(ws.max_row, 1).number_format = "mmm yyyy"
        ws.cell(ws.max_row, 3).number_format = "#,##0.00 €"
    for col, width in zip("ABC", (12, 34, 16), strict=True):
        ws.column_dimensions[col].width = width
    n_cost = ws.max_row - 3

    csat_rows, ces_rows = [], []
    for t in tickets:
        c = t["customer"]
        if t["solved"] is None or c is None:
            continue
        if rng.random() < 0.24:
            d = t["solved"] + dt.timedelta(hours=float(rng.exponential(20)))
            if d <= EXPORT_AT:
                p = [0.03, 0.03, 0.07, 0.25, 0.62] if t["replies"] == 1 else [0.05, 0.07, 0.11, 0.33, 0.44]
                note = int(rng.choice([1, 2, 3, 4, 5], p=p))
                com = ""
                if rng.random() < 0.3:
                    com = pick(rng, CSAT_COMMENTS["good" if note >= 4 else "bad"])
                csat_rows.append([d.date(), c.cid, t["id"], note, com or None])
        if rng.random() < 0.17 and t["created"] >= dt.datetime(2024, 6, 1):
            d = t["solved"] + dt.timedelta(hours=float(rng.exponential(30)))
            if d <= EXPORT_AT:
                base = 6.2 - 0.55 * (t["replies"] - 1) + 0.3 * c.health
                effort = int(np.clip(round(base + rng.normal(0, 1.1)), 1, 7))
                ces_rows.append([d.date(), c.cid, effort])
    ws2 = wb.create_sheet("CSAT")
    ws2.append(["Date", "ID client", "Ticket", "Note (1-5)", "Commentaire"])
    for r in csat_rows:
        ws2.append(r)
        ws2.cell(ws2.max_row, 1).number_format = "dd/mm/yyyy"
    ws3 = wb.create_sheet("CES")
    ws3.append(["Date", "ID client", "Effort (1-7)"])
    for r in ces_rows:
        ws3.append(r)
        ws3.cell(ws3.max_row, 1).number_format = "dd/mm/yyyy"
    for w in (ws2, ws3):
        for cell in w[1]:
            cell.font = Font(bold=True)
        for i in range(1, w.max_column + 1):
            w.column_dimensions[get_column_letter(i)].width = 20
    # --- the bank export and the 2026 budget: their own random stream, so nothing above changes
    customers = paying_customers(subs)
    bank_rows, moves = make_bank(seed, cost_rows, mrr, customers)
    monthly_costs = [sum(c.values()) for c in month_costs(cost_rows)]
    n_plan = add_budget_sheet(wb, budget_rows(mrr, customers, monthly_costs, cash_on(moves, dt.date(2025, 11, 30))))
    fixed = dt.datetime(2026, 10, 31, 23, 59)
    wb.properties.creator = "Claire Vasseur"
    wb.properties.created = fixed
    wb.save(out_dir / "finance.xlsx")
    counts["finance.xlsx:Coûts mensuels"] = n_cost
    counts["finance.xlsx:CSAT"] = len(csat_rows)
    counts["finance.xlsx:CES"] = len(ces_rows)
    counts["finance.xlsx:Budget 2026"] = n_plan
    counts["qonto_bank_export.csv"] = write_qonto_csv(out_dir / "qonto_bank_export.csv", bank_rows)

    if verbose:
        paying_ids = {s.customer.cid for s in subs if s.is_paying() and s.mrr() > 0}
        print(f"customers in CRM: {len(g.customers)}, ever paid: {len(paying_ids)}")
        print("new paying customers per month:", g.new_per_month)
        for m in range(N_MONTHS):
            print(f"  {MONTH_STARTS[m]:%Y-%m}  MRR {mrr[m]:>10,.0f}  new {g.new_per_month[m]:>3}")
    return counts


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "demo"
    seed = int(argv[2]) if len(argv) > 2 else 42
    counts = make_demo(out, seed, verbose=True)
    for name, n in counts.items():
        print(f"{name}: {n} rows")


if __name__ == "__main__":
    main(sys.argv)
