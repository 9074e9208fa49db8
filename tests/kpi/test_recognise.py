"""kpi.ingest.recognise: tables and columns found without a mapping, with confidences."""

import pytest

from kpi.demo import demo_files, demo_mapping
from kpi.ingest.io import Sheet, read_bytes, read_path
from kpi.ingest.recognise import auto_mapping, name_score, recognise, tokens
from tests.datasets import ONLINE_RETAIL

RETAIL = ONLINE_RETAIL


def sheet_of(text: str, name: str = "export.csv") -> Sheet:
    return read_bytes(name, text.encode("utf-8"))[0]


def test_header_words_lose_accents_units_and_filler():
    assert tokens("Montant HT (€)") == ("montant",)
    assert tokens("Date de début") == ("date", "debut")
    assert tokens("Start Date (UTC)") == ("start", "date")
    assert tokens("customerId") == ("customer", "id")


def test_a_typo_still_names_the_field_but_a_different_word_does_not():
    assert name_score(tokens("Custmer ID"), ("customer id",)) >= 0.9
    assert name_score(tokens("user id"), ("customer id",)) < 0.7


@pytest.mark.parametrize("key", list(demo_mapping()))
def test_every_demo_sheet_is_recognised_as_its_mapping_says(key):
    sheets = {s.key: s for p in demo_files() for s in read_path(p)}
    proposal = recognise(sheets[key])
    expected = demo_mapping()[key]
    assert proposal.table == expected.table
    assert proposal.columns == expected.columns
    assert proposal.confidence >= 0.8


def test_online_retail_is_an_orders_table_mapped_without_help():
    proposal = recognise(read_path(RETAIL)[0])
    assert proposal.table == "orders"
    assert {k: proposal.columns[k] for k in ("customer_id", "date", "quantity", "unit_price", "order_id")} == {
        "customer_id": "CustomerID", "date": "InvoiceDate", "quantity": "Quantity", "unit_price": "UnitPrice",
        "order_id": "InvoiceNo"}


def test_french_subscription_export_with_title_row():
    sheet = sheet_of(
        "Export abonnements du 03/02/2025;;;;\n"
        "ID client;Date de début;Date de fin;Montant HT (€);Périodicité\n"
        "C-001;15/01/2024;;1 200,00 €;Annuel\n"
        "C-002;03/02/2024;31/05/2024;49,90 €;Mensuel\n",
        "abonnements.csv",
    )
    proposal = recognise(sheet)
    assert proposal.table == "subscriptions"
    assert proposal.columns == {"customer_id": "ID client", "start_date": "Date de début", "end_date": "Date de fin",
                                "amount": "Montant HT (€)", "interval": "Périodicité"}


def test_a_column_of_zero_to_ten_next_to_a_date_is_an_nps_score():
    rows = "\n".join(f"2024-0{1 + i % 9}-1{i % 9},{s}" for i, s in enumerate([0, 3, 7, 9, 10, 8, 6, 10, 9, 5]))
    proposal = recognise(sheet_of("answered on,how did we do\n" + rows, "survey.csv"))
    assert proposal.table == "nps"
    assert proposal.columns["score"] == "how did we do"


def test_wide_month_per_column_sheet_is_wide_mrr():
    sheet = sheet_of("Client,Jan 2024,Feb 2024,Mar 2024,Apr 2024\nAcme,100,100,120,\nZeta,,50,50,50\n", "mrr.csv")
    proposal = recognise(sheet)
    assert (proposal.table, proposal.layout, proposal.columns) == ("mrr", "wide", {"customer_id": "Client"})


def test_a_sheet_that_fits_nothing_is_skipped_with_a_note():
    sheet = sheet_of("colour,flavour\nred,sweet\nblue,sour\n", "misc.csv")
    mapping, notes = auto_mapping([sheet])
    assert mapping == {}
    assert notes == ["misc.csv: skipped, it fits no table of the schema"]


def test_an_amount_header_that_says_cents_is_read_in_minor_units():
    proposal = recognise(sheet_of("customer_id,start_date,amount_in_cents\nA,2024-01-05,2900\nB,2024-02-01,9900\n"))
    assert proposal.columns["amount"] == "amount_in_cents"
    assert proposal.mapping().options == {"amount_unit": "cents"}


def test_an_api_export_with_whole_amounts_behind_a_dotted_prefix_is_in_cents():
    text = ("plan.customer,plan.created,plan.amount,plan.interval\n"
            "cus_1,2024-01-05,2900,month\ncus_2,2024-02-01,29000,year\n")
    assert recognise(sheet_of(text)).options == {"amount_unit": "cents"}
    with_decimals = text.replace("2900,", "29.00,").replace("29000,", "290.00,")
    assert recognise(sheet_of(with_decimals)).options == {}


def test_a_plain_export_with_whole_amounts_stays_in_major_units():
    proposal = recognise(sheet_of("Customer,Start,Amount\nA,2024-01-05,29\nB,2024-02-01,99\n"))
    assert proposal.table == "subscriptions" and proposal.options == {}
