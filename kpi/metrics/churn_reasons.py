"""Why customers left (docs/definitions.md): churned customers and churned MRR by reason.

The churns come from the customer × month MRR matrix (a churn movement: MRR p > 0 last month,
0 this month, amount p); the reasons from the `churn_reasons` table (cancellation surveys, churn
events, a CRM's lost reason: customer_id, date, reason). The reason of a customer's churn in month
M is the reason of that customer's latest `churn_reasons` row dated from the first day of M−1 to
the last day of M+1 — a cancellation is often recorded a little before or after the MRR stops —
and "unknown" when there is none. Reasons are grouped case- and accent-insensitively and shown as
most often written.

`reason_context` adds what founders ask next: each churned customer's latest NPS answer and the
tickets of its last 90 days, so a reason can be read with the voices and the troubles behind it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.metrics.surveys import nps_category

UNKNOWN = "unknown"
WINDOW_MONTHS = 12
TICKET_DAYS = 90
CHURN_COLUMNS = ["customer_id", "month", "mrr", "reason"]
REASON_COLUMNS = ["customers", "mrr", "share"]


@dataclass(frozen=True)
class ChurnReasons:
    """Churned customers and MRR per reason over the 12 months to `as_of`."""

    as_of: pd.Period
    by_reason: pd.DataFrame  # index reason; REASON_COLUMNS; largest churned MRR first, "unknown" last
    churns: pd.DataFrame  # one row per churn: CHURN_COLUMNS (month a pd.Period)

    def to_json(self) -> dict:
        return {str(reason): {"customers": int(row.customers), "mrr": float(row.mrr),
                              "share": None if pd.isna(row.share) else float(row.share)}
                for reason, row in self.by_reason.iterrows()}


def reason_key(reasons: pd.Series) -> pd.Series:
    """The grouping key of free-text reasons: trimmed, lower case, accents removed, inner spaces
    collapsed ("Trop cher ", "trop CHER" and "Tröp cher" share one key)."""
    text = reasons.astype("string")
    distinct = text.dropna().unique()
    keys = {}
    for value in distinct:  # once per distinct reason: a survey has a handful
        folded = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().casefold()
        keys[value] = " ".join(folded.split())
    return text.map(keys).astype("string")


def churns(mrr: pd.DataFrame, as_of: pd.Period, months: int = WINDOW_MONTHS) -> pd.DataFrame:
    """Every churn movement of the `months` months to `as_of`: customer_id, month, mrr (the MRR the
    customer had the month before, i.e. the churn amount). A churn is p > 0 last month and 0 this
    month (as in `kpi.metrics.revenue.movements`); the matrix's first month has none."""
    columns = mrr.columns[mrr.columns <= as_of]
    if len(columns) < 2:
        return pd.DataFrame({"customer_id": pd.Series(dtype="string"), "month": pd.PeriodIndex([], freq="M"),
                             "mrr": pd.Series(dtype=float)})
    values = mrr[columns].to_numpy(dtype=float)
    previous, current = values[:, :-1], values[:, 1:]
    churned = (previous > 0) & (current == 0)
    first = max(0, len(columns) - 1 - months)  # keep the churns of the last `months` months only
    churned[:, :first] = False
    rows, cols = np.nonzero(churned)
    return pd.DataFrame({
        "customer_id": pd.array(mrr.index.to_numpy()[rows].astype(str), dtype="string"),
        "month": pd.PeriodIndex(columns[1:][cols], freq="M"),
        "mrr": previous[rows, cols],
    }).sort_values(["month", "customer_id"], kind="stable").reset_index(drop=True)


def assign_reasons(churn_rows: pd.DataFrame, reasons: pd.DataFrame) -> pd.DataFrame:
    """Each churn with its reason: the reason of the customer's latest `reasons` row dated from the
    first day of M−1 to the last day of M+1 (M the churn month), else "unknown"; grouped reasons are
    written as most often written (ties: first seen).

    Columns in: churns (customer_id, month, mrr), reasons (customer_id, date, reason). Out:
    CHURN_COLUMNS plus `reason_date` (NaT for "unknown")."""
    rows = reasons.loc[reasons["reason"].notna() & reasons["date"].notna(), ["customer_id", "date", "reason"]]
    rows = rows.assign(customer_id=rows["customer_id"].astype("string"), key=reason_key(rows["reason"]),
                       order=np.arange(len(rows)))
    rows = rows[rows["key"].str.len() > 0]
    label = _labels(rows)
    events = churn_rows.assign(event=np.arange(len(churn_rows)))
    pairs = events.merge(rows, on="customer_id", how="inner")
    start = (pairs["month"] - 1).dt.start_time
    end = (pairs["month"] + 2).dt.start_time  # exclusive: the day after the last day of M+1
    day = pairs["date"].dt.normalize()
    pairs = pairs[(day >= start) & (day < end)]
    latest = pairs.sort_values(["date", "order"], kind="stable").drop_duplicates("event", keep="last")
    chosen = latest.set_index("event")
    out = churn_rows.copy()
    out["reason"] = pd.Series(chosen["key"].map(label), dtype="string").reindex(events["event"]).fillna(
        UNKNOWN).to_numpy()
    out["reason_date"] = chosen["date"].reindex(events["event"]).to_numpy()
    return out


