"""Seeded, deterministic generator of the "Plumeo" demo SaaS company.

Run from the repository root::

    .venv/bin/python -m data.make_demo            # writes data/demo/
    .venv/bin/python -m data.make_demo OUT_DIR 42  # other folder / seed

Everything random goes through one ``numpy.random.default_rng(seed)``; no set of
strings is ever iterated (hash order), so the same seed gives byte-identical
CSV files.  ``finance.xlsx`` has the same cell values on every run (its bytes
differ only through the timestamps openpyxl and zip store).

See data/README.md for the story and a description of every file.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# --------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------
WINDOW_START = dt.datetime(2023, 11, 1)
EXPORT_AT = dt.datetime(2026, 10, 31, 23, 59)
N_MONTHS = 36
DETAIL_START = dt.date(2026, 8, 1)  # product events: full daily detail from here
DAY = dt.timedelta(days=1)


def add_months(d: dt.datetime, k: int) -> dt.datetime:
    y, m = divmod(d.month - 1 + k, 12)
    year, month = d.year + y, m + 1
    last = _days_in_month(year, month)
    return d.replace(year=year, month=month, day=min(d.day, last))


def _days_in_month(year: int, month: int) -> int:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.date(year, month, 1)).days


MONTH_STARTS = [add_months(WINDOW_START, i) for i in range(N_MONTHS)]
MONTH_ENDS = [add_months(WINDOW_START, i + 1).date() - DAY for i in range(N_MONTHS)]

# --------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------
PLAN_PRICES = {"Starter": 29.0, "Growth": 59.0, "Scale": 99.0}
PLAN_ORDER = ["Starter", "Growth", "Scale"]
ADDON_PLAN, ADDON_PRICE = "Extra workspace", 19.0
INTERVAL_PRICE_MULT = {"month": 1, "quarter": 3, "year": 10}  # annual = 2 months free
INTERVAL_MONTHS = {"month": 1, "quarter": 3, "year": 12}
SEGMENTS = ["SMB", "Mid-Market", "Enterprise"]
# A sales-led enterprise deal closes only every few months.
ENTERPRISE_DEAL_MONTHS = (9, 16, 23, 28, 33)

COUNTRIES = ["France", "Belgium", "Switzerland", "Germany", "Spain", "UK", "Netherlands", "Canada"]
COUNTRY_P = [0.55, 0.10, 0.07, 0.07, 0.05, 0.07, 0.05, 0.04]
FRENCH_SPEAKING_P = {"France": 0.6, "Belgium": 0.45, "Switzerland": 0.35, "Canada": 0.35}

CHANNELS = ["Organic search", "Paid search", "Outbound", "Referral", "Partner", "Events"]
CHANNEL_HEALTH = {"Organic search": 0.0, "Paid search": -0.2, "Outbound": -0.1,
                  "Referral": 0.35, "Partner": 0.15, "Events": 0.0}
CHANNEL_P = {
    "SMB": [0.38, 0.27, 0.05, 0.15, 0.09, 0.06],
    "Mid-Market": [0.20, 0.15, 0.25, 0.15, 0.10, 0.15],
    "Enterprise": [0.05, 0.05, 0.50, 0.10, 0.10, 0.20],
}
FOUNDER = "Marc Delorme"
SMB_REPS = ["Camille Laurent", "Thomas Girard", "Léa Fontaine"]
MM_REPS = ["Julien Marchand", "Sophie Keller", "Antoine Roussel"]

# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------
FR_SURNAMES = [
    "Dupré", "Moreau", "Lefèvre", "Girard", "Bonnet", "Faure", "Mercier", "Rousseau", "Blanc",
    "Guérin", "Henry", "Roussel", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont",
    "Fontaine", "Chevalier", "Robin", "Masson", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire",
    "Duval", "Joly", "Roche", "Noël", "Meyer", "Lucas", "Meunier", "Marchand", "Dufour",
    "Blanchard", "Brun", "Barbier", "Arnaud", "Carpentier", "Lambert", "Bertrand", "Renard",
    "Leclerc", "Colin", "Vidal", "Caron", "Picard", "Roux", "Fournier", "Garnier", "Chauvin",
    "Benoît", "Lacroix", "Hébert", "Leroux", "Besson", "Marty", "Aubert", "Huet", "Giraud",
    "Pelletier", "Vasseur", "Charpentier", "Ménard", "Lebrun", "Boucher", "Bouvier", "Tessier",
]
FR_TRADES = [
    "Boulangerie", "Pharmacie", "Clinique", "Transports", "Hôtel", "Restaurant", "Garage",
    "Cabinet", "Crèche", "Maison", "Groupe", "Logistique", "Nettoyage", "Sécurité", "Résidence",
    "Brasserie", "Ambulances", "Agence", "Laboratoire", "Centre dentaire", "Traiteur",
    "Fromagerie", "Conciergerie", "Optique", "Boucherie", "Camping", "Auto-école", "Imprimerie",
    "Services", "Propreté",
]
FR_PLACES = ["l'Étoile", "l'Opéra", "l'Église", "l'Orangerie", "l'Horloge", "l'Arsenal",
             "l'Île", "l'Écluse", "l'Abbaye", "l'Yser"]
FR_PLACE_TRADES = ["Hôtel de", "Brasserie de", "Pharmacie de", "Café de", "Résidence de",
                   "Boulangerie de", "Crèche de"]
DE_SURNAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker",
               "Hoffmann", "Schäfer", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
               "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Vogel", "Keller"]
DE_TRADES = ["Logistik", "Pflegedienst", "Gastronomie", "Reinigung", "Sicherheitsdienst",
             "Bäckerei", "Hotel", "Praxis", "Handel", "Service", "Personaldienste"]
UK_SURNAMES = ["Brightwell", "Holloway", "Ashford", "Whitmore", "Carter", "Fletcher", "Hughes",
               "Bennett", "Thornton", "Pemberton", "Hargreaves", "Clarke", "Turner", "Walsh",
               "Doyle", "Marsh", "Kingsley", "Radcliffe", "Osborne", "Lawson"]
UK_TRADES = ["Care", "Logistics", "Hospitality", "Cleaning", "Security", "Dental", "Retail",
             "Catering", "Healthcare", "Staffing", "Leisure"]
ES_SURNAMES = ["García", "Fernández", "López", "Martín", "Sánchez", "Romero", "Navarro",
               "Torres", "Domínguez", "Vázquez", "Ruiz", "Moreno", "Muñoz", "Álvarez",
               "Jiménez", "Ortega", "Castillo"]
ES_TRADES = ["Clínica", "Hoteles", "Logística", "Limpiezas", "Restaurantes", "Farmacia",
             "Servicios", "Seguridad", "Residencia"]
NL_SURNAMES = ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer",
               "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Hendriks", "van Leeuwen"]
NL_TRADES = ["Logistiek", "Zorg", "Schoonmaak", "Horeca", "Beveiliging", "Bakkerij",
             "Kinderopvang"]

FIRST_NAMES = {
    "fr": ["Camille", "Julie", "Nicolas", "Thomas", "Sarah", "Léa", "Hugo", "Manon", "Lucas",
           "Chloé", "Antoine", "Émilie", "Mathieu", "Claire", "Pierre", "Inès", "Maxime",
           "Pauline", "Julien", "Céline", "Sébastien", "Aurélie", "François", "Hélène"],
    "de": ["Anna", "Lukas", "Jonas", "Lea", "Felix", "Laura", "Maximilian", "Sophie", "Jan",
           "Katharina", "Tobias", "Jana"],
    "en": ["James", "Olivia", "Harry", "Emily", "George", "Amelia", "Jack", "Sophie", "Oliver",
           "Grace", "William", "Chloe", "Daniel", "Hannah"],
    "es": ["Lucía", "Pablo", "María", "Javier", "Carmen", "Diego", "Elena", "Sergio", "Laura",
           "Álvaro"],
    "nl": ["Sanne", "Daan", "Lotte", "Bram", "Eva", "Thijs", "Femke", "Ruben"],
}
LAST_NAMES = {
    "fr": FR_SURNAMES, "de": DE_SURNAMES, "en": UK_SURNAMES, "es": ES_SURNAMES,
    "nl": NL_SURNAMES,
}
COUNTRY_LANG = {"France": "fr", "Belgium": "fr", "Switzerland": "fr", "Canada": "fr",
                "Germany": "de", "UK": "en", "Spain": "es", "Netherlands": "nl"}
TLD = {"France": "fr", "Belgium": "be", "Switzerland": "ch", "Germany": "de", "Spain": "es",
       "UK": "co.uk", "Netherlands": "nl", "Canada": "ca"}
LEGAL_SUFFIXES = {
    "France": (["SAS", "SARL", "SA", ""], [0.45, 0.3, 0.1, 0.15]),
    "Belgium": (["SRL", "SA", "SPRL", "BV"], [0.45, 0.25, 0.2, 0.1]),
    "Switzerland": (["SA", "Sàrl", "AG", ""], [0.4, 0.35, 0.15, 0.1]),
    "Canada": (["Inc.", "Ltée", ""], [0.6, 0.3, 0.1]),
    "Germany": (["GmbH", "GmbH & Co. KG", "AG"], [0.75, 0.18, 0.07]),
    "UK": (["Ltd", "Limited", "plc"], [0.8, 0.15, 0.05]),
    "Spain": (["S.L.", "S.A."], [0.8, 0.2]),
    "Netherlands": (["B.V.", ""], [0.9, 0.1]),
}

# --------------------------------------------------------------------------
# Free text
# --------------------------------------------------------------------------
NPS_COMMENTS = {
    ("en", "promoter"): [
        "The shared schedule saves us hours every week.",
        "Shift swaps used to be a nightmare, now the team handles them on their own.",
        "Super easy to roll out to the whole team.",
        "Great support, always quick to answer.",
        "The mobile app is exactly what our staff needed.",
        "We stopped using spreadsheets for rotas entirely.",
        "Onboarding was smooth, our managers loved it.",
        "Best scheduling tool we have tried.",
        "Absences and planning in one place, brilliant.",
        "Reliable and simple. Does what it says.",
        "Our managers save half a day per week on planning.",
        "Love the notifications when a shift changes.",
        "Great product.\nWould love a payroll integration next!",
    ],
    ("en", "passive"): [
        "Good product, but reporting could be more flexible.",
        "Works well, the mobile app is a bit slow sometimes.",
        "Does the job. Would like a payroll integration.",
        "Nice tool, the price went up a bit though.",
        "Solid, but setting up shift templates takes time.",
        "Fine overall, a few bugs with time zones.",
        "We use it daily, still missing an API for our HR system.",
        "Good, but the interface could look more modern.",
    ],
    ("en", "detractor"): [
        "Too expensive for what we use.",
        "The Excel export keeps crashing.",
        "Support took days to answer our ticket.",
        "Too complicated for our small team.",
        "We had several outages during busy weeks.",
        "Missing integrations with our payroll software.",
        "The app logs us out all the time.",
        "Our staff never really adopted it.",
        "Per-seat pricing doesn't work for seasonal workers.",
        'Reports are wrong when people work night shifts, "total hours" is off.',
    ],
    ("fr", "promoter"): [
        "Le planning partagé nous fait gagner un temps fou.",
        "Les échanges de créneaux se font tout seuls maintenant.",
        "Très simple à déployer auprès des équipes.",
        "Support réactif et sympa, merci !",
        "L'appli mobile est parfaite pour nos équipes terrain.",
        "On a enfin abandonné les tableaux Excel.",
        "Nos managers gagnent une demi-journée par semaine.",
        "Outil clair, nos salariés l'ont adopté en une semaine.",
        "La gestion des absences est top.",
        "Rien à redire, ça marche.",
        "Les notifications de changement de planning sont très pratiques.",
        "Meilleur outil de planning qu'on ait testé.",
        "Très bon outil.\nVivement l'intégration avec la paie !",
    ],
    ("fr", "passive"): [
        "Bon produit mais les rapports manquent de souplesse.",
        "Ça fait le job, il manque une intégration paie.",
        "Bien, mais l'application mobile est parfois lente.",
        "Correct, le prix a un peu augmenté.",
        "Paramétrage des modèles de planning un peu long.",
        "Pratique au quotidien, l'interface pourrait être plus moderne.",
        "Quelques bugs avec les horaires de nuit.",
        "Satisfaits dans l'ensemble, on attend l'API.",
    ],
    ("fr", "detractor"): [
        "L'export Excel plante souvent.",
        "Trop cher pour l'usage qu'on en a.",
        "Le support met plusieurs jours à répondre.",
        "Trop compliqué pour une petite équipe.",
        "Plusieurs pannes pendant nos semaines chargées.",
        "Pas d'intégration avec notre logiciel de paie.",
        "L'appli nous déconnecte sans arrêt.",
        "Nos équipes ne l'utilisent pas vraiment.",
        "La tarification par siège ne marche pas avec nos saisonniers.",
        "Les heures de nuit sont mal comptées dans les rapports.",
    ],
}
TICKET_SUBJECTS = {
    "en": {
        "bug": ["Cannot export schedule to Excel", "Mobile app crashes on login",
                "Night shift hours calculated wrong", "Notifications not sent to staff",
                "Timezone issue on schedule", "Schedule empty after update"],
        "howto": ["How do I add a new employee?", "Shift swap request stuck",
                  "Public holiday settings", "Import employees from CSV",
                  "API access question", "SSO / SAML setup", "Password reset not received"],
        "billing": ["Invoice request", "Change billing address", "Upgrade to Growth plan",
                    "Remove seats", "VAT number on invoice"],
        "cancel": ["Cancel subscription", "How to close our account"],
    },
    "fr": {
        "bug": ["Export Excel ne fonctionne pas", "L'application mobile plante",
                "Heures de nuit mal calculées", "Notifications non reçues",
                "Bug : planning vide après mise à jour"],
        "howto": ["Ajouter un salarié", "Problème d'échange de créneau",
                  "Paramétrer les jours fériés", "Import des salariés depuis un CSV",
                  "Intégration avec notre logiciel de paie", "Réinitialisation du mot de passe"],
        "billing": ["Demande de facture", "Changer l'adresse de facturation",
                    "Passer à l'offre Scale", "Supprimer des utilisateurs",
                    "Numéro de TVA sur la facture"],
        "cancel": ["Résiliation de l'abonnement", "Fermeture de notre compte"],
    },
}
CSAT_COMMENTS = {
    "good": ["Rapide et efficace", "Merci pour votre aide !", "Problème résolu, merci",
             "Réponse claire", "Quick and helpful", "Thanks!", "Great support as always",
             "Very patient agent"],
    "bad": ["Trop long à résoudre", "Pas vraiment résolu", "Still not fixed",
            "Had to explain twice", "Réponse à côté de la question", "Slow answer"],
}


# --------------------------------------------------------------------------
# Model objects
# --------------------------------------------------------------------------
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
    hour = int(rng.choice(np.arange(6, 19), p=_HOUR_P))
    minute = int(rng.integers(60))
    sec = int(rng.integers(60)) if seconds else 0
    return dt.datetime(day.year, day.month, day.day, hour, minute, sec)


_HOUR_W = np.array([2, 6, 9, 10, 9, 6, 7, 9, 9, 7, 5, 3, 2], dtype=float)  # 06..18 UTC
_HOUR_P = _HOUR_W / _HOUR_W.sum()


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


# --------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------
class Generator:
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
        sec_of_day_p = np.repeat(_HOUR_P, 3600) / 3600
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
def _write_csv(path: Path, header: list[str], rows) -> int:
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
    counts["stripe_subscriptions.csv"] = _write_csv(out_dir / "stripe_subscriptions.csv", SUB_HEADER, (
        [s.id, s.customer.cid, s.customer.stripe_name, s.customer.billing_email, s.plan, f"{s.amount:.2f}",
         "eur", s.interval, s.quantity, s.discount, s.status, fmt_min(s.created), fmt_min(s.start),
         fmt_min(s.trial_end), fmt_min(s.ended), fmt_min(s.canceled)] for s in subs_sorted))

    # --- CRM
    counts["crm_customers.csv"] = _write_csv(out_dir / "crm_customers.csv", CRM_HEADER, (
        [c.record_id, c.name, c.cid, c.segment, c.current_plan(), c.country, c.channel,
         c.trial_start.strftime("%Y-%m-%d"), c.owner, c.employees] for c in g.customers))

    # --- product events (needs users), NPS, tickets
    events = g.product_events()
    counts["product_events.csv"] = _write_csv(out_dir / "product_events.csv", EVENT_HEADER, events)
    nps = g.nps()
    counts["nps_survey.csv"] = _write_csv(out_dir / "nps_survey.csv", NPS_HEADER, nps)
    tickets = g.tickets()
    counts["helpdesk_tickets.csv"] = _write_csv(out_dir / "helpdesk_tickets.csv", TICKET_HEADER, (
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
    for d, poste, v in g.finance_rows(mrr):
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
    fixed = dt.datetime(2026, 10, 31, 23, 59)
    wb.properties.creator = "Claire Vasseur"
    wb.properties.created = fixed
    wb.save(out_dir / "finance.xlsx")
    counts["finance.xlsx:Coûts mensuels"] = n_cost
    counts["finance.xlsx:CSAT"] = len(csat_rows)
    counts["finance.xlsx:CES"] = len(ces_rows)

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
