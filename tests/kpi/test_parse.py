"""kpi.ingest.parse: raw cells (text from a CSV, typed cells from a workbook) to typed values, with a
reason for every cell that cannot be read. One behaviour per test, tiny columns written inline."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kpi.ingest.parse import (
    blank,
    decide_date_order,
    decide_decimal,
    parse_amounts,
    parse_booleans,
    parse_column,
    parse_counts,
    parse_dates,
    parse_fractions,
    parse_ids,
    parse_intervals,
    parse_months,
    parse_numbers,
    parse_scores,
)


def col(*values) -> pd.Series:
    """A raw column as a CSV gives it: text, None for an empty cell, rows numbered from 2."""
    return pd.Series(list(values), index=range(2, 2 + len(values)), dtype=object)


def stamps(parsed) -> list:
    return [None if pd.isna(v) else pd.Timestamp(v).isoformat(sep=" ") for v in parsed.values]


def problems(parsed) -> list:
    return list(parsed.problem)


# ───────────────────────────────────────────────────────────────────────────────── dates

def test_iso_dates_with_and_without_time_of_day():
    parsed = parse_dates(col("2024-03-05", "2024-03-05 14:30", "2024-03-05T14:30:15", "2024-3-5"))
    assert stamps(parsed) == ["2024-03-05 00:00:00", "2024-03-05 14:30:00", "2024-03-05 14:30:15",
                              "2024-03-05 00:00:00"]
    assert problems(parsed) == [None] * 4


def test_time_zone_suffixes_are_dropped_never_applied():
    parsed = parse_dates(col("2024-09-30T02:36:00Z", "2024-09-30 02:36+02:00", "2024-09-30T23:30:00-05:00",
                             "2024-09-30 23:30:00.123Z", "2024-09-30 23:30 UTC", "2024-09-30 23:30:00 +0000"))
    assert stamps(parsed) == ["2024-09-30 02:36:00", "2024-09-30 02:36:00", "2024-09-30 23:30:00",
                              "2024-09-30 23:30:00", "2024-09-30 23:30:00", "2024-09-30 23:30:00"]


def test_a_day_above_twelve_makes_the_whole_column_day_first():
    parsed = parse_dates(col("25/12/2024", "01/02/2024"))
    assert stamps(parsed) == ["2024-12-25 00:00:00", "2024-02-01 00:00:00"]


def test_a_second_part_above_twelve_makes_the_whole_column_month_first():
    parsed = parse_dates(col("12/25/2024", "01/02/2024", "12/9/2010 08:26"))
    assert stamps(parsed) == ["2024-12-25 00:00:00", "2024-01-02 00:00:00", "2010-12-09 08:26:00"]


def test_ambiguous_slashed_dates_are_day_first():
    assert decide_date_order(col("01/02/2024", "03/04/2024")) == "dmy"
    assert stamps(parse_dates(col("01/02/2024", "03/04/2024"))) == ["2024-02-01 00:00:00", "2024-04-03 00:00:00"]


def test_the_date_order_option_overrides_the_guess():
    assert stamps(parse_dates(col("01/02/2024"), date_order="mdy")) == ["2024-01-02 00:00:00"]
    assert stamps(parse_column(col("01/02/2024"), "date", {"date_order": "mdy"})) == ["2024-01-02 00:00:00"]


def test_an_impossible_date_is_not_a_date():
    parsed = parse_dates(col("31/02/2024", "15/01/2024", "2024-13-01", "tomorrow"))
    assert problems(parsed) == ["is not a date", None, "is not a date", "is not a date"]
    assert stamps(parsed)[1] == "2024-01-15 00:00:00"
    assert pd.isna(parsed.values.iloc[0])


def test_blank_cells_are_missing_not_errors():
    parsed = parse_dates(col("2024-01-15", None, "", "   "))
    assert stamps(parsed) == ["2024-01-15 00:00:00", None, None, None]
    assert problems(parsed) == [None] * 4


def test_excel_serial_numbers_as_numbers_or_text():
    parsed = parse_dates(col(45306, 45306.5, "45306"))
    assert stamps(parsed) == ["2024-01-15 00:00:00", "2024-01-15 12:00:00", "2024-01-15 00:00:00"]


def test_unix_seconds_and_milliseconds():
    parsed = parse_dates(col("1717778794", 1717778794, "1717778794000"))
    assert stamps(parsed) == ["2024-06-07 16:46:34"] * 3


def test_workbook_datetime_cells_keep_their_wall_time():
    aware = pd.Timestamp("2024-09-30 23:30", tz="America/New_York")
    parsed = parse_dates(col(dt.datetime(2024, 1, 15, 10, 30), dt.date(2024, 2, 1), aware))
    assert stamps(parsed) == ["2024-01-15 10:30:00", "2024-02-01 00:00:00", "2024-09-30 23:30:00"]


def test_a_time_only_cell_is_not_a_date():
    assert problems(parse_dates(col(dt.time(10, 30), dt.datetime(2024, 1, 15)))) == ["is not a date", None]


def test_a_typed_datetime_column_passes_through_without_its_time_zone():
    raw = pd.Series(pd.to_datetime(["2024-09-30 23:30"]).tz_localize("Europe/Paris"))
    assert stamps(parse_dates(raw)) == ["2024-09-30 23:30:00"]


def test_two_digit_years_are_this_century():
    assert stamps(parse_dates(col("15/01/24", "3/2/24"))) == ["2024-01-15 00:00:00", "2024-02-03 00:00:00"]
    assert stamps(parse_dates(col("01/15/24"))) == ["2024-01-15 00:00:00"]


def test_dates_with_month_names_in_english_or_french():
    parsed = parse_dates(col("15 janv. 2024", "3 févr. 2024", "1er mars 2024", "Jan 15, 2024", "15-Jan-2024",
                             "August 5 2024 10:00"))
    assert stamps(parsed) == ["2024-01-15 00:00:00", "2024-02-03 00:00:00", "2024-03-01 00:00:00",
                              "2024-01-15 00:00:00", "2024-01-15 00:00:00", "2024-08-05 10:00:00"]


def test_a_month_alone_is_not_a_day():
    assert problems(parse_dates(col("Jan 2024"))) == ["is not a date"]


# ──────────────────────────────────────────────────────────────────────────────── months

@pytest.mark.parametrize("text", ["2024-01", "01/2024", "1/2024", "Jan 2024", "January 2024", "janv. 2024",
                                  "Janvier 2024", "2024-01-15", "15/01/2024", "jan-24"])
def test_january_2024_written_every_way(text):
    parsed = parse_months(col(text))
    assert stamps(parsed) == ["2024-01-01 00:00:00"]
    assert problems(parsed) == [None]


@pytest.mark.parametrize("text, month", [("févr. 2024", 2), ("fév. 2024", 2), ("fevr 2024", 2), ("mars 2024", 3),
                                         ("avr. 2024", 4), ("mai 2024", 5), ("juin 2024", 6), ("juil. 2024", 7),
                                         ("août 2024", 8), ("sept. 2024", 9), ("oct. 2024", 10),
                                         ("nov. 2024", 11), ("déc. 2024", 12), ("Dec 2024", 12)])
def test_french_and_english_month_names(text, month):
    assert stamps(parse_months(col(text))) == [f"2024-{month:02d}-01 00:00:00"]


def test_a_workbook_date_cell_is_its_month():
    assert stamps(parse_months(col(dt.datetime(2024, 3, 31, 23, 59)))) == ["2024-03-01 00:00:00"]
    typed = pd.Series(pd.to_datetime(["2024-03-31", "2024-04-01"]))
    assert stamps(parse_months(typed)) == ["2024-03-01 00:00:00", "2024-04-01 00:00:00"]


def test_text_that_is_no_month():
    assert problems(parse_months(col("Total", "13/2024", "2024-01"))) == ["is not a month", "is not a month", None]


# ─────────────────────────────────────────────────────────────────────────────── amounts

@pytest.mark.parametrize("text, value", [
    ("$1,234.00", 1234.0),
    ("1 234,50 €", 1234.5),
    ("1.234,56", 1234.56),
    ("1,234,567", 1234567.0),
    ("1.234.567", 1234567.0),
    ("1.234.567,89", 1234567.89),
    ("EUR 1,200", 1200.0),
    ("1200 EUR", 1200.0),
    ("USD 1,200.50", 1200.5),
    ("CHF 1'234.50", 1234.5),
    ("49,90 € HT", 49.9),
    ("1\u00a0234,50", 1234.5),  # no-break space (Excel FR)
    ("1\u202f234,50", 1234.5),  # narrow no-break space (macOS, recent Excel)
    ("12 %", 0.12),
    ("12.5%", 0.125),
    (".5", 0.5),
    ("0", 0.0),
])
def test_amounts_as_founders_write_them(text, value):
    parsed = parse_amounts(col(text))
    assert parsed.values.iloc[0] == pytest.approx(value)
    assert problems(parsed) == [None]


@pytest.mark.parametrize("text", ["(120)", "-120", "120-", "$-120.00", "-$120.00", "−120", "(120,00 €)"])
def test_negative_numbers_every_way(text):
    assert parse_numbers(col(text)).values.iloc[0] == pytest.approx(-120)


def test_a_negative_amount_is_rejected_as_not_recurring_revenue():
    parsed = parse_amounts(col("-5", "(120)", "10"))
    assert problems(parsed) == ["is a negative amount (not recurring revenue)"] * 2 + [None]
    assert pd.isna(parsed.values.iloc[0]) and parsed.values.iloc[2] == 10


def test_signed_amounts_keep_returns_negative():
    assert list(parse_column(col("-5", "(2.50)", "3"), "signed_amount").values) == [-5.0, -2.5, 3.0]


def test_amounts_in_cents_are_divided_by_100_and_bad_cells_still_reported():
    parsed = parse_column(col("2900", "9 900", "-500", "abc"), "amount", {"amount_unit": "cents"})
    assert list(parsed.values.iloc[:2]) == [29.0, 99.0]
    assert problems(parsed)[2:] == ["is a negative amount (not recurring revenue)", parsed.problem.iloc[3]]
    assert parsed.problem.iloc[3] is not None and pd.isna(parsed.values.iloc[3])
    assert list(parse_column(col("-250"), "signed_amount", {"amount_unit": "cents"}).values) == [-2.5]
    assert list(parse_column(col("3"), "count", {"amount_unit": "cents"}).values) == [3]  # money only


def test_the_decimal_comma_is_decided_per_column():
    assert decide_decimal(col("1 234,50", "12,5", "99").astype("string")) == ","
    assert decide_decimal(col("1,234.50", "12.5", "99").astype("string")) == "."
    # `1,234` alone is ambiguous: in a decimal-comma column it is 1.234, elsewhere 1234
    assert list(parse_numbers(col("1,234", "12,50")).values) == [1.234, 12.5]
    assert list(parse_numbers(col("1,234", "12.50")).values) == [1234.0, 12.5]
    assert list(parse_numbers(col("1.234", "12,50")).values) == [1234.0, 12.5]


def test_the_decimal_option_overrides_the_guess():
    assert parse_column(col("1,234"), "amount", {"decimal": ","}).values.iloc[0] == pytest.approx(1.234)


def test_workbook_number_cells_and_numeric_columns_pass_through():
    assert list(parse_amounts(col(1234.5, 49, np.float64(2.5), np.int64(7))).values) == [1234.5, 49.0, 2.5, 7.0]
    assert list(parse_amounts(pd.Series([1.5, np.nan])).values.fillna(-1)) == [1.5, -1]


def test_text_that_is_no_amount():
    parsed = parse_amounts(col("Total", "12 34 56 abc", "1.2.3,4,5", "", None))
    assert problems(parsed) == ["is not an amount"] * 3 + [None, None]


# ───────────────────────────────────────────────────────────────────────────── intervals

@pytest.mark.parametrize("text, months", [
    ("Mensuel", 1), ("mensuelle", 1), ("month", 1), ("Monthly", 1), ("1 month", 1),
    ("annuel", 12), ("Annuelle", 12), ("year", 12), ("yearly", 12), ("1 an", 12), ("année", 12),
    ("trimestriel", 3), ("Trimestrielle", 3), ("quarter", 3), ("quarterly", 3),
    ("semestriel", 6), ("3", 3), (3, 3), ("6 mois", 6), ("every 3 months", 3), ("2 years", 24),
    ("week", 12 / 52), ("hebdomadaire", 12 / 52), ("2 weeks", 24 / 52),
])
def test_billing_intervals_in_months(text, months):
    parsed = parse_intervals(col(text))
    assert parsed.values.iloc[0] == pytest.approx(months)
    assert problems(parsed) == [None]


def test_an_unknown_interval_says_what_is_expected():
    parsed = parse_intervals(col("bogus", "0", "-1"))
    assert problems(parsed) == ["is not a billing interval (month, quarter, year, week or a number of months)"] * 3


# ────────────────────────────────────────────────────────────────────────────── booleans

def test_yes_and_no_in_english_and_french():
    parsed = parse_booleans(col("Oui", "Non", "yes", "no", "1", "0", "x", "vrai", "faux", "TRUE", "False", 1, 0, True,
                                None))
    assert list(parsed.values.astype(object).where(parsed.values.notna(), None)) == [
        True, False, True, False, True, False, True, True, False, True, False, True, False, True, None]
    assert problems(parsed) == [None] * 15


def test_a_boolean_that_is_neither():
    assert problems(parse_booleans(col("maybe"))) == ["is not yes or no"]


# ──────────────────────────────────────────────────────────── scores, counts, fractions, ids

def test_scores_as_numbers_or_out_of_ten():
    parsed = parse_scores(col("9/10", "7", " 10 / 10 ", 8, "n/a"))
    assert list(parsed.values.fillna(-1)) == [9.0, 7.0, 10.0, 8.0, -1]
    assert problems(parsed) == [None, None, None, None, "is not a score"]


def test_counts_are_whole_and_not_negative():
    parsed = parse_counts(col("3", "3.0", "2.5", "-1", "deux"))
    assert list(parsed.values.fillna(-99)) == [3.0, 3.0, -99, -99, -99]
    assert problems(parsed) == [None, None, "is not a whole number ≥ 0", "is not a whole number ≥ 0",
                                "is not a whole number"]


@pytest.mark.parametrize("text, fraction", [("20%", 0.2), ("20 %", 0.2), ("0.2", 0.2), ("0,2", 0.2), ("20", 0.2),
                                            ("100 %", 1.0), ("0", 0.0), (0.15, 0.15)])
def test_fractions_percentages_and_bare_percent_numbers(text, fraction):
    assert parse_fractions(col(text)).values.iloc[0] == pytest.approx(fraction)


def test_a_fraction_beyond_one_hundred_percent_is_rejected():
    assert problems(parse_fractions(col("150 %", "-5 %"))) == ["is not between 0 % and 100 %"] * 2


def test_ids_lose_the_float_tail_a_spreadsheet_or_a_float_column_gives_them():
    assert list(parse_ids(pd.Series([17850.0, np.nan, 13047.0])).values.fillna("")) == ["17850", "", "13047"]
    assert list(parse_ids(col(17850.0, "C-001 ", 12)).values) == ["17850", "C-001", "12"]
    assert list(parse_ids(col("17850.0", "13047.0")).values) == ["17850", "13047"]
    assert list(parse_ids(col("1.0", "v2.0", "1.5")).values) == ["1.0", "v2.0", "1.5"]  # not all `.0`: kept


def test_blank_is_empty_or_whitespace_only():
    assert list(blank(col("a", "", " ", None, "\u00a0", 0))) == [False, True, True, True, True, False]
