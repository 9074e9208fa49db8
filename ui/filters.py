"""The segment filter in force, said on every page that a filter changes.

`in_force(current, report)` is the caption's tail (" · filtered: segment: SMB"); `allocation`
says how company-wide costs were charged to the segment (kpi.metrics.allocation), where costs
matter (Overview's LTV:CAC, Unit economics).
"""

from __future__ import annotations

import streamlit as st

from kpi.report.build import Report
from kpi.text import escape_markdown
from ui.choices import State


def in_force(current: State) -> str:
    """' · filtered: segment: SMB, Mid-market' (markdown-escaped), '' without a filter."""
    return f" · filtered: {escape_markdown(current.filter_text())}" if current.filters else ""


def allocation_note(report: Report) -> str | None:
    """'Filtered: company-wide costs allocated to the segment by its share of MRR (October 2026:
    62.5 %). Change the rule on Definitions & settings.'; None without a filter."""
    if report.allocation is None:
        return None
    return (f"Segment filter: {report.allocation.text(report.as_of)}. Change the rule on Definitions & "
            "settings.")


def show_allocation(report: Report) -> None:
    """The allocation note as an info box (nothing without a filter)."""
    note = allocation_note(report)
    if note:
        st.info(escape_markdown(note), icon=":material/filter_alt:")
