"""Recognise what a sheet is and which column feeds each field — with a confidence for each choice.

For every sheet, every schema table is tried: each field is matched to a column by its
header (an English + French synonym table, compared token by token with rapidfuzz so that
`Date de début`, `Start Date (UTC)` and `start_dt` all land) and by its values (a date field
must hold dates, an NPS score integers from 0 to 10). The table whose required fields are all
found and that explains most of the sheet wins. Wide month-per-column MRR sheets are spotted
by their headers, wide category-per-column cost sheets by their headers and amounts. The
result is an ordinary `Mapping`, which the user can edit.

Weak evidence needs company: a table's key found only through a weak synonym (a bare `id`, a
HubSpot `Record ID`, a customer's name standing in for an ID) counts only when two more of the
table's fields are found too, so `id, name, amount` is no table while Zendesk's `Id, Created at,
Solved at, Replies` is tickets. Only the first `SAMPLE_ROWS` rows are looked at.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from kpi.ingest import mapping as _mapping
from kpi.ingest.io import Sheet
from kpi.ingest.mapping import Mapping, TableMapping
from kpi.ingest.parse import blank, parse_column, parse_months
from kpi.ingest.schema import TABLES, Field
from kpi.ingest.vocabulary import cost_category

SAMPLE_ROWS = 400
NAME_THRESHOLD = 0.7
TABLE_THRESHOLD = 0.55
WEAK = 0.85  # a weak synonym's match counts this much of a strong one's
BLANK_FIT = 0.5  # a column without values in the sample: its name alone decides
QUESTION_SCORE = 0.85  # a survey question as a header ("How likely are you to recommend …?")

_NOISE = {"utc", "gmt", "eur", "usd", "gbp", "chf", "cents", "centimes", "ht", "ttc", "hors", "taxe", "taxes", "tax", "excl", "incl",
          "de", "du", "des", "la", "le", "les", "l", "d", "of", "the", "a", "at", "en", "par", "per", "in", "on",
          "e", "s", "n", "no", "nr", "num", "1", "5", "7", "10", "0"}
_CURRENCY_MARKS = re.compile(r"[€$£¥%#°]")

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "customer_id": ("customer id", "client id", "id client", "customer", "client", "account id", "id compte",
                        "customer number", "numero client", "code client", "stripe customer id", "company id",
                        "organization id", "external id", "customerid", "cust id", "reference client"),
        "name": ("name", "customer name", "company name", "company", "client name", "nom", "nom client",
                 "raison sociale", "societe", "entreprise", "account name", "organization"),
        "signup_date": ("signup date", "sign up date", "signed up", "signup", "date inscription", "inscription",
                        "date creation", "creation date", "created", "first seen", "create date", "client depuis"),
        "segment": ("segment", "tier", "taille", "size", "customer segment", "segment client", "categorie client"),
        "plan": ("plan", "offer", "offre", "formule", "forfait", "pricing plan", "product"),
        "country": ("country", "pays", "country code", "code pays", "country region"),
        "channel": ("channel", "acquisition channel", "source", "lead source", "canal", "canal acquisition",
                    "origine", "original source", "acquisition"),
    },
    "subscriptions": {
        "customer_id": ("customer id", "client id", "id client", "customer", "client", "account id",
                        "stripe customer id", "customer number", "numero client", "code client", "customerid",
                        "cust id", "subscriber"),
        "start_date": ("start date", "started", "start", "date debut", "debut", "subscription start", "started at",
                       "activation date", "date activation", "debut abonnement", "date souscription", "souscription",
                       "current period start", "begin date"),
        "end_date": ("end date", "ended", "ended at", "date fin", "fin", "cancellation date", "date resiliation",
                     "resiliation", "churn date", "terminated", "end", "date annulation", "fin abonnement"),
        "amount": ("amount", "price", "montant", "prix", "tarif", "plan amount", "unit amount", "mrr",
                   "montant mensuel", "amount excl", "subscription amount", "recurring amount", "plan price",
                   "prix mensuel", "unit price", "prix unitaire"),
        "interval": ("interval", "billing interval", "billing period", "frequency", "periodicite", "frequence",
                     "billing cycle", "cycle", "plan interval", "recurrence", "periode facturation", "billing"),
        "quantity": ("quantity", "qty", "seats", "licences", "licenses", "quantite", "nombre licences", "sieges",
                     "units", "users", "utilisateurs"),
        "discount": ("discount", "coupon", "remise", "reduction", "discount percent", "percent off", "rabais"),
        "currency": ("currency", "devise", "monnaie", "currency code", "code devise"),
        "plan": ("plan", "offre", "formule", "forfait", "product", "produit", "plan name", "plan id", "plan code"),
        "trial_end": ("trial end", "trial ends", "fin essai", "trial end date", "essai jusqu", "trial until"),
        "status": ("status", "statut", "state", "etat"),
    },
    "invoices": {
        "customer_id": ("customer id", "client id", "id client", "customer", "client", "account id", "code client"),
        "date": ("invoice date", "date", "date facture", "issued", "issue date", "paid at", "date emission",
                 "billed at"),
        "amount": ("amount", "total", "montant", "amount due", "amount paid", "invoice amount", "montant facture",
                   "subtotal"),
        "service_start": ("service start", "period start", "debut periode", "service period start", "periode debut"),
        "service_end": ("service end", "period end", "fin periode", "service period end", "periode fin"),
        "interval": ("interval", "billing interval", "periodicite", "frequency", "billing period"),
        "currency": ("currency", "devise"),
    },
    "mrr": {
        "customer_id": ("customer id", "client id", "id client", "customer", "client", "account", "compte"),
        "month": ("month", "mois", "period", "periode"),
        "mrr": ("mrr", "monthly recurring revenue", "revenu mensuel", "revenu recurrent mensuel", "arr mensuel"),
    },
    "orders": {
        "customer_id": ("customer id", "client id", "id client", "customer", "client", "customerid", "buyer",
                        "acheteur"),
        "date": ("order date", "date", "invoice date", "date commande", "purchased at", "purchase date", "invoicedate",
                 "created at", "date achat", "transaction date"),
        "amount": ("amount", "total", "order total", "montant", "revenue", "sales", "line total", "montant commande"),
        "quantity": ("quantity", "qty", "quantite", "units", "qte"),
        "unit_price": ("unit price", "unitprice", "prix unitaire", "pu", "price", "prix"),
        "order_id": ("order id", "order", "order number", "invoice no", "invoiceno", "invoice number", "commande",
                     "numero commande", "transaction id", "invoice"),
        "product": ("product", "item", "sku", "description", "stock code", "stockcode", "produit", "article",
                    "designation", "product name"),
    },
    "tickets": {
        "ticket_id": ("ticket id", "ticket", "id ticket", "ticket number", "case id", "conversation id",
                      "numero ticket", "case number", "request id", "issue id"),
        "customer_id": ("customer id", "client id", "id client", "organization id", "account id", "customer",
                        "requester organization", "company id"),
        "created_at": ("created at", "created", "opened", "date creation", "ouvert le", "opened at", "request date",
                       "submitted at", "date ouverture"),
        "resolved_at": ("solved at", "resolved at", "closed at", "resolved", "solved", "closed", "date resolution",
                        "resolu le", "ferme le", "date cloture", "resolution date"),
        "first_contact_resolved": ("first contact resolution", "fcr", "one touch", "resolved first contact",
                                   "resolu premier contact", "one touch resolution", "first contact resolved"),
        "contacts": ("agent replies", "replies", "contacts", "interactions", "touches", "nombre reponses",
                     "number replies", "reponses agent"),
    },
    "events": {
        "user_id": ("user id", "user", "userid", "distinct id", "utilisateur", "id utilisateur", "member id",
                    "anonymous id", "visitor id"),
        "timestamp": ("timestamp", "time", "event time", "datetime", "occurred at", "horodatage", "event date",
                      "date heure", "date"),
        "customer_id": ("account id", "account", "customer id", "group id", "company id", "organization id",
                        "id compte", "client id"),
        "event": ("event", "event name", "action", "evenement", "activity", "event type"),
    },
    "costs": {
        "month": ("month", "mois", "period", "periode", "date"),
        "amount": ("amount", "cost", "montant", "cout", "spend", "depense", "total", "value", "costs", "couts"),
        "category": ("category", "categorie", "poste", "type", "department", "departement", "line item", "nature",
                     "cost center", "centre cout"),
    },
}
_SURVEY = {
    "score": ("score", "note", "rating", "how likely", "likely recommend", "recommend", "answer", "reponse", "rate"),
    "customer_id": ("customer id", "client id", "id client", "customer", "client", "account id", "respondent id"),
    "date": ("date", "created at", "submitted at", "response date", "date reponse", "timestamp", "answered at",
             "survey date", "created", "submit date", "submitted", "submission date", "date soumission"),
    "comment": ("comment", "comments", "feedback", "commentaire", "verbatim", "remarks", "why", "reason", "text",
                "open answer", "commentaires", "remarque"),
    "segment": ("segment", "plan", "tier", "offre"),
}
# Weak synonyms: a match counts WEAK; a table key found only this way needs two more fields.
WEAK_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {"customer_id": ("id", "record id", "object id", "hubspot id", "crm id")},
    "subscriptions": {
        "customer_id": ("user id", "user", "buyer", "payer"),  # Paddle: the paying user
        "start_date": ("signup date", "sign up date", "created", "creation date", "date creation"),
        "end_date": ("canceled", "cancelled"),  # Stripe's "Canceled At" precedes its "Ended At"
    },
    "invoices": {"date": ("created", "creation date", "date creation")},  # Stripe: `Created (UTC)`
    "orders": {"customer_id": ("user id", "user", "member id")},
    "tickets": {"ticket_id": ("id", "number", "key", "reference")},
}
TABLE_KEYS = {"customers": "customer_id", "tickets": "ticket_id"}  # a weak key needs company
# Words that give a survey question away when it is the header itself
QUESTION_WORDS = {
    "score": {"recommend", "recommander", "recommanderiez", "recommanderais", "likely", "probable", "satisfied",
              "satisfait", "satisfaite", "satisfaction", "easy", "facile", "effort", "rate", "noteriez"},
    "comment": {"reason", "raison", "why", "pourquoi", "explain", "expliquer", "improve", "ameliorer", "feedback",
                "tell", "dites", "comment", "commentaire", "suggestion", "suggestions"},
}
QUESTION_MIN_WORDS = 5
SURVEY_HINTS = {"nps": ("nps", "net promoter", "recommend", "recommander", "promoter"),
                "csat": ("csat", "satisfaction", "satisfait", "satisfied"),
                "ces": ("ces", "effort", "facilite", "ease", "easy")}
for _table in ("nps", "csat", "ces"):
    SYNONYMS[_table] = {**_SURVEY, "score": _SURVEY["score"] + tuple(f"{h} score" for h in SURVEY_HINTS[_table])
                        + SURVEY_HINTS[_table] + tuple(f"note {h}" for h in SURVEY_HINTS[_table])}

TABLE_NAME_HINTS = {
    "customers": ("customer", "customers", "client", "clients", "crm", "companies", "accounts", "comptes"),
    "subscriptions": ("subscription", "subscriptions", "abonnement", "abonnements", "stripe", "billing", "contrats"),
    "invoices": ("invoice", "invoices", "facture", "factures", "billing"),
    "mrr": ("mrr", "revenue", "revenus", "recurring"),
    "orders": ("order", "orders", "commande", "commandes", "sales", "ventes", "transactions", "retail"),
    "nps": SURVEY_HINTS["nps"] + ("survey", "enquete"),
    "csat": SURVEY_HINTS["csat"],
    "ces": SURVEY_HINTS["ces"],
    "tickets": ("ticket", "tickets", "support", "helpdesk", "zendesk", "intercom", "freshdesk"),
    "events": ("event", "events", "usage", "product", "tracking", "mixpanel", "segment", "amplitude", "evenements"),
    "costs": ("cost", "costs", "cout", "couts", "depenses", "expenses", "finance", "budget", "charges"),
}
SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def tokens(text: str) -> tuple[str, ...]:
    """Header words without accents, case, punctuation, units or filler words:
    'Montant HT (€)' → ('montant',); 'Date de début' → ('date', 'debut')."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # camelCase → camel case
    text = _CURRENCY_MARKS.sub(" ", text.lower())
    words = re.split(r"[^a-z0-9]+", text)
    return tuple(w for w in words if w and w not in _NOISE)


