"""Words of the business that ingest recognises in free text: cost categories (English or French).

Used when a sheet is recognised (a wide costs sheet whose columns are categories) and when costs
are grouped for unit economics, so both read "Ventes & marketing" the same way.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

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
