"""Turn raw spreadsheet columns into typed values, vectorised, with a reason for every failure.

Each parser takes one raw column (text as read from a CSV, or the typed cells of a workbook)
and returns a `Parsed`: the typed values and, for each row that could not be read, why.
Columns are parsed on their distinct values (`pd.factorize`) and broadcast back, because
exports repeat the same dates, plans and amounts thousands of times.

Conventions (docs/definitions.md):
- dates keep their calendar date and time *as written*: a time-zone suffix is dropped, never
  applied, so `2024-09-30 02:36+02:00` is 30 September;
- `dd/mm/yyyy` or `mm/dd/yyyy` is decided per column from the values (a day above 12 settles
  it), day first when nothing does (option `date_order`);
- amounts accept currency symbols and codes, thousands separators, decimal commas decided
  per column, `(120)` for −120 and `12 %` for 0.12.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.ingest.schema import FieldKind


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
    if raw.dtype == object:
        values = raw.to_numpy()
        empty = pd.isna(values)
        texts = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
        if texts.any():
            empty[texts] = pd.Series(values[texts], dtype="string").str.strip().eq("").to_numpy(dtype=bool)
        return pd.Series(empty, index=raw.index)
    if pd.api.types.is_string_dtype(raw):
        text = raw.astype("string")
        return (text.isna() | (text.str.strip() == "")).fillna(True).astype(bool)
    return raw.isna()


def _on_uniques(raw: pd.Series, parse_uniques: Callable[[pd.Series], tuple[pd.Series, pd.Series]]) -> Parsed:
    """Parse the distinct non-blank values once, then broadcast results to every row.

    `parse_uniques` gets the distinct values (no blank among them, index 0…n−1) and returns
    their typed values and problems; blank cells get a missing value and no problem."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    uniques = pd.Series(uniques)
    empty = blank(uniques).to_numpy(dtype=bool)
    if empty.any():  # whitespace-only cells: blank, like NaN
        renumber = np.where(empty, -1, np.cumsum(~empty) - 1)
        codes = np.where(codes >= 0, renumber[np.maximum(codes, 0)], -1)
        uniques = uniques[~empty].reset_index(drop=True)
    values_u, problem_u = parse_uniques(uniques)
    values = pd.api.extensions.take(values_u.array, codes, allow_fill=True)
    problem_u = problem_u.to_numpy(dtype=object)
    if pd.isna(problem_u).all():
        problem = np.full(len(raw), None, dtype=object)
    else:
        problem = pd.api.extensions.take(problem_u, codes, allow_fill=True, fill_value=None)
        problem[pd.isna(problem)] = None
    return Parsed(pd.Series(values, index=raw.index), pd.Series(problem, index=raw.index, dtype=object))


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
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<P>[AP]M))?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_NAMED = re.compile(  # 15 janv. 2024, 15-Jan-2024, Jan 15, 2024, January 15 2024 10:00
    r"^(?:(?P<d1>\d{1,2})(?:er)?[\s\-./]*(?P<n1>[^\W\d_]{3,})\.?|(?P<n2>[^\W\d_]{3,})\.?[\s\-./]*(?P<d2>\d{1,2}),?)"
    r"[\s\-./,]+(?P<y>\d{4}|\d{2})"
    r"(?:[T\s,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<P>[AaPp][Mm]))?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$",
)
_SERIAL = re.compile(r"^(?:\d{5}|\d{9,13})(?:\.\d+)?$")  # Excel serial days, or Unix seconds / milliseconds
_PLAIN_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?Z?")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_COMPACT = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")  # YYYYMMDD


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
    """A date/datetime cell as written: a time zone, if any, is dropped without conversion.
    NaT for a cell that holds a time of day only."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return pd.NaT
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


def _hours(hours: pd.Series, meridiem: pd.Series) -> pd.Series:
    """24-hour clock from `7:36 AM` / `12:48 PM` (US exports: Help Scout, SurveyMonkey)."""
    hour = pd.to_numeric(hours, errors="coerce")
    half = meridiem.astype("string").str.upper()
    return hour.where(half.isna(), (hour % 12) + (half == "PM").astype(float).fillna(0) * 12)


def parse_dates(raw: pd.Series, date_order: str | None = None) -> Parsed:
    """Dates (with time of day when written) from ISO text, dd/mm or mm/dd text, Excel serial
    numbers or workbook date cells. Time zones are dropped, never applied."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        values = values.astype("datetime64[s]")
        return Parsed(values, pd.Series([None] * len(raw), index=raw.index, dtype=object))

    def parse_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
        order = date_order or decide_date_order(uniques)
        out = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[s]")
        # a text column (CSV) holds text only; a workbook's mixes dates, numbers and text
        kind = uniques.map(_cell_kind) if uniques.dtype == object else pd.Series("text", index=uniques.index)
        stamps = kind == "datetime"
        if stamps.any():
            out[stamps] = [_wall_time(v) for v in uniques[stamps]]
        numbers = pd.to_numeric(uniques.where(kind == "number"), errors="coerce")
        text = _text(uniques.where(kind == "text"))
        serial_text = text.str.fullmatch(_SERIAL).fillna(False).astype(bool)
        numbers = _floats(numbers).fillna(_floats(pd.to_numeric(text.where(serial_text), errors="coerce")))
        excel = numbers.between(20000, 80000).fillna(False).astype(bool)
        if excel.any():
            out[excel] = (_EXCEL_EPOCH + pd.to_timedelta(numbers[excel].round(6), unit="D")).astype("datetime64[s]")
        # Unix time (Mixpanel, Chargebee): seconds or milliseconds since 1970, 1973 to 2286
        for unit, low, high in (("s", 1e8, 1e10), ("ms", 1e11, 1e13)):
            epoch = (numbers >= low) & (numbers < high)
            if epoch.any():
                out[epoch] = pd.to_datetime(numbers[epoch], unit=unit).astype("datetime64[s]")
        serial = excel | ((numbers >= 1e8) & (numbers < 1e13)).fillna(False).astype(bool)
        compact = text.str.fullmatch(_COMPACT).fillna(False).astype(bool)  # FEC: 20250721
        if compact.any():
            out[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce").astype("datetime64[s]")
            serial |= compact
        # fast path: plain ISO text (the common export format) parsed by pandas' C parser
        plain = text.where(~serial).str.fullmatch(_PLAIN_ISO).fillna(False).astype(bool)
        if plain.any():
            out[plain] = pd.to_datetime(text[plain].str.removesuffix("Z"), format="ISO8601",
                                        errors="coerce").astype("datetime64[s]")
        pending = text.notna() & ~serial & out.isna()
        iso = text[pending].str.extract(_ISO).reindex(text.index)
        got_iso = iso["y"].notna()
        if got_iso.any():
            out[got_iso] = _assemble(iso["y"], iso["m"], iso["d"], iso["H"], iso["M"], iso["S"])[got_iso]
        pending &= ~got_iso
        sl = text[pending].str.extract(_SLASH).reindex(text.index)
        got_sl = sl["y"].notna()
        if got_sl.any():
            year = pd.to_numeric(sl["y"], errors="coerce")
            year = year.where(year >= 100, year + 2000)
            day, month = (sl["a"], sl["b"]) if order == "dmy" else (sl["b"], sl["a"])
            out[got_sl] = _assemble(year, month, day, _hours(sl["H"], sl["P"]), sl["M"], sl["S"])[got_sl]
        pending &= ~got_sl
        named = text[pending].str.extract(_NAMED).reindex(text.index)
        month = month_number(named["n1"].fillna(named["n2"]))
        got_named = named["y"].notna() & month.notna()
        if got_named.any():
            year = pd.to_numeric(named["y"], errors="coerce")
            year = year.where(year >= 100, year + 2000)
            day = named["d1"].fillna(named["d2"])
            out[got_named] = _assemble(year, month, day, _hours(named["H"], named["P"]), named["M"],
                                       named["S"])[got_named]
        problem = pd.Series(None, index=uniques.index, dtype=object)
        problem[out.isna()] = "is not a date"
        return out, problem

    return _on_uniques(raw, parse_uniques)


_MONTH_NAMES = {  # accent-free, lower case; English and French, full and abbreviated
    **{m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)},
    **{m: i for i, m in enumerate("janv fevr mars avr mai juin juil aout sept oct nov dec".split(), 1)},
    "fev": 2, "janvier": 1, "fevrier": 2, "avril": 4, "juillet": 7, "septembre": 9, "octobre": 10,
    "novembre": 11, "decembre": 12, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12, "febr": 2,
}