def name_score(header_tokens: tuple[str, ...], synonyms: tuple[str, ...]) -> float:
    """0…1: how well a header names a field. Words match when rapidfuzz rates them ≥ 85 (typos,
    plurals); the score is the Dice coefficient of matched words, 1.0 for an exact match."""
    if not header_tokens:
        return 0.0
    best = 0.0
    joined = " ".join(header_tokens)
    for synonym in synonyms:
        wanted = tokens(synonym)
        if not wanted:
            continue
        if header_tokens == wanted:
            return 1.0
        matched = sum(any(fuzz.ratio(w, h) >= 85 for h in header_tokens) for w in wanted)
        dice = 2 * matched / (len(wanted) + len(header_tokens))
        whole = fuzz.ratio(joined, " ".join(wanted)) / 100 if len(joined) >= 8 else 0.0
        best = max(best, dice, whole if whole >= 0.9 else 0.0)
    return best


@dataclass(frozen=True)
class Proposal:
    """The recognised table of one sheet and the column chosen for each field, with confidences."""

    key: str
    table: str | None
    confidence: float
    columns: dict[str, str] = field(default_factory=dict)
    field_confidence: dict[str, float] = field(default_factory=dict)
    layout: str = "long"
    rank: float = field(default=0.0, compare=False, repr=False)  # unclipped score: breaks ties at 100 %
    options: dict = field(default_factory=dict)  # mapping options read from the sheet (amounts in cents)

    def mapping(self) -> TableMapping:
        return TableMapping(self.table or "", dict(self.columns), self.layout, dict(self.options))


