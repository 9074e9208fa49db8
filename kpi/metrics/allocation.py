"""Company-wide costs under a segment filter: allocated to the segment by a visible rule, or left out.

A costs table has no customer: sales & marketing, customer success and COGS are the company's.
Charging all of them to one segment (what a plain filter does) makes its CAC, LTV:CAC, payback,
CRC and gross margin wrong. The `cost_allocation` setting says what to do instead:

- "mrr_share" (default): every cost of month M × the segment's share of the company's MRR in M;
  the segment's gross margin is then the company's (COGS follow revenue);
- "new_customers_share": sales & marketing of M × the segment's share of the company's new
  customers in M (the other categories by MRR share; a month without new customers by MRR share);
- "none": no cost is charged to the segment; the unit economics that need costs are n/a, with
  the reason.
A month in which the company has no MRR charges the segment nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.metrics.economics import cost_category

RULES = ("mrr_share", "new_customers_share", "none")
RULE_TEXT = {
    "mrr_share": "company-wide costs allocated to the segment by its share of MRR",
    "new_customers_share": "sales & marketing costs allocated by the segment's share of new customers, the other "
                           "costs by its share of MRR",
    "none": "company-wide costs are not charged to a segment: CAC, LTV:CAC, payback, CRC and the COGS gross "
            "margin are n/a",
}


@dataclass(frozen=True)
class Allocation:
    """How a segment's costs were made: the rule and the segment's shares per month."""

    rule: str
    shares: pd.DataFrame  # index month (Period M); columns mrr_share, new_customers_share (NaN: undefined)

    def text(self, month: pd.Period | None = None) -> str:
        """'company-wide costs allocated to the segment by its share of MRR (October 2026: 31.2 %)'."""
        sentence = RULE_TEXT[self.rule]
        if self.rule == "none" or month is None or month not in self.shares.index:
            return sentence
        share = self.shares.at[month, "mrr_share"]
        return sentence if pd.isna(share) else f"{sentence} ({month.strftime('%B %Y')}: {share:.1%})"


def shares(segment: pd.DataFrame, company: pd.DataFrame) -> pd.DataFrame:
    """Per month of the company's movements: mrr_share = segment MRR ÷ company MRR and
    new_customers_share = segment new customers ÷ company new customers (NaN when the company's
    is 0). In: two `kpi.metrics.revenue.movements` frames (the segment's and the company's)."""
    own = segment.reindex(company.index).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mrr = own["mrr"] / company["mrr"].where(company["mrr"] > 0)
        new = own["new_customers"] / company["new_customers"].where(company["new_customers"] > 0)
    return pd.DataFrame({"mrr_share": mrr.astype(float), "new_customers_share": new.astype(float)}, index=company.index)


def allocate(costs: pd.DataFrame, segment: pd.DataFrame, company: pd.DataFrame,
             rule: str) -> tuple[pd.DataFrame | None, Allocation]:
    """The segment's costs under `rule` (same columns as `costs`, amounts scaled row by row;
    None under "none") and the Allocation that says how. In: the costs table (month, amount,
    category) and the segment's and company's monthly movements."""
    if rule not in RULES:
        raise ValueError(f"cost allocation must be one of {', '.join(RULES)}, not {rule!r}")
    table = shares(segment, company)
    allocation = Allocation(rule, table)
    if rule == "none":
        return None, allocation
    month = costs["month"].dt.to_period("M")
    mrr_share = month.map(table["mrr_share"]).astype(float).fillna(0.0)
    share = mrr_share
    if rule == "new_customers_share":
        new_share = month.map(table["new_customers_share"]).astype(float)
        selling = cost_category(costs["category"]) == "sales_marketing" if "category" in costs else False
        share = new_share.where(selling & new_share.notna(), mrr_share)
    out = costs.copy()
    out["amount"] = costs["amount"].astype(float) * share.to_numpy()
    return out, allocation