def month_number(names: pd.Series) -> pd.Series:
    """1…12 for month names in English or French, any case, with or without accents or a final
    dot (`Jan`, `janv.`, `févr`, `Février`, `août`); NaN for anything else."""
    folded = names.astype("string").str.lower().str.rstrip(".")
    folded = folded.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return folded.map(_MONTH_NAMES).astype(float)


_MONTH_TEXT = re.compile(r"^(?P<name>[^\W\d_]+)\.?[\s\-/]*(?P<y>\d{4}|\d{2})$")
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
        named = text.str.extract(_MONTH_TEXT)
        named_month = month_number(named["name"])
        named_year = pd.to_numeric(named["y"], errors="coerce")
        named_year = named_year.where(named_year >= 100, named_year + 2000)
        year = year.fillna(named_year)
        month = month.fillna(named_month)
        ok = year.notna() & month.between(1, 12)
        if ok.any():
            first_days = pd.DataFrame({"year": year[ok], "month": month[ok], "day": 1})
            out[ok] = pd.to_datetime(first_days).astype("datetime64[s]")
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
    thousands one (`1,234,567`, `1.234.567`); a single one followed by exactly three digits
    (`1,234`, `1.234`) is ambiguous and the column's convention decides; any other single one
    is the decimal."""
    commas = core.str.count(",")
    points = core.str.count(r"\.")
    both = (commas > 0) & (points > 0)
    comma_last = core.str.rfind(",") > core.str.rfind(".")
    three_after = core.str.contains(r"^[^.,]*[.,]\d{3}$")
    comma_decimal = (
        (both & comma_last)
        | (~both & (commas == 1) & (~three_after | (column_decimal == ",")))
    )
    point_thousands = (~both & (points > 1)) | ((points == 1) & (commas == 0) & three_after & (column_decimal == ","))
    as_comma = core.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    as_point = core.str.replace(",", "", regex=False)
    as_point = as_point.where(~point_thousands.fillna(False).astype(bool), core.str.replace(".", "", regex=False))
    return as_comma.where(comma_decimal.fillna(False).astype(bool), as_point)


def _is_number_cell(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


_PLAIN_NUMBER = r"-?\d+(?:\.\d+)?"  # what machines write: `1234.5`, `-3`


def _cell_texts(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(is a number cell, trimmed text of the other cells) for distinct raw values."""
    if uniques.dtype != object:  # a text column (CSV): no number cells to tell apart
        return pd.Series(False, index=uniques.index), _text(uniques)
    is_number = uniques.map(_is_number_cell).astype(bool)
    return is_number, _text(uniques.where(~is_number))