def field_name_score(table: str, field_name: str, words: tuple[str, ...]) -> tuple[float, bool]:
    """How well a header (its tokens) names one field of one table, and whether only a weak
    synonym says so. A long header that is a survey question counts by its telling words."""
    strong = name_score(words, SYNONYMS[table].get(field_name, ()))
    weak = WEAK * name_score(words, WEAK_SYNONYMS.get(table, {}).get(field_name, ()))
    question = 0.0
    telling = QUESTION_WORDS.get(field_name, set())
    if table in SURVEY_HINTS and len(words) >= QUESTION_MIN_WORDS and set(words) & telling:
        question = QUESTION_SCORE
    best = max(strong, weak, question)
    return best, weak == best > max(strong, question)


def _value_fit(sample: pd.Series, schema_field: Field, table: str) -> float | None:
    """Share of the sampled non-blank values that parse as the field's kind (1.0 for text);
    None when the sample holds no value at all (no evidence either way)."""
    values = sample[~blank(sample)]
    if values.empty:
        return None
    kind = schema_field.kind
    if kind in ("id", "text"):
        return 1.0
    parsed = parse_column(values, kind)
    ok = float((~parsed.bad & parsed.values.notna()).mean())
    if kind == "score":
        low, high = SCORE_RANGES.get(table, (0, 10))
        numbers = parsed.values.dropna()
        in_range = ((numbers >= low) & (numbers <= high) & (numbers == numbers.round())).mean() if len(numbers) else 0.0
        ok = min(ok, float(in_range))
    return ok


