"""Successive rows or concurrent subscriptions: how a customer's several subscription rows are read.

By default (docs/definitions.md) several rows of one customer in one month add up: a customer
with two products pays both. Some exports write a plan change as a new row and leave the old one
open (no end date, or an end date after the new row's start): added up, that customer would pay
both plans. `overlaps` counts how often a customer's rows overlap — a row starts before an earlier
row of the same customer has ended (end dates exclusive, blank = still running) — and
`overlap_warning` says so, with the counts, when most customers with several rows do.
`newer_rows_replace_older` is the other reading (the `subscription_rows = "replace"` setting): a
customer's newer row replaces the older one from its start date.

Grain of the input: one row per subscription row as written (customer_id, start_date, end_date).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ROW_READINGS = ("add", "replace")  # the values of the `subscription_rows` setting


@dataclass(frozen=True)
class Overlaps:
    """How a subscriptions table's rows sit next to each other, per customer."""

    customers: int  # customers with at least one row
    several: int  # customers with two rows or more
    overlapping: int  # customers with a row that starts before an earlier row of theirs ended
    rows: int  # rows that start before an earlier row of the same customer ended

    @property
    def mostly(self) -> bool:
        """Most customers with several rows have overlapping rows (more than half of them)."""
        return self.overlapping > 0 and 2 * self.overlapping > self.several


def _ordered(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """customer_id, start, end (NaT = open) in start order per customer; same start: file order."""
    frame = pd.DataFrame({
        "customer_id": subscriptions["customer_id"].astype("string").to_numpy(),
        "start": subscriptions["start_date"].to_numpy(),
        "end": subscriptions["end_date"].to_numpy() if "end_date" in subscriptions
        else np.full(len(subscriptions), np.datetime64("NaT", "ns")),
        "position": np.arange(len(subscriptions)),
    })
    frame = frame[frame["customer_id"].notna() & frame["start"].notna()]
    return frame.sort_values(["customer_id", "start", "position"], kind="stable")


def overlaps(subscriptions: pd.DataFrame) -> Overlaps:
    """Rows that overlap an earlier row of the same customer.

    In start order per customer, a row overlaps when its start < the latest end of the customer's
    earlier rows (a blank end is +∞; a row starting on the day another ends does not overlap).
    Columns in: customer_id, start_date, end_date (optional).

    Vectorised, no groupby: the rows sorted by (customer, start, file order) once, by Arrow (a
    stable sort of the ids as text: 4× faster than hashing them into codes and sorting those); a
    customer's rows are then a run of equal ids, numbered in order. Each end is replaced by its rank
    among the distinct ends, plus the customer's number × the number of ranks, so one running
    maximum over the whole column never carries a customer's end into the next customer; the
    latest earlier end of a row is that maximum one row up, within its customer."""
    ids = pa.array(subscriptions["customer_id"].astype("string").array)
    starts = _as_nanoseconds(subscriptions["start_date"])
    kept = ids.is_valid().to_numpy(zero_copy_only=False) & (starts != _NAT)
    if not kept.any():
        return Overlaps(0, 0, 0, 0)
    ids, starts = ids.filter(pa.array(kept)), starts[kept]
    ends = (_as_nanoseconds(subscriptions["end_date"])[kept] if "end_date" in subscriptions
            else np.full(len(starts), _NAT))
    ends = np.where(ends == _NAT, np.iinfo(np.int64).max, ends)  # a blank end: still running
    order = pc.sort_indices(pa.table({"id": ids, "start": starts}),  # stable: the same start keeps file order
                            sort_keys=[("id", "ascending"), ("start", "ascending")]).to_numpy()
    ids, starts, ends = ids.take(order), starts[order], ends[order]
    same = np.zeros(len(starts), dtype=bool)  # the same customer as the row above
    same[1:] = pc.equal(ids[1:], ids[:-1]).to_numpy(zero_copy_only=False)
    codes = np.cumsum(~same) - 1  # each customer's number, 0, 1, … in sorted order
    distinct, rank = np.unique(ends, return_inverse=True)
    running = np.maximum.accumulate(codes.astype(np.int64) * len(distinct) + rank.reshape(-1))
    earlier = distinct[running[:-1] % len(distinct)]  # latest end of the rows above, same customer or not
    overlapping = np.zeros(len(codes), dtype=bool)
    overlapping[1:] = (codes[1:] == codes[:-1]) & (starts[1:] < earlier)
    sizes = np.bincount(codes)
    sizes = sizes[sizes > 0]
    return Overlaps(customers=int(sizes.size), several=int((sizes > 1).sum()),
                    overlapping=int(np.unique(codes[overlapping]).size), rows=int(overlapping.sum()))


_NAT = np.iinfo(np.int64).min  # NaT as nanoseconds since 1970


def _as_nanoseconds(dates: pd.Series) -> np.ndarray:
    """Dates as int64 nanoseconds since 1970 (NaT is the int64 minimum)."""
    return dates.astype("datetime64[ns]").to_numpy().astype(np.int64)


def overlap_warning(subscriptions: pd.DataFrame) -> str | None:
    """What Map columns and Data quality say when most customers' rows overlap (else None)."""
    found = overlaps(subscriptions)
    if not found.mostly:
        return None
    return (f"{found.overlapping} of the {found.several} customers with several subscription rows have rows that "
            f"overlap ({found.rows} row(s) start before an earlier row of the same customer ends): plan changes "
            "written as new rows? By default a customer's rows add up (two products, two amounts); if each new "
            "row replaces the one before, choose \"A customer's newer row replaces the older one\" on "
            "Definitions & settings")


def newer_rows_replace_older(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """The subscriptions with each row ended where the customer's next row starts.

    In start order per customer (same start: file order, the later row is the newer), a row's
    end_date becomes min(its end_date, the next row's start_date); a blank end counts as never.
    A row replaced on the day it starts counts in no month. Other columns are unchanged."""
    ordered = _ordered(subscriptions)
    following = ordered.groupby("customer_id")["start"].shift(-1)
    cut = following.notna() & (ordered["end"].isna() | (following < ordered["end"]))
    ends = (subscriptions["end_date"].copy() if "end_date" in subscriptions
            else pd.Series(pd.NaT, index=subscriptions.index, dtype=subscriptions["start_date"].dtype))
    positions = ordered.loc[cut, "position"].to_numpy()
    values = ends.to_numpy().copy()
    values[positions] = following[cut].to_numpy().astype(values.dtype)
    return subscriptions.assign(end_date=pd.Series(values, index=subscriptions.index))
