"""Views of the investor update that the exports share: the customers behind the period's
movements, the NPS breakdown by segment with its verdict, and the recent cohorts table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kpi.errors import InputError
from kpi.metrics import revenue, surveys
from kpi.report.build import Report, customer_names
from kpi.report.update import GAINS, LOSSES, InvestorUpdate, french_spaces
from kpi.text import clean_text


def period_movements(update: InvestorUpdate, report: Report) -> pd.DataFrame:
    """The customers behind the period's movements: month, customer_id, name, movement, previous,
    current, amount (positive) and change (signed), largest first within month and movement."""
    columns = ["month", "customer_id", "name", "movement", "previous", "current", "amount", "change"]
    if report.revenue is None:
        return pd.DataFrame(columns=columns)
    details = revenue.movement_details(report.revenue.mrr, pd.PeriodIndex(update.months, freq="M"))
    names = customer_names(report.tables) if report.tables is not None else pd.Series(dtype=object)
    details = details.assign(
        name=[clean_text(names.get(c)).strip() if c in names.index else "" for c in details["customer_id"]],
        change=details["current"] - details["previous"],
    )
    order = {name: i for i, name in enumerate(GAINS + LOSSES)}
    details = details.assign(_rank=details["movement"].map(order))
    details = details.sort_values(["month", "_rank", "amount"], ascending=[True, True, False], kind="mergesort")
    return details[columns].reset_index(drop=True)


@dataclass(frozen=True)
class NpsBreakdown:
    """NPS per segment at the as-of month (same responses and window as the headline NPS)."""

    by: str
    table: pd.DataFrame  # index segment; n, promoters, passives, detractors, score, ci_low, ci_high
    test: surveys.SegmentTest | None


def nps_breakdown(report: Report, by: str = "segment") -> NpsBreakdown | None:
    """NPS by `by` (a column of the responses, else of the customers table); None without NPS
    responses or without that attribute."""
    if report.nps is None or report.tables is None:
        return None
    responses = report.tables.get("nps")
    customers = report.tables.get("customers")
    options = {"customers": customers, "as_of": report.as_of, "window": report.settings.survey_window,
               "rule": report.settings.nps_rule}
    try:
        table = surveys.nps_by_segment(responses, by, **options)
        test = surveys.segment_test(responses, by, **options)
    except InputError:
        return None
    table = table[table["n"] > 0]
    if table.empty:
        return None
    return NpsBreakdown(by, table, test)


def segment_verdict(breakdown: NpsBreakdown, language: str) -> str:
    """Whether segments answer differently (chi-square), in the update's language."""
    test = breakdown.test
    if test is None or test.p_value is None:
        return ("Not enough segments or answers to test a difference." if language == "en"
                else "Pas assez de segments ou de réponses pour tester une différence.")
    p = test.p_value
    p_text = ("p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}")
    if language == "fr":
        p_text = p_text.replace(".", ",")
    if test.significant:
        text = (f"Segments differ significantly ({p_text}, chi-square test)." if language == "en"
                else f"Les segments diffèrent significativement ({p_text}, test du khi-deux).")
    else:
        text = (f"No significant difference between segments ({p_text}, chi-square test)." if language == "en"
                else f"Pas de différence significative entre segments ({p_text}, test du khi-deux).")
    if test.small_sample:
        text += (" Few responses: read with care." if language == "en" else " Peu de réponses : à lire avec prudence.")
    return french_spaces(text) if language == "fr" else text


def recent_cohorts(report: Report, cohorts: int = 12, ages: int = 12, kind: str = "logo") -> pd.DataFrame | None:
    """The last `cohorts` cohorts up to as_of with ages 0 … ages − 1 (retention as fractions,
    NaN where not reached) and a first column `size`; None without cohorts."""
    if report.cohorts is None or report.cohorts.sizes.empty:
        return None
    matrix = getattr(report.cohorts, kind)
    tail = matrix.iloc[-cohorts:, :ages]
    tail = tail.reindex(columns=range(ages))
    return pd.concat([report.cohorts.sizes.loc[tail.index].rename("size"), tail], axis=1)