def _fit(fits: dict, sample: pd.DataFrame, header: str, schema_field: Field, table: str) -> float | None:
    key = (header, schema_field.kind if schema_field.kind != "score" else f"score:{table}")
    if key not in fits:
        fits[key] = _value_fit(sample[header], schema_field, table)
    return fits[key]


def _propose_table(sheet: Sheet, table: str, sample: pd.DataFrame, header_tokens: dict[str, tuple[str, ...]],
                   fits: dict, hint_words: set[str]) -> Proposal:
    schema = TABLES[table]
    candidates = []
    weak: set[tuple[str, str]] = set()
    for schema_field in schema.fields:
        for header, words in header_tokens.items():
            name, is_weak = field_name_score(table, schema_field.name, words)
            if name < NAME_THRESHOLD:
                continue
            fit = _fit(fits, sample, header, schema_field, table)
            if fit is None:
                fit = BLANK_FIT
            elif schema_field.kind not in ("id", "text") and fit < 0.6:
                continue
            candidates.append((name * (0.6 + 0.4 * fit), schema_field.name, header))
            if is_weak:
                weak.add((schema_field.name, header))
    candidates.sort(key=lambda c: -c[0])
    columns: dict[str, str] = {}
    confidence: dict[str, float] = {}
    for score, name, header in candidates:
        if name in columns or header in columns.values():
            continue
        columns[name] = header
        confidence[name] = round(score, 3)
    if table == "customers" and "customer_id" not in columns and "name" in columns:
        # a customer list without an ID column: the customer's name is its key
        columns = {"customer_id": columns.pop("name"), **columns}
        confidence = {"customer_id": confidence.pop("name") * WEAK, **confidence}
        weak.add(("customer_id", columns["customer_id"]))
    if table in SCORE_RANGES and "score" not in columns:
        _score_by_values(sheet, table, sample, columns, confidence, fits)
    required = list(schema.required)
    if table == "orders":
        if "amount" not in columns and {"quantity", "unit_price"} <= set(columns):
            required += ["quantity", "unit_price"]
        else:
            required.append("amount")
    if any(f not in columns for f in required):
        return Proposal(sheet.key, table, 0.0, columns, confidence)
    key = TABLE_KEYS.get(table)
    if key and (key, columns[key]) in weak and len(columns) < 3:
        return Proposal(sheet.key, table, 0.0, columns, confidence)
    coverage = len(columns) / max(1, len(sheet.frame.columns))
    score = 0.6 * float(np.mean([confidence[f] for f in required])) + 0.4 * coverage
    if hint_words & _HINT_TOKENS[table]:
        score += 0.1
    if table in SURVEY_HINTS and _names_survey(table, header_tokens[columns["score"]]):
        score += 0.1
    return Proposal(sheet.key, table, round(min(score, 1.0), 3), columns, confidence, rank=score)


