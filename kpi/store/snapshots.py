"""Restatements: what changed in a reported month, value by value.

A reported month keeps the JSON report frozen when it was marked; comparing it with today's
report of the same month lists every number that moved.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kpi.store.model import Change

if TYPE_CHECKING:
    pass



# ── Restatements: what changed in a reported month ─────────────────────────────────────────

RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12  # float noise around zero (a rate computed as a difference)


def report_differences(reported: dict, now: dict, *, ignore: tuple[str, ...] = ("data_quality",)) -> list[Change]:
    """Every value of the JSON report that differs between `reported` and `now`.

    Nested sections are walked down to their numbers; list items that carry a "month" (the
    `series`) are matched by month, other lists by position. Numbers are equal within a
    relative tolerance of 1e-9 (and 1e-12 around zero); a value present on one side only
    counts as None on the other. Top-level sections in `ignore` (the data quality report is not
    a KPI) are skipped."""
    before = _leaves({k: v for k, v in reported.items() if k not in ignore})
    after = _leaves({k: v for k, v in now.items() if k not in ignore})
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if _is_number(old) and _is_number(new):
            if math.isclose(old, new, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE) or (
                    math.isnan(old) and math.isnan(new)):
                continue
            changes.append(Change(key, old, new, new - old))
        elif old != new or type(old) is not type(new):  # True == 1 in Python, not in a report
            changes.append(Change(key, old, new, None))
    return changes


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _leaves(value: object, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_leaves(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        by_month = bool(value) and all(isinstance(item, dict) and isinstance(item.get("month"), str)
                                       for item in value)
        out = {}
        for position, item in enumerate(value):
            if by_month:
                out.update(_leaves({k: v for k, v in item.items() if k != "month"}, f"{path}[{item['month']}]"))
            else:
                out.update(_leaves(item, f"{path}[{position}]"))
        return out
    return {path: value}
