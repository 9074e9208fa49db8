"""Words of the business that ingest recognises in free text: cost categories (English or French).

Used when a sheet is recognised (a wide costs sheet whose columns are categories) and when costs
are grouped for unit economics, so both read "Ventes & marketing" the same way.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from kpi.ingest.headers import name_score, tokens
from kpi.ingest.schema import COST_CATEGORIES

# Checked in this order on the lower-cased, accent-free text: cost of goods first, because its
# labels often name support or sales ("COGS (hébergement, support N1)", "Coût des ventes").
_CATEGORY_PATTERNS: tuple[tuple[str, str], ...] = (
    ("cogs", r"\bcogs\b|\bcost of (goods|sales|revenue|services)\b|\bcouts? des? (ventes|marchandises|revenus)\b"
             r"|\bcout de revient\b|\bhebergement\b|\bhosting\b|\binfra(structure)?s?\b|\bserveurs?\b|\bservers?\b"
             r"|\bcloud\b|\bcout direct|\bdirect costs?\b|\bachats? consommes\b"),
    ("customer_success", r"\bcustomer success\b|\bservice clients?\b|\bsupport\b|\bcs\b|\bsucces client\b"
                         r"|\brelation clients?\b|\bcustomer (care|service|experience)\b|\baccount management\b"
                         r"|\bfidelisation\b|\bretention\b|\bonboarding\b|\bsav\b"),
    ("sales_marketing", r"\bs ?(&|and|et) ?m\b|\bsales\b|\bmarketing\b|\bacquisition\b|\bventes?\b"
                        r"|\bcommercial(e|es|ux)?\b|\bpublicite\b|\badvertising\b|\bads\b|\bgrowth\b"
                        r"|\blead gen(eration)?\b|\bsalons?\b|\bprospection\b|\bbusiness development\b"),
)


def _plain(text: str) -> str:
    """Lower case, accents removed, '&' kept, other punctuation turned into spaces."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("_", " ")
    return " ".join(re.sub(r"[^a-z0-9&]+", " ", folded).split())


def _one_category(text: object) -> str:
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return "other"
    plain = _plain(str(text))
    if plain.replace(" ", "_") in COST_CATEGORIES:
        return plain.replace(" ", "_")
    for category, pattern in _CATEGORY_PATTERNS:
        if re.search(pattern, plain):
            return category
    return "other"


def cost_category(text: pd.Series | str | None) -> pd.Series | str:
    """The schema category of free-text cost labels, English or French.

    sales_marketing  "Ventes & marketing", "Sales and Marketing", "S&M", "Marketing", "Acquisition"
    customer_success "Service client", "Customer Success", "Support", "CS"
    cogs             "COGS (hébergement, support N1)", "Coût des ventes", "Hosting", "Cost of goods sold"
    other            anything else ("Autres", "R&D", "G&A", blank)
    Cost-of-goods wording wins over the others. A Series is mapped once per distinct label.
    """
    if not isinstance(text, pd.Series):
        return _one_category(text)
    labels = text.astype("string")
    distinct = labels.dropna().unique()
    mapping = {label: _one_category(label) for label in distinct}  # a handful of distinct labels
    return labels.map(mapping).fillna("other").astype("string")


# report keys a budget can plan, with what people call them (English and French, accents and case ignored)
PLAN_NAMES: dict[str, tuple[str, ...]] = {
    "mrr": ("mrr", "monthly recurring revenue", "mrr fin de mois", "mrr total", "ending mrr", "mrr end of month",
            "revenu recurrent mensuel", "chiffre d affaires recurrent mensuel", "recurring revenue"),
    "arr": ("arr", "annual recurring revenue", "run rate", "revenu recurrent annuel"),
    "customers": ("customers", "paying customers", "clients", "clients payants", "nombre de clients",
                  "active customers", "clients actifs", "accounts", "comptes clients", "customer count"),
    "new_customers": ("new customers", "nouveaux clients", "new logos", "new accounts", "acquisitions"),
    "new": ("new mrr", "nouveau mrr", "mrr nouveaux clients", "new business mrr", "new business", "mrr new"),
    "net_new_mrr": ("net new mrr", "net new", "mrr net nouveau", "variation du mrr", "net mrr added"),
    "churned_customers": ("churned customers", "clients perdus", "lost customers", "churned logos", "logos perdus",
                          "clients churnes", "desabonnements"),
    "expansion": ("expansion mrr", "mrr expansion", "upsell mrr", "expansion"),
    "churn": ("churned mrr", "churn mrr", "mrr churn", "mrr perdu", "mrr perdu churn", "lost mrr", "mrr churne"),
    "logo_churn_rate": ("logo churn", "logo churn rate", "customer churn", "customer churn rate", "churn rate",
                        "taux de churn", "taux d attrition", "churn clients", "taux de churn clients", "attrition"),
    "nrr_monthly": ("nrr", "net revenue retention", "net retention", "retention nette", "nrr mensuel"),
    "arpa": ("arpa", "arpu", "average revenue per account", "revenu moyen par client", "panier moyen"),
    "cash": ("cash", "cash balance", "cash in bank", "tresorerie", "tresorerie fin de mois", "solde bancaire",
             "cash end of month", "ending cash", "bank balance"),
    "net_burn": ("net burn", "burn", "burn net", "monthly burn", "burn rate", "cash burn", "consommation de tresorerie"),
    "gross_burn": ("gross burn", "burn brut", "decaissements", "cash out", "sorties de tresorerie"),
    "costs": ("costs", "total costs", "expenses", "total expenses", "opex", "charges", "depenses",
              "depenses totales", "total charges", "couts"),
}
PLAN_KEYS = tuple(PLAN_NAMES)
PLAN_KEYS = tuple(PLAN_NAMES)
RECOGNISED = 0.9  # a budget row name reads as a key at this score or above (name_score, 0…1)


def plan_key(name: str) -> str | None:
    """The report key a budget row's name means, or None: an exact name first, then the best one
    that scores at least RECOGNISED (typos and plurals), when no other key scores as well."""
    words = tokens(name)
    if not words:
        return None
    scores = {key: name_score(words, names) for key, names in PLAN_NAMES.items()}
    best = max(scores, key=scores.get)
    ties = [key for key, score in scores.items() if score == scores[best]]
    return best if scores[best] >= RECOGNISED and len(ties) == 1 else None
