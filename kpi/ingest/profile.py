"""What a column's values look like, whatever its header says: dates, money, ids, booleans, 0–10
scores, a few categories, or free text.

Profiles are computed once per sheet on a sample of rows, with the same parsers that later read
the data (`kpi.ingest.parse`), but in one call per kind for all the columns together (each column's
distinct values stacked), so a 40-column export costs a handful of vectorised calls rather than
hundreds. Dates read from bare numbers (Excel serials, Unix time) only count when they fall
between 1990 and 2040: a 12-digit respondent ID is no date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.ingest.parse import blank, parse_amounts, parse_booleans, parse_dates, parse_months

DISTINCT_CAP = 80  # distinct values per column looked at
_YEARS = (1990, 2040)


@dataclass(frozen=True)
class Profile:
    """Shares of a column's sampled non-blank values that read as each kind, and a few numbers."""

    filled: int  # non-blank values in the sample
    distinct: int
    date: float
    month: float
    number: float
    negative: float  # share of numbers below zero
    whole: float  # share of numbers that are whole
    low: float  # smallest and largest number (NaN without numbers)
    high: float
    boolean: float
    words: float  # mean words per value
    structured: float  # share of values that are JSON objects or lists

    @property
    def unique(self) -> float:
        return self.distinct / self.filled if self.filled else 0.0

    def describe(self) -> str:
        """The values in a few words: 'dates', 'money', 'yes/no', '0–10 scores', 'free text'…"""
        if not self.filled:
            return "empty in the rows looked at"
        if self.boolean >= 0.95 and self.distinct <= 3:
            return "yes/no"
        if self.date >= 0.9:
            return "dates"
        if self.number >= 0.9:
            if self.whole >= 0.99 and self.low >= 0 and self.high <= 10 and self.distinct >= 3:
                return f"whole numbers from {self.low:g} to {self.high:g}"
            if self.negative > 0:
                return "signed amounts"
            return "money" if self.whole < 0.99 or self.high >= 100 else "numbers"
        if self.structured >= 0.5:
            return "JSON"
        if self.words >= 3:
            return "free text"
        if self.distinct <= max(12, 0.3 * self.filled):
            return "a few categories"
        return "ids or names" if self.unique >= 0.8 else "text"


def profiles(sample: pd.DataFrame) -> dict[str, Profile]:
    """A profile of every column of the sample."""
    pieces, owners = [], []
    filled: dict[str, int] = {}
    for header in sample.columns:
        column = sample[header]
        values = column[~blank(column).to_numpy()]
        filled[header] = len(values)
        distinct = pd.Series(pd.unique(values.to_numpy(dtype=object)), dtype=object).head(DISTINCT_CAP)
        pieces.append(distinct)
        owners += [header] * len(distinct)
    if not owners:
        return {h: _empty() for h in sample.columns}
    stacked = pd.concat(pieces, ignore_index=True)
    owner = pd.Series(owners)
    numeric = stacked.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                          or (isinstance(v, str) and v.strip().replace(".", "", 1).isdigit()))
    dates = pd.concat([parse_dates(stacked, order).values for order in ("dmy", "mdy")], axis=1)
    years = dates.apply(lambda c: c.dt.year)
    plausible = years.ge(_YEARS[0]) & years.le(_YEARS[1])
    date_ok = dates.notna() & (plausible | ~numeric.to_numpy()[:, None])
    months = parse_months(stacked).values.notna()
    amounts = {sep: parse_amounts(stacked, sep, allow_negative=True).values for sep in (".", ",")}
    booleans = parse_booleans(stacked).values.notna()
    text = stacked.astype("string").str.strip()
    words = text.str.count(r"\s+").fillna(0) + 1
    structured = text.str.match(r"^[\[{]").fillna(False)
    out: dict[str, Profile] = {}
    frame = pd.DataFrame({"owner": owner, "dmy": date_ok.iloc[:, 0], "mdy": date_ok.iloc[:, 1], "month": months,
                          "boolean": booleans, "words": words, "structured": structured})
    for sep, values in amounts.items():
        frame[f"n{sep}"] = values.notna()
    grouped = frame.groupby("owner", sort=False).mean(numeric_only=True)
    for header in sample.columns:
        if header not in grouped.index:
            out[header] = _empty()
            continue
        row = grouped.loc[header]
        sep = "." if row["n."] >= row["n,"] else ","
        numbers = amounts[sep][(owner == header).to_numpy()].dropna()
        out[header] = Profile(
            filled=filled[header], distinct=int((owner == header).sum()),
            date=float(max(row["dmy"], row["mdy"])), month=float(row["month"]), number=float(row[f"n{sep}"]),
            negative=float((numbers < 0).mean()) if len(numbers) else 0.0,
            whole=float((numbers == numbers.round()).mean()) if len(numbers) else 0.0,
            low=float(numbers.min()) if len(numbers) else float("nan"),
            high=float(numbers.max()) if len(numbers) else float("nan"),
            boolean=float(row["boolean"]), words=float(row["words"]), structured=float(row["structured"]),
        )
    return out


def _empty() -> Profile:
    nan = float("nan")
    return Profile(0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, nan, nan, 0.0, 0.0, 0.0)
