"""Is a KPI's change worth a colour? The rule the cards and the deck share (docs/definitions.md,
"Which changes are coloured").

A change is shown green or red only when it is *significant*:
- zero as displayed (`+0.0 pp`, `+0.0 %`, `−0.0 pts`) never is;
- survey-like KPIs measured on a sample of answers (NPS, CSAT, FCR) must also exceed the 95 %
  margin of the difference between the two months: |Δ| > 1.96 × √(se₁² + se₂²), where
  NPS: se = 100 × √((p_P + p_D − (p_P − p_D)²) ÷ n), p_P and p_D the promoter and detractor shares;
  CSAT, FCR (proportions): se = √(p × (1 − p) ÷ n).
  When the answers behind a month are unknown, only the zero rule applies;
- every other KPI (MRR, churn, NRR… counted on every customer, not sampled) only has the zero rule.

Each month is treated as an independent sample. With a trailing survey window (90 days by
default) two consecutive months share answers, so the true margin of the difference is smaller:
the rule errs on the side of grey.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from kpi.metrics import support, surveys
from kpi.report.build import Report, _given, _scale

Z95 = 1.96
SAMPLED = ("nps", "csat", "fcr")  # KPIs computed on a sample of answers: a margin of error applies


@dataclass(frozen=True)
class Sample:
    """The answers behind one month's survey-like KPI.

    n: answers counted; positives: promoters (NPS), satisfied answers (CSAT) or tickets solved at
    first contact (FCR); negatives: detractors (NPS only, 0 otherwise)."""

    n: int
    positives: int
    negatives: int = 0


def standard_error(key: str, sample: Sample | None) -> float | None:
    """The standard error of a month's `key` from its sample, in the KPI's own unit.

    NPS (points): 100 × √((p_P + p_D − (p_P − p_D)²) ÷ n), p_P = positives ÷ n, p_D = negatives ÷ n.
    Proportions (CSAT, FCR as fractions): √(p × (1 − p) ÷ n), p = positives ÷ n.
    None when there is no sample or n = 0."""
    if sample is None or sample.n <= 0:
        return None
    share_p, share_d = sample.positives / sample.n, sample.negatives / sample.n
    if key == "nps":
        return 100 * math.sqrt(max(share_p + share_d - (share_p - share_d) ** 2, 0.0) / sample.n)
    return math.sqrt(max(share_p * (1 - share_p), 0.0) / sample.n)


def difference_margin(key: str, now: Sample | None, before: Sample | None) -> float | None:
    """The 95 % margin of the change between two months: 1.96 × √(se_now² + se_before²); None when
    either month has no sample."""
    errors = standard_error(key, now), standard_error(key, before)
    if errors[0] is None or errors[1] is None:
        return None
    return Z95 * math.sqrt(errors[0] ** 2 + errors[1] ** 2)


def shown_as_zero(change_text: str | None) -> bool:
    """True when a displayed change has no non-zero digit ('+0.0 pp', '−0.0 %', '+0.00×')."""
    return change_text is not None and not any(digit in change_text for digit in "123456789")


def is_significant(key: str, value: float | None, previous: float | None, *, shown: str | None = None,
                   samples: tuple[Sample | None, Sample | None] | None = None) -> bool:
    """Whether the change previous → value deserves a colour (see the module docstring).

    `shown`: the change as displayed (the zero rule reads it); `samples`: the (now, before) answers
    of a survey-like KPI (NPS, CSAT, FCR), for the margin rule. False when there is no change."""
    if value is None or previous is None or pd.isna(value) or pd.isna(previous) or value == previous:
        return False
    if shown_as_zero(shown):
        return False
    if key in SAMPLED and samples is not None:
        margin = difference_margin(key, *samples)
        if margin is not None:
            return abs(value - previous) > margin
    return True


def samples_of(report: Report, key: str,
               months: tuple[pd.Period, pd.Period] | tuple[Span, Span]) -> tuple[Sample | None, Sample | None]:
    """The answers behind `key` in two months (now, before), computed with the report's settings and
    its (filtered) tables — the same monthly series as the KPI's card; (None, None) for a KPI that is
    not sampled or a table that is not mapped."""
    if key not in SAMPLED or report.tables is None or report.as_of is None:
        return None, None
    frame = _monthly_counts(report, key)
    if frame is None:
        return None, None
    return tuple(_sample(frame, month) for month in months)  # type: ignore[return-value]


def _monthly_counts(report: Report, key: str) -> pd.DataFrame | None:
    """Per month: n, positives, negatives of `key` (as its card's history counts them), computed
    once per report (the report is cached across reruns; every card and rerun reads it again)."""
    cache = report._period_tables  # noqa: SLF001  (the report's own cache of derived figures)
    if f"counts:{key}" not in cache:
        cache[f"counts:{key}"] = _counts(report, key)
    return cache[f"counts:{key}"]


def _counts(report: Report, key: str) -> pd.DataFrame | None:
    tables, settings = report.tables, report.settings
    survey = {"as_of": report.as_of, "window": settings.survey_window, "rule": settings.nps_rule}
    if key == "nps" and (rows := _given(tables, "nps")) is not None:
        stats = surveys.nps_by_month(rows, **survey)
        return pd.DataFrame({"n": stats["n"], "positives": stats["promoters"], "negatives": stats["detractors"]})
    if key == "csat" and (rows := _given(tables, "csat")) is not None:
        stats = surveys.csat_by_month(rows, scale=_scale(tables, "csat", surveys.CSAT_SCALE), **survey)
        return pd.DataFrame({"n": stats["n"], "positives": stats["satisfied"], "negatives": 0})
    if key == "fcr" and (rows := _given(tables, "tickets")) is not None:
        stats = support.support_by_month(rows, as_of=report.as_of)
        return pd.DataFrame({"n": stats["fcr_known"], "positives": stats["first_contact"], "negatives": 0})
    return None


Span = tuple[pd.Period, pd.Period]  # (start, end]: the months after start up to end (a period's window)


def _sample(frame: pd.DataFrame, month: pd.Period | Span) -> Sample | None:
    """The answers of one month, or summed over the months of a span (FCR over a quarter)."""
    if isinstance(month, tuple):
        rows = frame[(frame.index > month[0]) & (frame.index <= month[1])]
        if rows.empty:
            return None
        return Sample(int(rows["n"].sum()), int(rows["positives"].sum()), int(rows["negatives"].sum()))
    if month not in frame.index:
        return None
    row = frame.loc[month]
    return Sample(int(row["n"]), int(row["positives"]), int(row["negatives"]))


def significant_change(report: Report, key: str, value: float | None, previous: float | None, *,
                       back: int = 1, shown: str | None = None, spans: tuple[Span, Span] | None = None) -> bool:
    """`is_significant` for a card of the report: value at as_of against `back` months earlier,
    with the answers of both months for NPS, CSAT and FCR (or of two periods' `spans`, for a
    figure counted over a period's months)."""
    if report.as_of is None:
        return is_significant(key, value, previous, shown=shown)
    samples = samples_of(report, key, spans or (report.as_of, report.as_of - back))
    return is_significant(key, value, previous, shown=shown, samples=samples)


def change_margin(report: Report, key: str, back: int = 1, spans: tuple[Span, Span] | None = None) -> float | None:
    """The 95 % margin of `key`'s change at as_of against `back` months earlier (or between two
    periods' `spans`): NPS in points, CSAT and FCR as fractions; None for a KPI that is not
    sampled or a month without answers."""
    if report.as_of is None:
        return None
    return difference_margin(key, *samples_of(report, key, spans or (report.as_of, report.as_of - back)))
