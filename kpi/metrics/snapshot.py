"""Customer lists without dates (docs/definitions.md): the point-in-time KPIs of a snapshot.

A CRM export or a churn study gives one row per customer with the current monthly amount (`mrr`)
and a churn flag (`churned`: yes / no) or a `status` (active, churned, cancelled…), but no date:
there is no month-by-month MRR, so no monthly churn rate, no movements and no cohorts. What such a
list does tell is the state it was taken in: who pays, how much, and who has left — overall and
by any attribute of the list (segment, plan, contract…).

Grain of the input: one row per customer (the customers table); a customer listed twice counts
once, with its last row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from kpi.metrics.revenue import NON_PAYING_STATUSES

# statuses that say the customer has left, written lower case, accent-free, spaces for `_` and `-`
CHURNED_STATUSES = frozenset({
    "churned", "churn", "canceled", "cancelled", "cancel", "ended", "expired", "terminated", "inactive",
    "deleted", "lost", "closed lost", "former", "former customer", "ex customer", "past customer", "left",
    "resilie", "annule", "termine", "expire", "perdu", "parti", "ancien client", "ex client", "inactif",
})
STATUSES = ("active", "churned", "not paying")  # every customer gets exactly one, in this order of checks
SNAPSHOT_COLUMNS = ["listed", "customers", "mrr", "arpa", "churned", "churned_share", "churned_mrr_share"]
BLANK = "(blank)"
_NOT_ATTRIBUTES = {"customer_id", "name", "signup_date", "mrr", "status", "churned"}


@dataclass(frozen=True)
class Snapshot:
    """The §13 KPIs of one customer list (see `snapshot`)."""

    listed: int  # customers in the list
    customers: int  # active: not churned, mrr > 0
    mrr: float  # the active customers' mrr
    arpa: float | None
    churned: int
    churned_share: float | None
    churned_mrr_share: float | None

    def to_json(self) -> dict:
        return {"customers": self.customers, "mrr": self.mrr, "arpa": self.arpa, "churned": self.churned,
                "churned_share": self.churned_share, "churned_mrr_share": self.churned_mrr_share}


def applies(customers: pd.DataFrame | None) -> bool:
    """True when a customers table is a snapshot list: it has an `mrr` column with a value and a
    `churned` flag or a `status` with a value."""
    if customers is None or customers.empty or "mrr" not in customers or customers["mrr"].isna().all():
        return False
    return any(column in customers and customers[column].notna().any() for column in ("churned", "status"))


def _plain_status(status: pd.Series) -> pd.Series:
    """Lower case, accents removed, `_`, `-` and apostrophes read as spaces ("Closed-Lost" → "closed lost")."""
    distinct = status.dropna().astype(str).unique()
    plain = {}
    for text in distinct:  # once per distinct status: a list has a handful
        folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        plain[text] = " ".join(re.sub(r"[\s_'’-]+", " ", folded).split())
    return status.astype("string").map(plain).astype("string")


def customer_status(customers: pd.DataFrame) -> pd.Series:
    """Each customer's state, first match wins, every row gets one (STATUSES):

    churned     `churned` is yes, or (no `churned` value) the `status` is a churned word
                (churned, cancelled, lost, inactive, résilié… CHURNED_STATUSES)
    active      not churned and mrr > 0 (a trial status — trialing, essai — is never active)
    not paying  the rest: mrr 0 or blank, or in trial

    Columns in: `mrr`, and `churned` (boolean) and/or `status` (text). Returns a string Series on
    the same index."""
    index = customers.index
    churned = pd.Series(pd.NA, index=index, dtype="boolean")
    if "churned" in customers:
        churned = customers["churned"].astype("boolean")
    status = _plain_status(customers["status"]) if "status" in customers else pd.Series(pd.NA, index=index,
                                                                                     dtype="string")
    by_status = status.isin(CHURNED_STATUSES).astype("boolean").mask(status.isna())
    is_churned = churned.fillna(by_status).fillna(False).to_numpy(dtype=bool)
    trial = status.isin(NON_PAYING_STATUSES).fillna(False).to_numpy(dtype=bool)
    paying = (customers["mrr"].fillna(0.0).to_numpy(dtype=float) > 0) & ~trial
    state = pd.Series(STATUSES[2], index=index, dtype="string")
    state[paying] = STATUSES[0]
    state[is_churned] = STATUSES[1]
    return state


def _one_row_per_customer(customers: pd.DataFrame) -> pd.DataFrame:
    return customers.drop_duplicates("customer_id", keep="last") if "customer_id" in customers else customers


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def snapshot(customers: pd.DataFrame) -> Snapshot:
    """The point-in-time KPIs of a customer list (§13).

    customers          = count of active customers (not churned, mrr > 0)
    mrr                = Σ mrr of the active customers
    arpa               = mrr ÷ customers (None when no one is active)
    churned            = count of churned customers
    churned_share      = churned ÷ all customers in the list
    churned_mrr_share  = Σ mrr of the churned ÷ Σ mrr of everyone listed (None when that is 0)

    Columns in: customer_id, mrr, churned and/or status (see `customer_status`)."""
    row = snapshot_by(customers, None).iloc[0]
    return Snapshot(int(row["listed"]), int(row["customers"]), float(row["mrr"]), _none(row["arpa"]),
                    int(row["churned"]), _none(row["churned_share"]), _none(row["churned_mrr_share"]))


def _none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def snapshot_by(customers: pd.DataFrame, attribute: str | None) -> pd.DataFrame:
    """The `snapshot` KPIs per value of one attribute of the list (a blank value is "(blank)");
    `attribute=None` gives one row, "all".

    Returns one row per value, largest list first, with SNAPSHOT_COLUMNS: listed (customers in the
    list with that value), customers (active), mrr, arpa, churned, churned_share, churned_mrr_share."""
    listed = _one_row_per_customer(customers)
    state = customer_status(listed)
    mrr = listed["mrr"].fillna(0.0).astype(float)
    if attribute is None:
        group = pd.Series("all", index=listed.index, dtype="string")
    else:
        group = listed[attribute].astype("string").str.strip().replace("", pd.NA).fillna(BLANK)
    active, churned = state.eq(STATUSES[0]), state.eq(STATUSES[1])
    parts = pd.DataFrame({
        "group": group.to_numpy(), "listed": 1, "customers": active.to_numpy(dtype=int),
        "mrr": mrr.where(active, 0.0).to_numpy(), "churned": churned.to_numpy(dtype=int),
        "churned_mrr": mrr.where(churned, 0.0).to_numpy(), "all_mrr": mrr.to_numpy(),
    })
    out = parts.groupby("group", sort=False).sum()
    out["arpa"] = out["mrr"] / out["customers"].where(out["customers"] > 0)
    out["churned_share"] = out["churned"] / out["listed"]
    out["churned_mrr_share"] = out["churned_mrr"] / out["all_mrr"].where(out["all_mrr"] > 0)
    out = out.sort_values(["listed", "mrr"], ascending=False, kind="stable")
    out.index = out.index.rename(attribute or "group")
    return out[SNAPSHOT_COLUMNS]


def attributes(customers: pd.DataFrame, max_values: int = 60) -> list[str]:
    """Columns of a customer list worth a breakdown: any column but the id, name, signup date,
    mrr and status, with 2 to `max_values` distinct values, and fewer distinct values than half
    the list (so amounts and ids — one value per customer — are left out)."""
    listed = _one_row_per_customer(customers)
    limit = min(max_values, max(2, len(listed) // 2))
    out = []
    for column in listed.columns:
        if column in _NOT_ATTRIBUTES:
            continue
        distinct = listed[column].dropna().astype(str).str.strip().replace("", pd.NA).dropna().nunique()
        if 2 <= distinct <= limit:
            out.append(column)
    return out
