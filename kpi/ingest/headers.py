"""The words of headers: which header names which field of which table, English or French.

A header is cut into words whatever its casing or joining (`mrr_amount`, `monthlyAmount`,
`Plan MRR (EUR)`, `Start Date (UTC)`, `subscriptions.started_at`, `Deal - Won time`), without
accents, units or filler words. A field is named by its synonyms: exactly (`amount`), with a
typo or plural (`Custmer ID`), or inside a compound header, most when it is the header's last
words, its head noun (`monthly_amount`, `Invoice Item: Charge Amount`). Synonyms come in three
strengths: strong, second choice (`activated_at` starts a subscription unless `started_at` is
there) and weak (a bare `id`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

_NOISE = {"utc", "gmt", "eur", "usd", "gbp", "chf", "cents", "centimes", "ht", "ttc", "hors", "taxe", "taxes", "tax", "excl", "incl",
          "de", "du", "des", "la", "le", "les", "l", "d", "of", "the", "a", "at", "en", "par", "per", "in", "on",
          "e", "s", "n", "no", "nr", "num", "1", "5", "7", "10", "0",
          "euro", "euros"}
_CURRENCY_MARKS = re.compile(r"[€$£¥%#°]")

_ID = ("customer id", "client id", "id client", "customer", "client", "account id", "customer number", "numero client",
       "code client", "customerid", "cust id", "account code", "account number", "organization id", "company id")

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "customer_id": _ID + ("id compte", "stripe customer id", "external id", "reference client"),
        "name": ("name", "customer name", "company name", "company", "client name", "nom", "nom client",
                 "raison sociale", "societe", "entreprise", "account name", "organization", "organization name"),
        "signup_date": ("signup date", "sign up date", "signed up", "signup", "date inscription", "inscription",
                        "date creation", "creation date", "created", "first seen", "create date", "client depuis",
                        "add time", "date added", "customer since"),
        "segment": ("segment", "tier", "taille", "size", "customer segment", "segment client", "categorie client"),
        "plan": ("plan", "offer", "offre", "formule", "forfait", "pricing plan", "product", "plan tier", "plan name"),
        "country": ("country", "pays", "country code", "code pays", "country region"),
        "channel": ("channel", "acquisition channel", "source", "lead source", "canal", "canal acquisition",
                    "origine", "original source", "acquisition", "original source type"),
        "mrr": ("mrr", "monthly charges", "monthly charge", "monthly amount", "monthly revenue", "current mrr",
                "monthly fee", "montant mensuel", "revenu mensuel", "mensualite"),
        "status": ("status", "statut", "customer status", "account status", "state", "etat"),
        "churned": ("churn", "churned", "is churned", "has churned", "churn flag", "exited", "attrition", "resilie",
                    "churn label", "churn value"),
    },
    "subscriptions": {
        "customer_id": _ID + ("stripe customer id", "subscriber", "customers id"),
        "start_date": ("start date", "started", "start", "date debut", "debut", "subscription start", "started at",
                       "activation date", "date activation", "debut abonnement", "date souscription", "souscription",
                       "begin date", "period start"),
        "end_date": ("end date", "ended", "ended at", "date fin", "fin", "cancellation date", "date resiliation",
                     "resiliation", "churn date", "terminated", "end", "date annulation", "fin abonnement"),
        "amount": ("amount", "price", "montant", "prix", "tarif", "plan amount", "unit amount", "mrr",
                   "montant mensuel", "amount excl", "subscription amount", "recurring amount", "plan price",
                   "prix mensuel", "unit price", "prix unitaire", "plan unit price", "monthly amount", "mrr amount"),
        "interval": ("interval", "billing interval", "frequency", "periodicite", "frequence", "billing period unit",
                     "billing cycle", "cycle", "plan interval", "recurrence", "periode facturation", "billing"),
        "quantity": ("quantity", "qty", "seats", "licences", "licenses", "quantite", "nombre licences", "sieges",
                     "units", "users", "utilisateurs", "plan quantity"),
        "discount": ("discount", "coupon", "remise", "reduction", "discount percent", "percent off", "rabais"),
        "currency": ("currency", "devise", "monnaie", "currency code", "code devise"),
        "plan": ("plan", "offre", "formule", "forfait", "product", "produit", "plan name", "plan id", "plan code",
                 "product handle"),
        "trial_end": ("trial end", "trial ends", "fin essai", "trial end date", "essai jusqu", "trial until",
                      "trial ended"),
        "status": ("status", "statut", "state", "etat"),
    },
    "invoices": {
        "customer_id": _ID,
        "date": ("invoice date", "date", "date facture", "issued", "issue date", "paid at", "date emission",
                 "billed at"),
        "amount": ("amount", "total", "montant", "invoice amount", "montant facture", "charge amount"),
        "service_start": ("service start", "period start", "debut periode", "service period start", "periode debut",
                          "billing period start", "service start date"),
        "service_end": ("service end", "period end", "fin periode", "service period end", "periode fin",
                        "billing period end", "service end date"),
        "interval": ("interval", "billing interval", "periodicite", "frequency", "billing period"),
        "currency": ("currency", "devise", "currency code"),
    },
    "mrr": {
        "customer_id": ("customer id", "client id", "id client", "customer", "client", "account", "compte"),
        "month": ("month", "mois", "period", "periode"),
        "mrr": ("mrr", "monthly recurring revenue", "revenu mensuel", "revenu recurrent mensuel", "arr mensuel"),
    },
    "orders": {
        "customer_id": _ID + ("buyer", "acheteur", "associated company ids", "associated company id"),
        "date": ("order date", "date", "invoice date", "date commande", "purchased at", "purchase date", "invoicedate",
                 "created at", "date achat", "transaction date", "close date", "closed date", "won time", "won date",
                 "date won"),
        "amount": ("amount", "total", "order total", "montant", "revenue", "sales", "line total", "montant commande",
                   "value", "deal value", "valeur"),
        "quantity": ("quantity", "qty", "quantite", "units", "qte"),
        "unit_price": ("unit price", "unitprice", "prix unitaire", "pu", "price", "prix"),
        "order_id": ("order id", "order", "order number", "invoice no", "invoiceno", "invoice number", "commande",
                     "numero commande", "transaction id", "invoice", "id", "opportunity id", "deal id", "record id"),
        "product": ("product", "item", "sku", "description", "stock code", "stockcode", "produit", "article",
                    "designation", "variant name", "variant"),
    },
    "tickets": {
        "ticket_id": ("ticket id", "ticket", "id ticket", "ticket number", "case id", "conversation id",
                      "numero ticket", "case number", "issue id"),
        "customer_id": ("customer id", "client id", "id client", "organization id", "account id", "customer",
                        "requester organization", "company id"),
        "created_at": ("created at", "created", "opened", "date creation", "ouvert le", "opened at", "request date",
                       "submitted at", "date ouverture", "created time", "started at", "conversation started"),
        "resolved_at": ("solved at", "resolved at", "closed at", "resolved", "solved", "closed", "date resolution",
                        "resolu le", "ferme le", "date cloture", "resolution date", "resolved time", "last closed"),
        "first_contact_resolved": ("first contact resolution", "fcr", "one touch", "resolved first contact",
                                   "resolu premier contact", "one touch resolution", "first contact resolved",
                                   "resolved on first contact"),
        "contacts": ("agent replies", "replies", "contacts", "interactions", "touches", "nombre reponses",
                     "number replies", "reponses agent", "message count", "messages", "customer interactions",
                     "customer replies"),
    },
    "events": {
        "user_id": ("user id", "user", "userid", "distinct id", "utilisateur", "id utilisateur", "member id",
                    "anonymous id", "visitor id"),
        "timestamp": ("timestamp", "time", "event time", "datetime", "occurred at", "horodatage", "event date",
                      "date heure", "date", "event timestamp"),
        "customer_id": ("account id", "account", "customer id", "group id", "company id", "organization id",
                        "id compte", "client id", "group"),
        "event": ("event", "event name", "action", "evenement", "activity", "event type", "feature name", "feature"),
    },
    "costs": {
        "month": ("month", "mois", "period", "periode", "date"),
        "amount": ("amount", "cost", "montant", "cout", "spend", "depense", "total", "value", "costs", "couts"),
        "category": ("category", "categorie", "poste", "type", "department", "departement", "line item", "nature",
                     "cost center", "centre cout"),
    },
    "cash": {
        "date": ("date", "date valeur", "value date", "transaction date", "booking date", "date comptable",
                 "ecriture date", "date completed", "completed", "date operation"),
        "balance": ("balance", "solde", "running balance", "solde courant"),
        "amount": ("amount", "montant", "montant total", "signed amount", "transaction amount", "net amount"),
        "debit": ("debit", "debits", "money out", "paid out", "withdrawal", "withdrawals", "sortie", "sorties"),
        "credit": ("credit", "credits", "money in", "paid in", "deposit", "deposits", "entree", "entrees"),
        "account": ("account", "compte", "account name", "bank account", "compte bancaire", "compte num"),
        "category": ("category", "categorie", "categorie tresorerie", "split", "cash category"),
        "label": ("label", "libelle", "description", "memo", "memo description", "counterparty", "nom contrepartie",
                  "contrepartie", "ecriture lib", "payee", "wording", "beneficiary"),
        "currency": ("currency", "devise", "payment currency"),
    },
    "plan": {
        "month": ("month", "mois", "period", "periode"),
        "metric": ("metric", "kpi", "indicateur", "metrique", "indicator", "line item", "poste", "measure"),
        "value": ("value", "valeur", "target", "objectif", "budget", "plan", "planned", "prevu", "forecast"),
    },
    "churn_reasons": {
        "customer_id": _ID,
        "date": ("churn date", "churned at", "churned on", "cancellation date", "cancelled at", "canceled at",
                 "date resiliation", "date", "lost date", "date churn"),
        "reason": ("reason", "reason code", "churn reason", "cancellation reason", "cancel reason", "lost reason",
                   "motif", "raison", "motif resiliation", "raison depart"),
        "comment": ("comment", "comments", "reason detail", "details", "feedback", "verbatim", "commentaire"),
        "refund": ("refund", "refund amount", "refunded", "rembourse", "remboursement", "montant rembourse"),
    },
}
_SURVEY = {
    "score": ("score", "note", "rating", "how likely", "likely recommend", "recommend", "answer", "reponse", "rate"),
    "customer_id": ("customer id", "client id", "id client", "customer", "client", "account id", "company id"),
    "date": ("date", "created at", "submitted at", "response date", "date reponse", "timestamp", "answered at",
             "survey date", "created", "submit date", "submitted", "submission date", "date soumission",
             "response timestamp", "recorded date"),
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
    "churn_reasons": {"date": ("date",)},
}
# Second choices: a match counts SECOND, so the usual name wins when both are there.
SECOND_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "subscriptions": {
        "start_date": ("activated", "activated at", "current period start"),  # after the trial: `started_at` first
        "end_date": ("expires", "expires at", "expired at", "expiration date"),  # Recurly: `canceled_at` is a request
        "interval": ("billing period", "interval unit"),  # Chargebee: `billing_period` is a count, `…_unit` the unit
    },
    "invoices": {"amount": ("subtotal", "amount due", "amount paid", "amount excl")},
    "orders": {"amount": ("subtotal",), "product": ("product name",)},
    "cash": {"date": ("date started", "date operation", "posting date"), "amount": ("total amount",),
             "label": ("name", "reference")},
    "nps": {"date": ("end date", "recorded date", "recorded")},
}
SECOND_SYNONYMS["csat"] = SECOND_SYNONYMS["ces"] = SECOND_SYNONYMS["nps"]
PRE_TAX = ("subtotal", "amount excl", "montant ht", "ht")
# Words that give a survey question away when it is the header itself
QUESTION_WORDS = {
    "score": {"recommend", "recommander", "recommanderiez", "recommanderais", "likely", "probable", "satisfied",
              "satisfait", "satisfaite", "satisfaction", "easy", "facile", "effort", "rate", "noteriez"},
    "comment": {"reason", "raison", "why", "pourquoi", "explain", "expliquer", "improve", "ameliorer", "feedback",
                "tell", "dites", "comment", "commentaire", "suggestion", "suggestions", "better", "mieux"},
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
    "orders": ("order", "orders", "commande", "commandes", "sales", "ventes", "retail"),
    "nps": SURVEY_HINTS["nps"] + ("survey", "enquete"),
    "csat": SURVEY_HINTS["csat"],
    "ces": SURVEY_HINTS["ces"],
    "tickets": ("ticket", "tickets", "support", "helpdesk", "zendesk", "intercom", "freshdesk"),
    "events": ("event", "events", "usage", "product", "tracking", "mixpanel", "segment", "amplitude", "evenements"),
    "costs": ("cost", "costs", "cout", "couts", "depenses", "expenses", "finance", "charges"),
    "cash": ("bank", "banque", "releve", "statement", "tresorerie", "treasury", "cash", "fec",
             "ledger", "grand livre"),
    "plan": ("budget", "plan", "targets", "objectifs", "previsionnel", "forecast"),
    "churn_reasons": ("churn", "churns", "cancellations", "resiliations", "lost"),
}
SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}




@lru_cache(maxsize=65536)
def tokens(text: str) -> tuple[str, ...]:
    """Header words without accents, case, punctuation, units or filler words:
    'Montant HT (€)' → ('montant',); 'Date de début' → ('date', 'debut'); 'mrr_amount' → ('mrr', 'amount')."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # camelCase → camel case
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)  # customerIDNumber → customer ID Number
    text = _CURRENCY_MARKS.sub(" ", text.lower())
    words = re.split(r"[^a-z0-9]+", text)
    return tuple(w for w in words if w and w not in _NOISE)


