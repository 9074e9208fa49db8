"""Plumeo's bank: the Qonto export of its two accounts, drawn from the demo's MRR and costs sheet.

Money in is Stripe's weekly payouts of the month's MRR (less Stripe's 1.5 % + €0.25 a charge),
a yearly innovation tax credit, and the financing: the founders' capital, the seed round, a BPI
loan and the Series A. Money out follows the costs sheet (`Coûts mensuels`) line by line —
salaries paid at the month's end and their social charges the next month, ads and AWS billed
in arrears, rent, tools (the CRM a year ahead, each September), the accountant — plus a laptop
for every hire. The savings account
(`Réserve`) receives the rounds and tops up the main account (`Compte principal`) whenever it
runs low; each internal transfer is written on both accounts, so they sum to zero.

Everything random comes from the generator given to `bank_movements` (make_demo passes its own
`default_rng(seed + 1)`), so the other demo files keep their random stream.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from data.demo_vocabulary import (
    FIRST_NAMES,
    FOUNDER,
    FR_SURNAMES,
    MM_REPS,
    MONTH_ENDS,
    MONTH_STARTS,
    N_MONTHS,
    SMB_REPS,
)

MAIN, RESERVE = "Compte principal", "Réserve"
COFOUNDER = "Claire Vasseur"
QONTO_HEADER = [
    "Statut", "Date de la valeur (UTC)", "Date de l'opération (UTC)", "Montant total (TTC)", "Débit", "Crédit",
    "Solde", "Devise", "Nom du compte", "IBAN du compte", "Nom de la contrepartie", "IBAN de la contrepartie",
    "Méthode de paiement", "Identifiant de transaction", "Référence", "Catégorie de trésorerie",
    "Sous-catégorie de trésorerie", "Note", "Montant total (HT)", "Montant total de la TVA", "Initiateur",
    "Nom de la carte", "Justificatif",
]
FINANCING = "Financement"  # the cash category of money raised or borrowed: not revenue, not burn
INTERNAL = "Virement interne"
STRIPE_PERCENT, STRIPE_FIXED = 0.015, 0.25
EMPLOYER_COST = 5_600.0  # a month of one employee, social charges included
# of an employee's cost: net salary at the month's end, then URSSAF, retirement and income tax the next month
NET_SHARE, URSSAF_SHARE, PENSION_SHARE, INCOME_TAX_SHARE = 0.56, 0.33, 0.07, 0.04
# (date, investor, amount, sub-category, reference, note)
ROUNDS = [
    (dt.datetime(2023, 11, 1, 5, 31, 12), "Qonto Dépôt de capital", 30_000, "Apport en capital",
     "Libération du capital social Plumeo SAS", "Capital social des fondateurs — dépôt libéré"),
    (dt.datetime(2024, 1, 16, 10, 4, 17), "Alpes Amorçage FPCI", 350_000, "Levée de fonds",
     "Augmentation de capital Plumeo SAS", "Levée de fonds seed — Augmentation de capital"),
    (dt.datetime(2024, 1, 18, 14, 37, 2), "Holding Garnier Participations", 100_000, "Levée de fonds",
     "Augmentation de capital Plumeo SAS", "Levée de fonds seed — Augmentation de capital (business angels)"),
    (dt.datetime(2024, 6, 11, 8, 55, 30), "Bpifrance Financement", 150_000, "Emprunt",
     "Prêt BPI Bourse French Tech — déblocage des fonds", "Prêt BPI Bourse French Tech, différé de 24 mois"),
    (dt.datetime(2025, 11, 18, 9, 41, 8), "Estuaire Capital II FPCI", 500_000, "Levée de fonds",
     "Augmentation de capital Plumeo SAS Série A", "Levée de fonds Série A — Augmentation de capital"),
    (dt.datetime(2025, 11, 19, 15, 2, 51), "Alpes Amorçage FPCI", 100_000, "Levée de fonds",
     "Augmentation de capital Plumeo SAS Série A", "Levée de fonds Série A — Augmentation de capital (suivi)"),
]
ANNUAL_CRM = dt.datetime(2024, 9, 1)  # from here the CRM is paid a year ahead, each September
LOAN_RATE = 0.032  # the BPI loan's yearly interest, paid each quarter
TO_RESERVE = {  # after each raise, most of it goes to the savings account
    dt.date(2024, 1, 22): 380_000, dt.date(2024, 6, 13): 140_000, dt.date(2025, 11, 24): 520_000}


@dataclass(frozen=True)
class Movement:
    """One line of the bank export before balances: `cents` signed (+ in, − out)."""

    value_at: dt.datetime  # the bank's value date: the balance changes then
    operated_at: dt.datetime
    account: str
    cents: int
    counterparty: str
    method: str  # Virement, Prélèvement, Carte, Frais Qonto
    category: str
    subcategory: str = ""
    reference: str = ""
    note: str = ""
    vat: float = 0.0  # the VAT rate included in the amount
    initiator: str = ""
    card: str = ""
    counterparty_iban: str = ""


def french_iban(rng: np.random.Generator, bank: str = "16958", branch: str = "00001") -> str:
    """A well-formed French IBAN (RIB key and IBAN check digits right) for a drawn account number."""
    account = "".join(str(int(d)) for d in rng.integers(0, 10, 11))
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    check = 98 - int(bban + "152700") % 97  # "FR00" moved to the end, F = 15, R = 27
    return f"FR{check:02d}{bban}"


def business_day(day: dt.date) -> dt.date:
    """The day itself, or the next Monday for a Saturday or Sunday."""
    return day + dt.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def last_business_day(start: dt.datetime) -> dt.date:
    """The last weekday of the month starting at `start`."""
    day = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1).date() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def month_costs(cost_rows: list[tuple[dt.date, str, float]]) -> list[dict[str, float]]:
    """The costs sheet as one dict a month: sales (S), success (C), COGS (G), other (O)."""
    key = {"Ventes & marketing": "S", "Service client": "C", "COGS (hébergement, support N1)": "G", "Autres": "O"}
    out = [dict.fromkeys("SCGO", 0.0) for _ in range(N_MONTHS)]
    first = MONTH_STARTS[0].date()
    for day, poste, amount in cost_rows:
        out[(day.year - first.year) * 12 + day.month - first.month][key[poste]] += amount
    return out


def paying_customers(subs) -> list[int]:
    """Customers with MRR on the last day of each month (Stripe charges each of them once a month)."""
    out = []
    for me in MONTH_ENDS:
        out.append(len({s.customer.cid for s in subs if s.is_paying() and s.mrr() > 0 and s.paid_from.date() <= me
                        and (s.ended is None or s.ended.date() > me)}))
    return out


class Bank:
    """Draws Plumeo's bank movements month by month (`movements()`), then its internal transfers."""

    def __init__(self, rng: np.random.Generator, costs: list[dict[str, float]], mrr: list[float],
                 customers: list[int]):
        self.rng, self.costs, self.mrr, self.customers = rng, costs, mrr, customers
        self.ibans = {MAIN: french_iban(rng), RESERVE: french_iban(rng)}
        self.vendor_ibans: dict[str, str] = {}
        self.moves: list[Movement] = []
        self.pending: dict[dt.date, float] = {}  # Stripe payouts to come, by day
        self.team = [FOUNDER, COFOUNDER]
        self.staff_names = [*SMB_REPS[:1], *MM_REPS[:1], *SMB_REPS[1:], *MM_REPS[1:]]

    # ---------------------------------------------------------------- helpers
    def at(self, day: dt.date, first_hour: int = 6, last_hour: int = 18) -> dt.datetime:
        hour = int(self.rng.integers(first_hour, last_hour + 1))
        return dt.datetime(day.year, day.month, day.day, hour, int(self.rng.integers(60)), int(self.rng.integers(60)))

    def iban(self, who: str) -> str:
        if who not in self.vendor_ibans:
            self.vendor_ibans[who] = french_iban(self.rng, f"{int(self.rng.integers(10000, 30000))}",
                                                 f"{int(self.rng.integers(100, 99999)):05d}")
        return self.vendor_ibans[who]

    def pay(self, day: dt.date, euros: float, who: str, method: str, category: str, **extra) -> None:
        """An outflow of `euros` (> 0) on `day`, in the window only (later ones are not exported yet)."""
        if euros <= 0 or day > dt.date(2026, 10, 31):
            return
        self.add(day, -euros, who, method, category, **extra)

    def add(self, day: dt.date, euros: float, who: str, method: str, category: str, **extra) -> None:
        operated = self.at(day)
        lag = dt.timedelta()
        if method in ("Carte", "Virement"):
            lag = dt.timedelta(hours=float(self.rng.choice([0, 0, 0, 20])))
        value = operated + lag
        if value.date() > dt.date(2026, 10, 31) or value.weekday() >= 5:  # banks value on weekdays
            value = operated
        iban = "" if method in ("Carte", "Frais Qonto") else self.iban(who)
        initiator = extra.pop("initiator", "")
        if not initiator and method in ("Carte", "Virement") and euros < 0:
            initiator = COFOUNDER if self.rng.random() < 0.6 else FOUNDER
        self.moves.append(Movement(value, operated, extra.pop("account", MAIN), int(round(euros * 100)), who, method,
                                   category, initiator=initiator, counterparty_iban=iban, **extra))

    def headcount(self) -> list[int]:
        """People on the payroll each month: never fewer than the month before (nobody leaves)."""
        heads, most = [], 2
        for c in self.costs:
            wanted = round((0.55 * c["S"] + 0.88 * c["C"] + 0.65 * c["O"]) / EMPLOYER_COST)
            most = max(most, wanted)
            heads.append(most)
        return heads

    def hire(self, n: int) -> None:
        while len(self.team) < n:
            if self.staff_names:
                self.team.append(self.staff_names.pop(0))
                continue
            name = f"{self.rng.choice(FIRST_NAMES['fr'])} {self.rng.choice(FR_SURNAMES)}"
            if name not in self.team:
                self.team.append(name)

    # ---------------------------------------------------------------- the months
    def movements(self) -> list[Movement]:
        heads = self.headcount()
        weights = [1.0, 1.0]  # the two founders
        for m, (start, c) in enumerate(zip(MONTH_STARTS, self.costs, strict=True)):
            events = 4000.0 if start.month in (3, 10) and m > 3 else 0.0
            sales = c["S"] - events
            ads, sales_tools = 0.33 * sales, 0.05 * sales
            before = len(self.team)
            self.hire(heads[m])
            weights += [float(self.rng.uniform(0.75, 1.45)) for _ in range(len(self.team) - before)]
            for _ in range(len(self.team) - before):
                self.pay(business_day(start.date() + dt.timedelta(days=int(self.rng.integers(0, 10)))),
                         round(float(self.rng.uniform(1799, 2499)), 2), "Apple Store", "Carte",
                         "Matériel informatique", vat=0.2, card="Carte Ops", reference="")
            fixed = self.other_costs(m, start, heads[m])
            payroll = (sales - ads - sales_tools) + 0.88 * c["C"] + (c["O"] - fixed)
            self.payroll(m, start, payroll, weights)
            self.marketing(m, start, ads, sales_tools, events)
            self.pay(business_day(start.date() + dt.timedelta(days=2)), round(0.12 * c["C"], 2), "Zendesk", "Carte",
                     "Logiciels & SaaS", card="Carte Ops")
            after = business_day((start + dt.timedelta(days=33)).replace(day=2).date())
            self.pay(after, round(0.7 * c["G"], 2), "AWS EMEA", "Carte", "Hébergement", card="Carte Ops")
            self.pay(business_day(after + dt.timedelta(days=8)), round(0.3 * c["G"], 2), "Ouest Support Services",
                     "Virement", "Sous-traitance", vat=0.2, reference=f"Support N1 {start:%m/%Y}")
            self.payouts(m, start)
            if start.month in (3, 6, 9, 12) and start > dt.datetime(2024, 6, 30):
                self.pay(business_day(start.date().replace(day=28)), round(150_000 * LOAN_RATE / 4, 2),
                         "Bpifrance Financement", "Prélèvement", "Frais bancaires", subcategory="Intérêts d'emprunt",
                         reference="Intérêts prêt BPI")
            if start.month == 6 and start.year >= 2025:
                self.tax_credit(m, start)
        for when, who, amount, sub, reference, note in ROUNDS:
            self.moves.append(Movement(when, when, MAIN, amount * 100, who, "Virement", FINANCING, sub, reference,
                                       note, counterparty_iban=self.iban(who)))
        return self.with_internal_transfers()

    def other_costs(self, m: int, start: dt.datetime, heads: int) -> float:
        """The `Autres` lines that are not salaries (rent, tools, insurance, bank); returns their total."""
        day = start.date()
        office = start >= dt.datetime(2024, 9, 1)
        rent = 3150.0 if office else 1450.0
        lines = [
            (business_day(day + dt.timedelta(days=4)), rent, "SCI Les Tilleuls" if office else "Morning Coworking",
             "Prélèvement", "Loyer", 0.2, f"Loyer {start:%m/%Y}"),
            (business_day((day + dt.timedelta(days=33)).replace(day=1)), 13.8 * heads, "Google Workspace", "Carte",
             "Logiciels & SaaS", 0.2, ""),
            (business_day(day + dt.timedelta(days=9)), 9.6 * heads, "Notion Labs", "Carte", "Logiciels & SaaS", 0.0,
             ""),
            (business_day(day + dt.timedelta(days=14)), 8.75 * heads, "Slack Technologies", "Carte",
             "Logiciels & SaaS", 0.0, ""),
            (business_day(day + dt.timedelta(days=4)), 98.0 * heads, "Alan", "Prélèvement", "Mutuelle", 0.0,
             f"Cotisation {start:%m/%Y}"),
            (business_day(day + dt.timedelta(days=19)), 480.0, "Cabinet Lemoine Expertise", "Prélèvement",
             "Comptabilité", 0.2, f"Honoraires {start:%m/%Y}"),
            (business_day(day + dt.timedelta(days=9)), 92.0, "Hiscox", "Prélèvement", "Assurances", 0.0,
             "RC Pro"),
            (day, 29.0 if m < 12 else 99.0, "Qonto", "Frais Qonto", "Frais bancaires", 0.0, "Abonnement Qonto"),
        ]
        for when, euros, who, method, category, vat, reference in lines:
            self.pay(when, round(euros, 2), who, method, category, vat=vat, reference=reference,
                     card="Carte Ops" if method == "Carte" else "")
        return sum(line[1] for line in lines)

    def payroll(self, m: int, start: dt.datetime, payroll: float, weights: list[float]) -> None:
        """Net salaries on the month's last weekday; URSSAF, pension and income tax the month after."""
        payday = last_business_day(start)
        total = sum(weights)
        for person, weight in zip(self.team, weights, strict=True):
            self.pay(payday, round(NET_SHARE * payroll * weight / total, 2), person, "Virement", "Salaires",
                     reference=f"Salaire {start:%m/%Y}")
        after = start + dt.timedelta(days=40)
        label = f"{start:%m/%Y}"
        self.pay(business_day(after.replace(day=15).date()), round(URSSAF_SHARE * payroll, 2), "URSSAF Île-de-France",
                 "Prélèvement", "Charges sociales", reference=f"DSN {label}")
        self.pay(business_day(after.replace(day=15).date()), round(INCOME_TAX_SHARE * payroll, 2), "DGFIP",
                 "Prélèvement", "Impôts & taxes", reference=f"Prélèvement à la source {label}")
        self.pay(business_day(after.replace(day=25).date()), round(PENSION_SHARE * payroll, 2), "Malakoff Humanis",
                 "Prélèvement", "Charges sociales", reference=f"Retraite complémentaire {label}")

    def marketing(self, m: int, start: dt.datetime, ads: float, tools: float, events: float) -> None:
        """Ads charged when they reach a threshold mid-month and for the rest early next month; CRM tools."""
        nxt = business_day((start + dt.timedelta(days=33)).replace(day=1).date())
        for who, share in (("Google Ads", 0.6), ("LinkedIn Ads", 0.4)):
            first = round(ads * share * float(self.rng.uniform(0.5, 0.6)), 2)
            self.pay(business_day(start.date() + dt.timedelta(days=int(self.rng.integers(11, 17)))), first, who,
                     "Carte", "Marketing", subcategory="Publicité en ligne", card="Carte Marketing")
            self.pay(nxt, round(ads * share - first, 2), who, "Carte", "Marketing", subcategory="Publicité en ligne",
                     card="Carte Marketing")
        if start < ANNUAL_CRM:
            self.pay(business_day(start.date() + dt.timedelta(days=6)), round(0.7 * tools, 2), "HubSpot", "Carte",
                     "Logiciels & SaaS", card="Carte Ops")
        elif start.month == ANNUAL_CRM.month:  # the costs sheet spreads it over the year; the bank pays it at once
            self.pay(business_day(start.date() + dt.timedelta(days=6)), round(12 * 0.7 * tools, 2), "HubSpot",
                     "Virement", "Logiciels & SaaS", reference=f"HubSpot Sales Hub Pro {start.year}-{start.year + 1}")
        self.pay(business_day(start.date() + dt.timedelta(days=11)), round(0.3 * tools, 2), "Lemlist", "Carte",
                 "Logiciels & SaaS", card="Carte Marketing")
        if events:
            self.pay(business_day(start.date() + dt.timedelta(days=8)), events, "Comexposium", "Virement",
                     "Marketing", subcategory="Salons", vat=0.2, reference=f"Stand Solutions RH {start:%m/%Y}")

    def payouts(self, m: int, start: dt.datetime) -> None:
        """Each day's charges (the month's MRR spread over its days) paid out the Tuesday after the week."""
        days = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - start
        weights = self.rng.gamma(3.0, 1.0, days.days)
        weights /= weights.sum()
        for i, w in enumerate(weights):
            day = start.date() + dt.timedelta(days=i)
            payout = business_day(day + dt.timedelta(days=8 - day.weekday()))  # Tuesday of the next week
            revenue, charges = self.mrr[m] * w, self.customers[m] * w
            net = revenue * (1 - STRIPE_PERCENT) - STRIPE_FIXED * charges
            self.pending[payout] = self.pending.get(payout, 0.0) + net

    def tax_credit(self, m: int, start: dt.datetime) -> None:
        """Last year's innovation tax credit (CII), refunded in June: 20 % of the innovation share (a third)
        of the year's employer cost, taken as the salaries and social charges paid ÷ 1.4."""
        year = start.year - 1
        paid = -sum(mv.cents for mv in self.moves if mv.category in ("Salaires", "Charges sociales")
                    and mv.operated_at.year == year) / 100
        self.add(business_day(start.date().replace(day=17)), round(0.2 * paid / 3 / 1.4, -2), "DGFIP", "Virement",
                 "Autres revenus", subcategory="Crédit d'impôt innovation", reference=f"Remboursement CII {year}")

    # ---------------------------------------------------------------- the two accounts
    def with_internal_transfers(self) -> list[Movement]:
        """The movements, with payouts as lines, plus the transfers between the two accounts."""
        for day, euros in sorted(self.pending.items()):
            if day <= dt.date(2026, 10, 31) and euros > 0:
                self.add(day, round(euros, 2), "STRIPE", "Virement", "Ventes", subcategory="Abonnements",
                         reference=f"STRIPE PAYOUT {day:%d/%m/%Y}")
        moves = sorted(self.moves, key=lambda mv: mv.value_at)
        transfers: list[tuple[dt.datetime, int]] = []  # (when, cents from main to the reserve)
        for day, euros in TO_RESERVE.items():
            transfers.append((dt.datetime(day.year, day.month, day.day, 9, 30, 0), euros * 100))
        for m, start in enumerate(MONTH_STARTS):
            when = dt.datetime.combine(business_day(start.date()), dt.time(7, 45, 0))
            main = sum(mv.cents for mv in moves if mv.account == MAIN and mv.value_at < when) + \
                sum(-c for t, c in transfers if t < when)
            reserve = sum(c for t, c in transfers if t < when)
            need = 1.6 * sum(self.costs[m].values()) * 100 - main
            if need > 0 and reserve > 0:
                top_up = min(reserve, int(math.ceil(need / 1_000_000)) * 1_000_000)
                transfers.append((when, -top_up))
        for when, cents in sorted(transfers):
            out_of, into = (MAIN, RESERVE) if cents > 0 else (RESERVE, MAIN)
            label = f"Virement interne {out_of} → {into}"
            for account, signed, other in ((out_of, -abs(cents), into), (into, abs(cents), out_of)):
                moves.append(Movement(when, when, account, signed, f"Plumeo SAS — {other}", "Virement", INTERNAL,
                                      reference=label, initiator=FOUNDER, counterparty_iban=self.ibans[other]))
        return moves