_HINT_TOKENS = {table: {w for hint in hints for w in tokens(hint)} for table, hints in TABLE_NAME_HINTS.items()}


def _names_survey(table: str, words: tuple[str, ...]) -> bool:
    """The score's header names this survey: `Note NPS`, `CSAT`, `How likely … recommend …?`."""
    if name_score(words, SURVEY_HINTS[table]) >= 0.5:
        return True
    return table == "nps" and bool(set(words) & {"recommend", "recommander", "recommanderiez", "recommanderais"})


def _score_by_values(sheet: Sheet, table: str, sample: pd.DataFrame, columns: dict[str, str],
                     confidence: dict[str, float], fits: dict) -> None:
    """A column of whole numbers within the scale next to a date is a survey score."""
    if "date" not in columns:
        return
    for header in sample.columns:
        if header in columns.values():
            continue
        fit = _fit(fits, sample, header, TABLES[table].field("score"), table)
        numbers = pd.to_numeric(sample[header], errors="coerce").dropna()
        if fit is not None and fit >= 0.95 and numbers.nunique() >= 4:
            columns["score"] = header
            confidence["score"] = 0.6
            return


def _wide_mrr(sheet: Sheet, header_tokens: dict[str, tuple[str, ...]]) -> Proposal | None:
    """A sheet with at least three month headers (`Jan 2024`, `2024-01`, `janv. 2024`…) is wide MRR."""
    headers = pd.Series(list(sheet.frame.columns), dtype=object)
    months = parse_months(headers)
    month_headers = headers[months.values.notna() & ~months.bad]
    if len(month_headers) < 3:
        return None
    others = {h: w for h, w in header_tokens.items() if h not in set(month_headers)}
    scored = sorted(((name_score(w, SYNONYMS["mrr"]["customer_id"] + SYNONYMS["customers"]["name"]), h)
                     for h, w in others.items()), reverse=True)
    id_header = scored[0][1] if scored and scored[0][0] >= NAME_THRESHOLD else (next(iter(others), None))
    if id_header is None:
        return None
    confidence = 0.6 + 0.4 * len(month_headers) / max(1, len(headers))
    return Proposal(sheet.key, "mrr", round(confidence, 3), {"customer_id": id_header},
                    {"customer_id": scored[0][0] if scored else 0.5}, layout="wide")


_TOTAL_WORDS = {"total", "totaux", "sum", "somme", "ensemble"}


def _wide_costs(sheet: Sheet, sample: pd.DataFrame, header_tokens: dict[str, tuple[str, ...]], fits: dict,
                hint_words: set[str]) -> Proposal | None:
    """A month column and two or more columns of amounts whose headers are cost categories
    (`Mois; Marketing; Ventes; Support client; Hébergement`) is a wide costs sheet: one row per
    month, one column per category. Columns named Total are left out of the melt. Proposed only
    once `kpi.ingest.mapping` can melt it (its `WIDE_TABLES` names costs)."""
    if "costs" not in getattr(_mapping, "WIDE_TABLES", ("mrr",)):
        return None
    costs = TABLES["costs"]
    hinted = bool(hint_words & _HINT_TOKENS["costs"])
    named = {h: name_score(w, SYNONYMS["costs"]["month"]) for h, w in header_tokens.items()}
    headers = [h for h, w in header_tokens.items() if not set(w) & _TOTAL_WORDS]
    if len(headers) < 3:
        return None
    labels = cost_category(pd.Series(headers, dtype="string")) != "other"
    if int(labels.sum()) < 2 and not hinted:  # headers first: cheap, and most sheets stop here
        return None
    month_header, month_score = None, 0.0
    for header in sorted(headers, key=lambda h: -named[h]):
        fit = _fit(fits, sample, header, costs.field("month"), "costs")
        if fit is not None and fit >= 0.9:
            month_header, month_score = header, max(named[header], 0.75)
            break
    if month_header is None:
        return None
    categories = [h for h in headers if h != month_header]
    for header in categories:
        fit = _fit(fits, sample, header, costs.field("amount"), "costs")
        if fit is not None and fit < 0.9:
            return None
    known = float(labels[[h != month_header for h in headers]].mean())
    if known < 0.5 and not hinted:
        return None
    score = 0.6 + 0.3 * known + (0.1 if hinted else 0.0)
    return Proposal(sheet.key, "costs", round(min(score, 1.0), 3), {"month": month_header},
                    {"month": round(month_score, 3)}, layout="wide", rank=score)


