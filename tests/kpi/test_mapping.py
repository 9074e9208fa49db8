"""kpi.ingest.mapping: parse and check a mapped sheet; bad rows reported with row, column, value, reason."""

import pytest

from kpi.errors import InputError
from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import TableMapping, apply_mapping, build_tables, parse_mapping


def sheet(text: str, name: str = "file.csv"):
    return read_bytes(name, text.encode("utf-8"))[0]


SUBSCRIPTIONS = TableMapping("subscriptions", {"customer_id": "Client", "start_date": "Début", "amount": "Montant",
                                               "end_date": "Fin"})


def test_good_rows_count_and_each_bad_row_is_reported_with_its_spreadsheet_row():
    result = apply_mapping(sheet(
        "Client;Début;Fin;Montant\n"
        "A;15/01/2024;;49,90\n"
        "B;31/02/2024;;10\n"
        "C;01/03/2024;01/02/2024;10\n"
        ";01/03/2024;;10\n"
        "E;01/03/2024;;-5\n"
        "F;01/03/2024;;abc\n"), SUBSCRIPTIONS)
    assert result.frame["customer_id"].tolist() == ["A"]
    assert result.frame["amount"].tolist() == [49.9]
    assert result.quality.rows_read == 6 and result.quality.rows_used == 1
    assert result.quality.rejected.values.tolist() == [
        [3, "Début", "31/02/2024", "is not a date"],
        [4, "Fin", "01/02/2024", "ends before the start date"],
        [5, "Client", "", "is empty (required)"],
        [6, "Montant", "-5", "is a negative amount (not recurring revenue)"],
        [7, "Montant", "abc", "is not an amount"],
    ]


def test_a_mapping_naming_a_missing_column_is_an_input_error_naming_it():
    with pytest.raises(InputError, match="'Montant HT'"):
        apply_mapping(sheet("Client,Début\nA,2024-01-01\n"),
                      TableMapping("subscriptions", {"customer_id": "Client", "start_date": "Début", "amount": "Montant HT"}))


def test_a_required_field_left_unmapped_is_an_input_error():
    with pytest.raises(InputError, match="needs the field"):
        apply_mapping(sheet("Client,Début\nA,2024-01-01\n"),
                      TableMapping("subscriptions", {"customer_id": "Client", "start_date": "Début"}))


def test_duplicate_customer_ids_keep_the_first_row():
    result = apply_mapping(sheet("id,name\nA,Acme\nB,Beta\nA,Acme again\n"),
                           TableMapping("customers", {"customer_id": "id", "name": "name"}))
    assert result.frame["name"].tolist() == ["Acme", "Beta"]
    assert result.quality.rejected.values.tolist() == [[4, "id", "A", "duplicate customer_id (first seen on row 2)"]]


def test_customer_columns_not_mapped_are_kept_as_attributes():
    result = apply_mapping(sheet("id,Secteur,Taille\nA,Santé,12\n"), TableMapping("customers", {"customer_id": "id"}))
    assert result.frame.loc[2, "Secteur"] == "Santé"


def test_nps_scores_outside_zero_to_ten_or_not_whole_are_rejected():
    result = apply_mapping(sheet("score\n9\n11\n7.5\n9/10\n"), TableMapping("nps", {"score": "score"}))
    assert result.frame["score"].tolist() == [9.0, 9.0]
    assert [r[3] for r in result.quality.rejected.values.tolist()] == ["is not a whole score from 0 to 10"] * 2


def test_csat_scale_can_be_set_in_the_options():
    result = apply_mapping(sheet("note\n1\n10\n"), TableMapping("csat", {"score": "note"}, options={"scale": [1, 10]}))
    assert result.quality.rows_used == 2


def test_orders_amount_is_quantity_times_unit_price_when_not_given():
    result = apply_mapping(sheet("c,d,q,p\nA,2024-01-02,3,2.5\nA,2024-01-03,-1,2.5\n"),
                           TableMapping("orders", {"customer_id": "c", "date": "d", "quantity": "q", "unit_price": "p"}))
    assert result.frame["amount"].tolist() == [7.5, -2.5]  # returns are kept for revenue sums


def test_wide_mrr_sheet_is_melted_with_blank_cells_as_zero():
    result = apply_mapping(sheet("Client,Jan 2024,févr. 2024,2024-03\nAcme,100,,120\n"),
                           TableMapping("mrr", {"customer_id": "Client"}, layout="wide"))
    frame = result.frame.sort_values("month")
    assert frame["mrr"].tolist() == [100.0, 0.0, 120.0]
    assert frame["month"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]


def test_rows_of_unknown_customers_are_a_warning_and_still_count():
    sheets = [sheet("id\nA\n", "customers.csv"),
              sheet("customer,start,amount\nA,2024-01-01,10\nZ,2024-01-01,10\n", "subs.csv")]
    tables = build_tables(sheets, parse_mapping(
        '{"customers.csv": {"table": "customers", "columns": {"customer_id": "id"}},'
        ' "subs.csv": {"table": "subscriptions", "columns": {"customer_id": "customer", "start_date": "start",'
        ' "amount": "amount"}}}'))
    assert len(tables.frames["subscriptions"]) == 2
    assert tables.quality["subs.csv"].warnings == (
        "1 row(s) refer to 1 customer ID(s) missing from the customers table (e.g. Z); they still count",)


@pytest.mark.parametrize("text, message", [
    ("[1, 2]", "JSON object"),
    ("{not json", "not valid JSON"),
    ('{"a.csv": {"table": "planets", "columns": {}}}', "needs a \\\"table\\\""),
    ('{"a.csv": {"table": "nps", "columns": {"moon": "x"}}}', "has no field moon"),
])
def test_bad_mapping_json_says_what_is_wrong(text, message):
    with pytest.raises(InputError, match=message):
        parse_mapping(text)


def test_a_subscription_said_cancelled_without_an_end_date_counts_and_is_flagged():
    text = ("Client,Début,Fin,Prix,Statut\nA,2024-01-01,,10,active\nB,2024-01-01,,20,Cancelled\n"
            "C,2024-01-01,2024-03-01,30,canceled\nD,2024-01-01,,40,résilié\n")
    columns = {"customer_id": "Client", "start_date": "Début", "end_date": "Fin", "amount": "Prix", "status": "Statut"}
    result = apply_mapping(sheet(text), TableMapping("subscriptions", columns))
    assert result.quality.rows_used == 4  # a status has no date: nothing is dropped
    assert result.quality.warnings == (
        "2 row(s) have the status 'cancelled' but no end date (its end-date column 'Fin' is blank there): "
        "they still count as paying — map or fill the end date (rows 3, 5)",)
    without_end = {k: v for k, v in columns.items() if k != "end_date"}
    warning, = apply_mapping(sheet(text), TableMapping("subscriptions", without_end)).quality.warnings
    assert "3 row(s)" in warning and "no column is mapped to end_date" in warning
    assert apply_mapping(sheet(text.replace("ancel", "ctiv").replace("résilié", "active")),
                         TableMapping("subscriptions", columns)).quality.warnings == ()