def parse_numbers(raw: pd.Series, decimal: str | None = None, *, what: str = "a number") -> Parsed:
    """Numbers from text with currency marks, thousands separators, a decimal comma or point,
    `(120)` or `-120` or `120-` meaning −120 and a `%` meaning hundredths (`12 %` → 0.12)."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return Parsed(raw.astype(float), pd.Series([None] * len(raw), index=raw.index, dtype=object))

    def parse_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
        is_number, text = _cell_texts(uniques)
        values = _floats(pd.to_numeric(uniques.where(is_number), errors="coerce"))
        # a column without a comma has a decimal point: its plain numbers need no more work
        sep = decimal or (decide_decimal(text) if text.str.contains(",", regex=False).any() else ".")
        plain = text.str.fullmatch(_PLAIN_NUMBER).fillna(False).astype(bool) if sep == "." else is_number & False
        if plain.any():
            values[plain] = _floats(pd.to_numeric(text[plain], errors="coerce"))
        rest = text.notna() & ~plain
        if rest.any():
            values[rest] = _written_numbers(text[rest], sep)
        problem = pd.Series(None, index=uniques.index, dtype=object)
        problem[values.isna()] = f"is not {what}"
        return values, problem

    return _on_uniques(raw, parse_uniques)


def _written_numbers(text: pd.Series, sep: str) -> pd.Series:
    """Numbers as people write them: currency marks and codes, spaces and apostrophes between
    thousands, `(120)`, `−120`, `120-`, `12 %`; NaN where the text is no number."""
    text = text.str.replace("\u2212", "-", regex=False)
    signed = text.str.replace(_CURRENCY, "", regex=True)  # `$-5.00`, `-5,00 €`, `EUR (120)`
    negative = signed.str.match(r"^\(.*\)$") | signed.str.startswith("-") | signed.str.endswith("-")
    percent = text.str.contains("%", regex=False)
    core = _normalise_separators(signed.str.strip("()%-+ "), sep)
    valid = core.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    values = _floats(pd.to_numeric(core.where(valid), errors="coerce"))
    values = values.where(~negative.fillna(False).astype(bool), -values)
    return values.where(~percent.fillna(False).astype(bool), values / 100)


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
    percentage; a number written with `%` already is one); anything outside 0…1 after that
    is rejected."""
    parsed = parse_numbers(raw, decimal, what="a fraction or percentage")
    if pd.api.types.is_numeric_dtype(raw.dtype):
        with_percent = pd.Series(False, index=raw.index)
    else:
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        marked = np.array([isinstance(v, str) and "%" in v for v in uniques], dtype=bool)
        with_percent = pd.Series(marked[np.where(codes >= 0, codes, 0)] & (codes >= 0), index=raw.index)
    values = parsed.values.where((parsed.values <= 1) | with_percent, parsed.values / 100)
    out_of_range = (values < 0) | (values > 1)
    problem = parsed.problem.where(~out_of_range.fillna(False).astype(bool), "is not between 0 % and 100 %")
    return Parsed(values.where(~out_of_range.fillna(False).astype(bool)), problem)