def unique_times(moves: list[Movement]) -> list[Movement]:
    """The movements in value order, each account's value times made distinct (a second apart), so a
    running balance has one order to follow."""
    out, last = [], {}
    for mv in sorted(moves, key=lambda mv: (mv.value_at, mv.account, mv.operated_at, mv.counterparty, mv.cents)):
        previous = last.get(mv.account)
        if previous is not None and mv.value_at <= previous:
            mv = replace(mv, value_at=previous + dt.timedelta(seconds=1))
        last[mv.account] = mv.value_at
        out.append(mv)
    return out


def fr_money(cents: int) -> str:
    """-2623863 → '-26 238,63': a no-break space between thousands and a decimal comma, as Qonto writes."""
    text = f"{abs(cents) / 100:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return ("-" if cents < 0 else "") + text


def qonto_rows(rng: np.random.Generator, moves: list[Movement], ibans: dict[str, str]) -> list[list[str]]:
    """The export's rows, newest first, each with the running balance of its own account."""
    balance = dict.fromkeys(ibans, 0)
    sequence = dict.fromkeys(ibans, 0)
    codes = {MAIN: "7310", RESERVE: "7311"}
    rows = []
    for mv in unique_times(moves):
        balance[mv.account] += mv.cents
        sequence[mv.account] += 1
        vat = int(round(mv.cents - mv.cents / (1 + mv.vat))) if mv.vat else 0
        receipt = "Oui" if mv.cents < 0 and mv.category not in ("Salaires", INTERNAL) and rng.random() < 0.9 else "Non"
        rows.append([
            "Exécuté", mv.value_at.strftime("%d-%m-%Y %H:%M:%S"), mv.operated_at.strftime("%d-%m-%Y %H:%M:%S"),
            fr_money(mv.cents), fr_money(-mv.cents) if mv.cents < 0 else "", fr_money(mv.cents) if mv.cents > 0 else "",
            fr_money(balance[mv.account]), "EUR", mv.account, ibans[mv.account], mv.counterparty,
            mv.counterparty_iban, mv.method, f"plumeo-sas-{codes[mv.account]}-1-transaction-{sequence[mv.account]}",
            mv.reference, mv.category, mv.subcategory, mv.note, fr_money(mv.cents - vat), fr_money(vat),
            mv.initiator, mv.card, receipt,
        ])
    return rows[::-1]


def write_qonto_csv(path: Path, rows: list[list[str]]) -> int:
    """Qonto's CSV: `;`, UTF-8 without BOM, `\\n`, nothing quoted (no field holds `;`)."""
    assert not any(";" in cell or "\n" in cell or '"' in cell for row in rows for cell in row)
    lines = [";".join(QONTO_HEADER), *(";".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return len(rows)


def make_bank(seed: int, cost_rows: list[tuple[dt.date, str, float]], mrr: list[float],
              customers: list[int]) -> tuple[list[list[str]], list[Movement]]:
    """Plumeo's bank export (rows as Qonto writes them) and its movements, from `default_rng(seed + 1)`."""
    rng = np.random.default_rng(seed + 1)
    bank = Bank(rng, month_costs(cost_rows), mrr, customers)
    moves = bank.movements()
    return qonto_rows(rng, moves, bank.ibans), moves


def cash_on(moves: list[Movement], day: dt.date) -> float:
    """Both accounts' cash at the end of `day`, in euros."""
    return sum(mv.cents for mv in moves if mv.value_at.date() <= day) / 100