_OBJECT_PART = re.compile(r"^.*(?::|\s[-–]\s|\.(?=[A-Za-z_]))\s*")


def field_part(header: str) -> tuple[str, ...] | None:
    """The words after an object prefix (`Invoice Item: Charge Amount`, `Deal - Won time`,
    `customers.id`): the field's own name, or None when the header has no such prefix."""
    cut = _OBJECT_PART.sub("", str(header))
    return tokens(cut) if cut != str(header) and tokens(cut) else None


@lru_cache(maxsize=65536)
def _word_match(word: str, wanted: str) -> float:
    if word == wanted:
        return 1.0
    return 0.9 if len(word) > 3 and len(wanted) > 3 and fuzz.ratio(word, wanted) >= 85 else 0.0


def _contained(header_tokens: tuple[str, ...], wanted: tuple[str, ...]) -> float:
    """A synonym found inside a longer header: 0.7 plus up to 0.2 for the share of the header it
    covers, plus 0.03 when it is the header's last words (English puts the head noun last)."""
    n, k = len(header_tokens), len(wanted)
    if k >= n:
        return 0.0
    best = 0.0
    for start in range(n - k + 1):
        window = header_tokens[start:start + k]
        quality = min(_word_match(h, w) for h, w in zip(window, wanted, strict=True))
        if quality:
            score = quality * (0.7 + 0.2 * k / n + (0.03 if start + k == n else 0.0))
            best = max(best, score)
    return best


@lru_cache(maxsize=65536)
def name_score(header_tokens: tuple[str, ...], synonyms: tuple[str, ...]) -> float:
    """0…1: how well a header names a field. 1.0 for an exact synonym; words that rapidfuzz
    rates ≥ 85 alike (typos, plurals) count 0.9 in the Dice coefficient of matched words; a
    synonym inside a longer header (`monthly_amount`) about 0.8."""
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
        matched = sum(max((_word_match(h, w) for h in header_tokens), default=0.0) for w in wanted)
        dice = 2 * matched / (len(wanted) + len(header_tokens))
        whole = fuzz.ratio(joined, " ".join(wanted)) / 100 if len(joined) >= 8 else 0.0
        best = max(best, dice, whole * 0.95 if whole >= 0.9 else 0.0, _contained(header_tokens, wanted))
    return best