def _labels(rows: pd.DataFrame) -> pd.Series:
    """key → the most frequent written form of the reason (stripped), first seen on a tie."""
    if rows.empty:
        return pd.Series(dtype="string")
    written = rows.assign(text=rows["reason"].astype("string").str.strip().str.replace(r"\s+", " ", regex=True))
    counts = written.groupby(["key", "text"], sort=False).agg(n=("order", "size"), first=("order", "min"))
    counts = counts.reset_index().sort_values(["n", "first"], ascending=[False, True], kind="stable")
    return counts.drop_duplicates("key").set_index("key")["text"]


def churn_reasons(mrr: pd.DataFrame, reasons: pd.DataFrame, as_of: pd.Period,
                  months: int = WINDOW_MONTHS) -> ChurnReasons:
    """Per reason, over the `months` months to `as_of` (§12):

    customers = churns with that reason (a customer who churned twice in the window counts twice,
                as in the monthly series' churned customers)
    mrr       = Σ churn amounts (the MRR each had the month before churning)
    share     = mrr ÷ Σ churned MRR of all reasons (None when nothing churned)

    Columns in: the MRR matrix (customer × month), reasons (customer_id, date, reason)."""
    assigned = assign_reasons(churns(mrr, as_of, months), reasons)
    grouped = assigned.groupby("reason", sort=False).agg(customers=("customer_id", "size"), mrr=("mrr", "sum"))
    total = float(grouped["mrr"].sum())
    grouped["share"] = grouped["mrr"] / total if total > 0 else np.nan
    grouped = grouped.assign(last=grouped.index == UNKNOWN).sort_values(
        ["last", "mrr", "customers"], ascending=[True, False, False], kind="stable")
    by_reason = grouped[REASON_COLUMNS].rename_axis("reason")
    return ChurnReasons(as_of, by_reason, assigned[[*CHURN_COLUMNS, "reason_date"]])


def reason_context(churned: pd.DataFrame, nps: pd.DataFrame | None = None,
                   tickets: pd.DataFrame | None = None, days: int = TICKET_DAYS) -> pd.DataFrame:
    """Each churn (the `churns` of `churn_reasons`) with the customer's latest NPS answer and
    the tickets of its last `days` days before leaving.

    latest_nps  the score of the customer's latest NPS answer dated up to the last day of the churn
                month (undated answers: the last one listed); NaN without any
    tickets     tickets created on or after (first day of M+1) − `days` days and before M+1
                (the `days` days ending with the churn month M, as the survey window)

    Columns in: nps (customer_id, score, date), tickets (customer_id, created_at). Out: the churn
    columns plus latest_nps and tickets."""
    out = churned.reset_index(drop=True).assign(latest_nps=np.nan, tickets=0)
    if out.empty:
        return out
    event = pd.Series(np.arange(len(out)), name="event")
    base = out[["customer_id", "month"]].assign(event=event, customer_id=out["customer_id"].astype("string"))
    end = (base["month"] + 1).dt.start_time
    if nps is not None and "customer_id" in nps and not nps.empty:
        answers = nps.loc[nps["customer_id"].notna() & nps["score"].notna()]
        answers = answers.assign(customer_id=answers["customer_id"].astype("string"), order=np.arange(len(answers)))
        if "date" not in answers:
            answers = answers.assign(date=pd.NaT)
        pairs = base.assign(end=end).merge(answers[["customer_id", "score", "date", "order"]], on="customer_id")
        pairs = pairs[pairs["date"].isna() | (pairs["date"] < pairs["end"])]
        latest = pairs.sort_values(["date", "order"], na_position="first", kind="stable").drop_duplicates(
            "event", keep="last")
        out["latest_nps"] = latest.set_index("event")["score"].reindex(event).to_numpy(dtype=float)
    if tickets is not None and {"customer_id", "created_at"} <= set(tickets.columns) and not tickets.empty:
        created = tickets.loc[tickets["customer_id"].notna() & tickets["created_at"].notna(),
                              ["customer_id", "created_at"]]
        created = created.assign(customer_id=created["customer_id"].astype("string"))
        pairs = base.assign(end=end, start=end - pd.Timedelta(days=days)).merge(created, on="customer_id")
        day = pairs["created_at"].dt.normalize()
        inside = pairs[(day >= pairs["start"]) & (day < pairs["end"])]
        out["tickets"] = inside.groupby("event").size().reindex(event, fill_value=0).to_numpy(dtype=int)
    return out


def context_by_reason(context: pd.DataFrame) -> pd.DataFrame:
    """Per reason (rows of `reason_context`): answered (churns with a latest NPS answer), nps
    (100 × (promoters − detractors) ÷ answered, of those latest answers; NaN when none), tickets
    (Σ tickets of their last 90 days) and tickets_per_customer (tickets ÷ churns)."""
    if context.empty:
        return pd.DataFrame(columns=["answered", "nps", "tickets", "tickets_per_customer"],
                            index=pd.Index([], name="reason"))
    category = nps_category(context["latest_nps"])  # no answer: no category
    scored = context.assign(answered=context["latest_nps"].notna().astype(int),
                            promoter=(category == "promoter").astype(int),
                            detractor=(category == "detractor").astype(int), churns=1)
    grouped = scored.groupby("reason", sort=False)[["answered", "promoter", "detractor", "tickets", "churns"]].sum()
    grouped["nps"] = 100 * (grouped["promoter"] - grouped["detractor"]) / grouped["answered"].where(
        grouped["answered"] > 0)
    grouped["tickets_per_customer"] = grouped["tickets"] / grouped["churns"]
    return grouped[["answered", "nps", "tickets", "tickets_per_customer"]]