_INTERVAL_MONTHS = {
    **dict.fromkeys(["month", "monthly", "months", "mensuel", "mensuelle", "mois", "m", "mo", "1m"], 1.0),
    **dict.fromkeys(["quarter", "quarterly", "quarters", "trimestre", "trimestriel", "trimestrielle", "q", "3m"], 3.0),
    **dict.fromkeys(["semester", "half-year", "half year", "semiannual", "semestre", "semestriel", "semestrielle",
                     "6m"], 6.0),
    **dict.fromkeys(["year", "yearly", "annual", "annually", "years", "annuel", "annuelle", "an", "année", "annee",
                     "ans", "y", "12m"], 12.0),
    **dict.fromkeys(["week", "weekly", "weeks", "semaine", "hebdo", "hebdomadaire", "w"], 12.0 / 52.0),
}
_INTERVAL_MONTHS_ASCII = {key.replace("é", "e"): months for key, months in _INTERVAL_MONTHS.items()}


_UNIT_MONTHS = {"month": 1.0, "months": 1.0, "mois": 1.0, "quarter": 3.0, "quarters": 3.0, "trimestre": 3.0,
                "trimestres": 3.0, "year": 12.0, "years": 12.0, "an": 12.0, "ans": 12.0, "annee": 12.0,
                "annees": 12.0, "week": 12.0 / 52.0, "weeks": 12.0 / 52.0, "semaine": 12.0 / 52.0,
                "semaines": 12.0 / 52.0}
_COUNT_UNIT = re.compile(r"^(?:every\s+|tous\s+les\s+|toutes\s+les\s+)?(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>[a-z]+)$")