def _shared_prefix(headers: list[str]) -> str | None:
    """A dotted prefix that every header shares (Chargebee's `subscriptions.customer_id`,
    `subscriptions.started_at`): it names the table, not the column."""
    texts = [str(h) for h in headers]
    prefix = re.match(r"^[A-Za-z_]\w*\.(?=\w)", texts[0]) if len(texts) >= 2 else None
    return prefix.group(0) if prefix and all(t.startswith(prefix.group(0)) for t in texts) else None


def header_tokens_of(headers: list[str]) -> dict[str, tuple[str, ...]]:
    """Each header's tokens, without a dotted prefix that every header shares."""
    cut = len(_shared_prefix(headers) or "")
    return {header: tokens(str(header)[cut:]) for header in headers}


def recognise(sheet: Sheet) -> Proposal:
    """The most likely table of a sheet and its column mapping; table None when nothing fits."""
    sample = sheet.frame.head(SAMPLE_ROWS)
    header_tokens = header_tokens_of(list(sheet.frame.columns))
    wide = _wide_mrr(sheet, header_tokens)
    if wide is not None:
        return wide
    hint_words = (set(tokens(sheet.sheet or "")) | set(tokens(sheet.file.rsplit(".", 1)[0]))
                  | set(tokens(_shared_prefix(list(sheet.frame.columns)) or "")))
    fits: dict = {}
    proposals = [_propose_table(sheet, table, sample, header_tokens, fits, hint_words) for table in TABLES]
    wide_costs = _wide_costs(sheet, sample, header_tokens, fits, hint_words)
    if wide_costs is not None:
        proposals.append(wide_costs)
    best = max(proposals, key=lambda p: p.rank)
    if best.confidence < TABLE_THRESHOLD:
        return Proposal(sheet.key, None, best.confidence)
    if amounts_in_cents(sheet, best.table, best.columns):
        best = replace(best, options={**best.options, "amount_unit": "cents"})
    return best


_CENTS = re.compile(r"(?:^|[^a-z])(?:cents?|centimes?|minor units?)(?:$|[^a-z])")


def amounts_in_cents(sheet: Sheet, table: str, columns: dict[str, str]) -> bool:
    """Whether the money columns of a sheet are written in minor units (2900 for 29.00):
    a mapped amount header that says so (`amount_in_cents`, `Montant (centimes)`), or an API-style
    export — every header behind one dotted object prefix, as Chargebee's `subscriptions.plan_amount`
    and Stripe's `plan.amount` — whose amounts are all whole numbers."""
    money = [header for name, header in columns.items()
             if TABLES[table].field(name).kind in ("amount", "signed_amount")]
    if not money:
        return False
    if any(_CENTS.search(str(header).lower().replace("_", " ")) for header in money):
        return True
    if _shared_prefix(list(sheet.frame.columns)) is None:
        return False
    values = sheet.frame[money[0]].head(SAMPLE_ROWS).astype("string").str.strip().dropna()
    values = values[values != ""]
    return len(values) > 0 and bool(values.str.fullmatch(r"-?\d+").all())


def auto_mapping(sheets: list[Sheet]) -> tuple[Mapping, list[str]]:
    """A mapping for every recognised sheet, and one note per sheet saying what it was read as."""
    mapping: Mapping = {}
    notes = []
    for sheet in sheets:
        proposal = recognise(sheet)
        if proposal.table is None:
            notes.append(f"{sheet.key}: skipped, it fits no table of the schema")
            continue
        mapping[sheet.key] = proposal.mapping()
        notes.append(f"{sheet.key}: read as {proposal.table} (confidence {proposal.confidence:.0%})")
    return mapping, notes
