"""Turn raw spreadsheet columns into typed values, vectorised, with a reason for every failure.

Each parser takes one raw column (text as read from a CSV, or the typed cells of a workbook)
and returns a `Parsed`: the typed values and, for each row that could not be read, why.
Columns are parsed on their distinct values (`pd.factorize`) and broadcast back, because
exports repeat the same dates, plans and amounts thousands of times.

Conventions (KPI_DEFINITIONS.md §1, §2):
- dates keep their calendar date and time *as written*: a time-zone suffix is dropped, never
  applied, so `2024-09-30 02:36+02:00` is 30 September;
- `dd/mm/yyyy` or `mm/dd/yyyy` is decided per column from the values (a day above 12 settles
  it), day first when nothing does (option `date_order`);
- amounts accept currency symbols and codes, thousands separators, decimal commas decided
  per column, `(120)` for −120 and `12 %` for 0.12.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from kpi.schema import FieldKind


@dataclass(frozen=True)
class Parsed:
    """Typed values of one column; `problem` holds a reason where a non-empty cell failed."""

    values: pd.Series
    problem: pd.Series  # object dtype: None where fine, else a short reason

    @property
    def bad(self) -> pd.Series:
        return self.problem.notna()


def blank(raw: pd.Series) -> pd.Series:
    """True where a cell is empty: NaN/None or only whitespace."""
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):
        text = raw.astype("string")
        return (text.isna() | (text.str.strip() == "")).fillna(True).astype(bool)
    return raw.isna()


def _on_uniques(raw: pd.Series, parse_uniques: Callable[[pd.Series], tuple[pd.Series, pd.Series]]) -> Parsed:
    """Parse the distinct non-blank values once, then broadcast results to every row."""
    is_blank = blank(raw)
    codes, uniques = pd.factorize(raw.where(~is_blank), use_na_sentinel=True)
    values_u, problem_u = parse_uniques(pd.Series(uniques))
    values_u = values_u.reset_index(drop=True)
    problem_u = problem_u.reset_index(drop=True)
    take = np.where(codes >= 0, codes, 0)
    if len(uniques) == 0:
        return Parsed(_empty_like(values_u, raw.index), pd.Series([None] * len(raw), index=raw.index, dtype=object))
    values = values_u.iloc[take].set_axis(raw.index)
    values = values.where(codes >= 0)
    problem = problem_u.iloc[take].set_axis(raw.index).where(codes >= 0, None)
    return Parsed(values, problem.astype(object).where(problem.notna(), None))


def _empty_like(values_u: pd.Series, index: pd.Index) -> pd.Series:
    return pd.Series(np.full(len(index), np.nan), index=index).astype(values_u.dtype, errors="ignore")


def _floats(values: pd.Series) -> pd.Series:
    """Plain float64 (NaN for missing), whatever nullable dtype pandas inferred."""
    return pd.Series(values.to_numpy(dtype=float, na_value=np.nan), index=values.index)


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


# ---------------------------------------------------------------------------- dates

_ISO = re.compile(
    r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_SLASH = re.compile(
    r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_PLAIN_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?Z?")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _cell_kind(value: object) -> str:
    """'datetime', 'number' or 'text': what a workbook cell or CSV field holds."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, (bool, np.bool_)):
        return "text"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "isoformat"):
        return "datetime"
    return "text"