def parse_intervals(raw: pd.Series) -> Parsed:
    """Billing intervals in months: month 1, quarter 3, year 12, week 12/52, or a number of
    months, in English or French (`Mensuel`, `Annuel`, `trimestriel`, `3`, `2 years`, `6 mois`)."""

    def parse_uniques(uniques: pd.Series) -> tuple[pd.Series, pd.Series]:
        text = _text(uniques.astype(str)).str.lower().str.normalize("NFKD").str.encode("ascii", "ignore")
        text = text.str.decode("ascii").str.replace(r"^(?:1\s+|every\s+|par\s+)", "", regex=True)
        values = text.map(_INTERVAL_MONTHS_ASCII).astype(float)
        numeric = pd.to_numeric(text, errors="coerce")
        values = values.fillna(numeric.where(numeric > 0))
        counted = text.str.extract(_COUNT_UNIT)
        unit = counted["unit"].map(_UNIT_MONTHS).astype(float)
        count = pd.to_numeric(counted["n"].str.replace(",", ".", regex=False), errors="coerce")
        values = values.fillna((count * unit).where(count > 0))
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
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        if len(uniques):
            before_slash = pd.Series(uniques, dtype=object).map(
                lambda v: v.split("/")[0] if isinstance(v, str) and "/" in v else v)
            raw = pd.Series(before_slash.to_numpy()[np.where(codes >= 0, codes, 0)], index=raw.index,
                            dtype=object).where(codes >= 0)
    return parse_numbers(raw, what="a score")


def parse_counts(raw: pd.Series) -> Parsed:
    parsed = parse_numbers(raw, what="a whole number")
    not_whole = parsed.values.notna() & ((parsed.values != parsed.values.round()) | (parsed.values < 0))
    problem = parsed.problem.where(~not_whole.fillna(False).astype(bool), "is not a whole number ≥ 0")
    return Parsed(parsed.values.where(~not_whole.fillna(False).astype(bool)), problem)


_WHOLE_FLOAT_TEXT = re.compile(r"^-?\d+\.0+$")


def parse_ids(raw: pd.Series) -> Parsed:
    """Identifiers as trimmed text; `1234.0` from a spreadsheet number (or a float column written
    to CSV, where every ID ends in `.0`) becomes `1234`."""
    if pd.api.types.is_float_dtype(raw.dtype):
        whole = raw.dropna()
        if (whole == whole.round()).all():
            raw = raw.astype("Int64")
    elif raw.dtype == object:
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        if len(uniques):
            labels = pd.Series(uniques, dtype=object).map(
                lambda v: str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer() else v)
            raw = pd.Series(labels.to_numpy()[np.where(codes >= 0, codes, 0)], index=raw.index, dtype=object)
            raw = raw.where(codes >= 0)
    text = raw.astype("string").str.strip()
    text = text.where(text != "")
    filled = text.dropna()
    if len(filled) and filled.str.endswith(".0").all() and filled.str.fullmatch(_WHOLE_FLOAT_TEXT).all():
        text = text.str.replace(r"\.0+$", "", regex=True)
    return Parsed(text, pd.Series([None] * len(raw), index=raw.index, dtype=object))


def parse_text(raw: pd.Series) -> Parsed:
    text = raw.astype("string").str.strip()
    return Parsed(text.where(text != ""), pd.Series([None] * len(raw), index=raw.index, dtype=object))


def parse_column(raw: pd.Series, kind: FieldKind, options: dict | None = None) -> Parsed:
    """Parse one raw column as a field of the given kind (see `kpi.ingest.schema`).

    Options (a mapping's `options`): `decimal` ("," or "."), `date_order` ("dmy" or "mdy"),
    `amount_unit` ("cents": money columns are in minor units and are divided by 100)."""
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
    if kind in ("amount", "signed_amount"):
        parsed = parse_amounts(raw, decimal, allow_negative=kind == "signed_amount")
        if options.get("amount_unit") == "cents":  # billing APIs' minor units: 2900 means 29.00
            return Parsed(parsed.values / 100, parsed.problem)
        return parsed
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