def _wall_time(value: object) -> pd.Timestamp:
    """A date/datetime cell as written: a time zone, if any, is dropped without conversion."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def decide_date_order(raw: pd.Series) -> str:
    """'dmy' or 'mdy' for a column of dd/mm vs mm/dd dates: a first part above 12 means day
    first, a second part above 12 means month first; day first when the values don't say."""
    text = _text(raw.dropna().drop_duplicates())
    text = text[text.str.contains(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d", regex=True).fillna(False).astype(bool)]
    parts = text.str.extract(_SLASH)
    a = pd.to_numeric(parts["a"], errors="coerce")
    b = pd.to_numeric(parts["b"], errors="coerce")
    day_first_votes = int((a > 12).sum())
    month_first_votes = int((b > 12).sum())
    return "mdy" if month_first_votes > day_first_votes else "dmy"


def _assemble(y: pd.Series, m: pd.Series, d: pd.Series, hh: pd.Series, mm: pd.Series, ss: pd.Series) -> pd.Series:
    frame = pd.DataFrame(
        {
            "year": pd.to_numeric(y, errors="coerce"),
            "month": pd.to_numeric(m, errors="coerce"),
            "day": pd.to_numeric(d, errors="coerce"),
            "hour": pd.to_numeric(hh, errors="coerce").fillna(0),
            "minute": pd.to_numeric(mm, errors="coerce").fillna(0),
            "second": pd.to_numeric(ss, errors="coerce").fillna(0),
        }
    )
    ok = frame[["year", "month", "day"]].notna().all(axis=1)
    out = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]")
    if ok.any():
        out[ok] = pd.to_datetime(frame[ok], errors="coerce").astype("datetime64[s]")
    return out


def parse_dates(raw: pd.Series, date_order: str | None = None) -> Parsed:
    """Dates (with time of day when written) from ISO text, dd/mm or mm/dd text, Excel serial
    numbers or workbook date cells. Time zones are dropped, never applied."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        values = values.astype("datetime64[s]")
        return Parsed(values, pd.Series([None] * len(raw), index=raw.index, dtype=object))
    order = date_order or decide_date_order(raw.where(~blank(raw)))

    def parse_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
        out = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[s]")
        kind = uniques.map(_cell_kind)
        stamps = kind == "datetime"
        if stamps.any():
            out[stamps] = [_wall_time(v) for v in uniques[stamps]]
        numbers = pd.to_numeric(uniques.where(kind == "number"), errors="coerce")
        text = _text(uniques.where(kind == "text"))
        serial_text = text.str.fullmatch(_SERIAL).fillna(False).astype(bool)
        numbers = _floats(numbers).fillna(_floats(pd.to_numeric(text.where(serial_text), errors="coerce")))
        serial = numbers.between(20000, 80000).fillna(False).astype(bool)
        if serial.any():
            out[serial] = (_EXCEL_EPOCH + pd.to_timedelta(numbers[serial].round(6), unit="D")).astype("datetime64[s]")
        # fast path: plain ISO text (the common export format) parsed by pandas' C parser
        plain = text.where(~serial).str.fullmatch(_PLAIN_ISO).fillna(False).astype(bool)
        if plain.any():
            out[plain] = pd.to_datetime(text[plain].str.removesuffix("Z"), format="ISO8601",
                                        errors="coerce").astype("datetime64[s]")
        todo = text.notna() & ~serial & out.isna()
        iso = text[todo].str.extract(_ISO).reindex(text.index)
        got_iso = iso["y"].notna()
        if got_iso.any():
            out[got_iso] = _assemble(iso["y"], iso["m"], iso["d"], iso["H"], iso["M"], iso["S"])[got_iso]
        todo &= ~got_iso
        sl = text[todo].str.extract(_SLASH).reindex(text.index)
        got_sl = sl["y"].notna()
        if got_sl.any():
            year = pd.to_numeric(sl["y"], errors="coerce")
            year = year.where(year >= 100, year + 2000)
            day, month = (sl["a"], sl["b"]) if order == "dmy" else (sl["b"], sl["a"])
            out[got_sl] = _assemble(year, month, day, sl["H"], sl["M"], sl["S"])[got_sl]
        problem = pd.Series(None, index=uniques.index, dtype=object)
        problem[out.isna()] = "is not a date"
        return out, problem

    return _on_uniques(raw, parse_uniques)


_MONTH_NAMES = {
    **{m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)},
    **{m: i for i, m in enumerate(["janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc"], 1)},
    "fev": 2, "fevr": 2, "aout": 8, "dec": 12, "sep": 9, "janvier": 1, "février": 2, "fevrier": 2,
    "avril": 4, "juillet": 7, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}
_MONTH_TEXT = re.compile(r"^(?P<name>[A-Za-zÀ-ÿ]+)\.?[\s\-/]*(?P<y>\d{4}|\d{2})$")
_MONTH_NUM = re.compile(r"^(?:(?P<y1>\d{4})[-/.](?P<m1>\d{1,2})|(?P<m2>\d{1,2})[-/.](?P<y2>\d{4}))$")


def parse_months(raw: pd.Series, date_order: str | None = None) -> Parsed:
    """Calendar months as the first day of the month, from `2024-01`, `01/2024`, `Jan 2024`,
    `janv. 2024`, or any date (its month)."""

    def parse_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
        out = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[s]")
        text = _text(uniques.where(uniques.map(lambda v: isinstance(v, str))))
        num = text.str.extract(_MONTH_NUM)
        year = pd.to_numeric(num["y1"].fillna(num["y2"]), errors="coerce")
        month = pd.to_numeric(num["m1"].fillna(num["m2"]), errors="coerce")
        named = text.str.lower().str.extract(_MONTH_TEXT)
        named_month = named["name"].map(_MONTH_NAMES)
        named_year = pd.to_numeric(named["y"], errors="coerce")
        named_year = named_year.where(named_year >= 100, named_year + 2000)
        year = year.fillna(named_year)
        month = month.fillna(named_month)
        ok = year.notna() & month.between(1, 12)
        if ok.any():
            out[ok] = pd.to_datetime(pd.DataFrame({"year": year[ok], "month": month[ok], "day": 1})).astype("datetime64[s]")
        rest = ~ok
        if rest.any():
            dates = parse_dates(uniques[rest].reset_index(drop=True), date_order).values
            out[rest] = dates.dt.to_period("M").dt.to_timestamp().astype("datetime64[s]").to_numpy()
        problem = pd.Series(None, index=uniques.index, dtype=object)
        problem[out.isna()] = "is not a month"
        return out, problem

    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        dates = parse_dates(raw)
        return Parsed(dates.values.dt.to_period("M").dt.to_timestamp().astype("datetime64[s]"), dates.problem)
    return _on_uniques(raw, parse_uniques)


# -------------------------------------------------------------------------- numbers

_CURRENCY = re.compile(r"(?i)(€|\$|£|¥|chf|eur|usd|gbp|cad|aud|jpy|fr\.?|ht|ttc|[\s\u00a0\u202f']+)")
_DECIMAL_COMMA_HINT = re.compile(r"^-?[\d.\s]*\d,\d{1,2}$|^-?\d{1,3}(?:\.\d{3})+,\d*$|^-?\d+,\d{4,}$")
_DECIMAL_POINT_HINT = re.compile(r"^-?[\d,\s]*\d\.\d{1,2}$|^-?\d{1,3}(?:,\d{3})+\.\d*$|^-?\d+\.\d{4,}$")
_NUMBER = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)$")


def decide_decimal(text: pd.Series) -> str:
    """',' when the column's values show a decimal comma (`1 234,50`, `12,5`), else '.'."""
    cleaned = text.dropna().str.replace(_CURRENCY, "", regex=True).str.strip("()%-+")
    comma = int(cleaned.str.contains(_DECIMAL_COMMA_HINT).sum())
    point = int(cleaned.str.contains(_DECIMAL_POINT_HINT).sum())
    return "," if comma > point else "."


def _normalise_separators(core: pd.Series, column_decimal: str) -> pd.Series:
    """Rewrite each value with '.' as decimal point and no thousands separator.

    Per value: with both ',' and '.', the rightmost is the decimal; a separator repeated is a
    thousands one; a single one followed by exactly three digits (`1,234`, `1.234`) is
    ambiguous and the column's convention decides; any other single one is the decimal."""
    commas = core.str.count(",")
    points = core.str.count(r"\.")
    both = (commas > 0) & (points > 0)
    comma_last = core.str.rfind(",") > core.str.rfind(".")
    three_after = core.str.contains(r"^[^.,]*[.,]\d{3}$")
    comma_decimal = (
        (both & comma_last)
        | (~both & (commas == 1) & (~three_after | (column_decimal == ",")))
    )
    as_comma = core.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    as_point = core.str.replace(",", "", regex=False)
    # a single '.' followed by three digits in a decimal-comma column is a thousands separator
    as_point = as_point.where(~((points == 1) & (commas == 0) & three_after & (column_decimal == ",")),
                              core.str.replace(".", "", regex=False))
    return as_comma.where(comma_decimal.fillna(False).astype(bool), as_point)


def parse_numbers(raw: pd.Series, decimal: str | None = None, *, what: str = "a number") -> Parsed:
    """Numbers from text with currency marks, thousands separators, a decimal comma or point,
    `(120)` meaning −120 and a trailing `%` meaning hundredths (`12 %` → 0.12)."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return Parsed(raw.astype(float), pd.Series([None] * len(raw), index=raw.index, dtype=object))
    sep = decimal or decide_decimal(_text(raw.where(~blank(raw)).dropna().astype(str)))

    def parse_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
        is_number = uniques.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
        text = _text(uniques.where(~is_number).astype(object))
        negative = text.str.match(r"^\(.*\)$") | text.str.match(r"^-") | text.str.endswith("-")
        percent = text.str.contains("%", regex=False)
        core = text.str.replace(_CURRENCY, "", regex=True).str.strip("()%-+ ")
        core = _normalise_separators(core, sep)
        valid = core.str.fullmatch(_NUMBER).fillna(False).astype(bool)
        values = _floats(pd.to_numeric(core.where(valid), errors="coerce"))
        values = values.where(~negative.fillna(False).astype(bool), -values)
        values = values.where(~percent.fillna(False).astype(bool), values / 100)
        numbers = _floats(pd.to_numeric(uniques.where(is_number), errors="coerce"))
        values = values.where(~is_number, numbers).astype(float)
        problem = pd.Series(None, index=uniques.index, dtype=object)
        problem[values.isna()] = f"is not {what}"
        return values, problem

    return _on_uniques(raw, parse_uniques)


def parse_amounts(raw: pd.Series, decimal: str | None = None, *, allow_negative: bool = False) -> Parsed:
    """Money amounts; negative ones are rejected unless `allow_negative` (orders: returns)."""
    parsed = parse_numbers(raw, decimal, what="an amount")
    if allow_negative:
        return parsed
    negative = parsed.values < 0
    problem = parsed.problem.where(~negative.fillna(False).astype(bool), "is a negative amount (not recurring revenue)")
    return Parsed(parsed.values.where(~negative.fillna(False).astype(bool)), problem)


def parse_fractions(raw: pd.Series, decimal: str | None = None) -> Parsed:
    """Discounts and rates: `20%`, `0.2` and `20` all mean 0.2 (a bare number above 1 is a
    percentage); anything outside 0…1 after that is rejected."""
    parsed = parse_numbers(raw, decimal, what="a fraction or percentage")
    values = parsed.values.where(parsed.values <= 1, parsed.values / 100)
    out_of_range = (values < 0) | (values > 1)
    problem = parsed.problem.where(~out_of_range.fillna(False).astype(bool), "is not between 0 % and 100 %")
    return Parsed(values.where(~out_of_range.fillna(False).astype(bool)), problem)


_INTERVAL_MONTHS = {
    **dict.fromkeys(["month", "monthly", "months", "mensuel", "mensuelle", "mois", "m", "mo", "1m"], 1.0),
    **dict.fromkeys(["quarter", "quarterly", "quarters", "trimestre", "trimestriel", "trimestrielle", "q", "3m"], 3.0),
    **dict.fromkeys(["semester", "half-year", "half year", "semiannual", "semestre", "semestriel", "semestrielle", "6m"], 6.0),
    **dict.fromkeys(["year", "yearly", "annual", "annually", "years", "annuel", "annuelle", "an", "année", "annee", "ans", "y", "12m"], 12.0),
    **dict.fromkeys(["week", "weekly", "weeks", "semaine", "hebdo", "hebdomadaire", "w"], 12.0 / 52.0),
}


def parse_intervals(raw: pd.Series) -> Parsed:
    """Billing intervals in months: month 1, quarter 3, year 12, week 12/52, or a number of
    months, in English or French (`Mensuel`, `Annuel`, `trimestriel`)."""

    def parse_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
        text = _text(uniques.astype(str)).str.lower().str.replace(r"^(?:1\s+|every\s+|par\s+)", "", regex=True)
        values = text.map(_INTERVAL_MONTHS).astype(float)
        numeric = pd.to_numeric(text.str.replace(r"\s*(?:months?|mois)$", "", regex=True), errors="coerce")
        values = values.fillna(numeric.where(numeric > 0))
        problem = pd.Series(None, index=uniques.index, dtype=object)
        problem[values.isna()] = "is not a billing interval (month, quarter, year, week or a number of months)"
        return values, problem

    return _on_uniques(raw, parse_uniques)


_TRUE = {"yes", "y", "oui", "o", "true", "vrai", "1", "x", "✓", "✔"}
_FALSE = {"no", "n", "non", "false", "faux", "0", "-"}


def parse_booleans(raw: pd.Series) -> Parsed:
    """yes/no, oui/non, true/false, 1/0 and `x` marks."""

    def parse_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
        text = _text(uniques.astype(str)).str.lower().str.replace(r"\.0$", "", regex=True)
        values = pd.Series(pd.NA, index=uniques.index, dtype="boolean")
        values[text.isin(_TRUE)] = True
        values[text.isin(_FALSE)] = False
        problem = pd.Series(None, index=uniques.index, dtype=object)
        problem[values.isna()] = "is not yes or no"
        return values, problem

    return _on_uniques(raw, parse_uniques)


def parse_scores(raw: pd.Series) -> Parsed:
    """Survey scores: numbers, or `9/10` (the part before the slash)."""
    if not pd.api.types.is_numeric_dtype(raw.dtype):
        raw = raw.map(lambda v: v.split("/")[0] if isinstance(v, str) and "/" in v else v)
    return parse_numbers(raw, what="a score")


def parse_counts(raw: pd.Series) -> Parsed:
    parsed = parse_numbers(raw, what="a whole number")
    not_whole = (parsed.values != parsed.values.round()) | (parsed.values < 0)
    problem = parsed.problem.where(~not_whole.fillna(False).astype(bool), "is not a whole number ≥ 0")
    return Parsed(parsed.values.where(~not_whole.fillna(False).astype(bool)), problem)


def parse_ids(raw: pd.Series) -> Parsed:
    """Identifiers as trimmed text; `1234.0` from a spreadsheet number becomes `1234`."""
    if pd.api.types.is_float_dtype(raw.dtype):
        whole = raw.dropna()
        if (whole == whole.round()).all():
            raw = raw.astype("Int64")
    text = raw.astype("string").str.strip()
    text = text.where(text != "")
    return Parsed(text, pd.Series([None] * len(raw), index=raw.index, dtype=object))


def parse_text(raw: pd.Series) -> Parsed:
    text = raw.astype("string").str.strip()
    return Parsed(text.where(text != ""), pd.Series([None] * len(raw), index=raw.index, dtype=object))


def parse_column(raw: pd.Series, kind: FieldKind, options: dict | None = None) -> Parsed:
    """Parse one raw column as a field of the given kind (see `kpi.schema`)."""
    options = options or {}
    decimal = options.get("decimal")
    date_order = options.get("date_order")
    if kind == "id":
        return parse_ids(raw)
    if kind == "text":
        return parse_text(raw)
    if kind == "date":
        return parse_dates(raw, date_order)
    if kind == "month":
        return parse_months(raw, date_order)
    if kind == "amount":
        return parse_amounts(raw, decimal)
    if kind == "signed_amount":
        return parse_amounts(raw, decimal, allow_negative=True)
    if kind == "number":
        return parse_numbers(raw, decimal)
    if kind == "count":
        return parse_counts(raw)
    if kind == "interval":
        return parse_intervals(raw)
    if kind == "fraction":
        return parse_fractions(raw, decimal)
    if kind == "boolean":
        return parse_booleans(raw)
    if kind == "score":
        return parse_scores(raw)
    raise ValueError(f"unknown field kind {kind!r}")
