"""kpi.ingest.recognise.propose_for_table: the columns of a table the user chose for a sheet."""

import pytest

from kpi.ingest.io import Sheet, read_bytes
from kpi.ingest.recognise import propose_for_table, recognise

BILLING = """customer_id,start_date,end_date,amount,plan
c1,2024-01-01,,29,Starter
c2,2024-02-01,2024-06-30,99,Pro
c3,2024-03-01,,49,Starter
c4,2024-03-15,,199,Business
"""


def sheet_of(text: str, name: str = "billing.csv") -> Sheet:
    return read_bytes(name, text.encode("utf-8"))[0]


def test_the_recognised_table_keeps_recognitions_proposal():
    sheet = sheet_of(BILLING)
    assert recognise(sheet).table == "subscriptions"
    assert propose_for_table(sheet, "subscriptions") == recognise(sheet)


def test_another_table_gets_its_fields_columns_proposed():
    proposal = propose_for_table(sheet_of(BILLING), "invoices")
    assert proposal.table == "invoices"
    assert proposal.columns["customer_id"] == "customer_id"
    assert proposal.columns["amount"] == "amount"
    assert proposal.columns["date"] in ("start_date", "end_date")
    assert set(proposal.field_reasons) == set(proposal.columns)


def test_a_table_without_a_fitting_column_says_which_required_field_is_missing():
    proposal = propose_for_table(sheet_of(BILLING), "nps")
    assert "score" not in proposal.columns
    assert "score" in proposal.reason
    assert proposal.columns.get("customer_id") == "customer_id"


def test_amounts_in_cents_are_proposed_for_the_chosen_table():
    text = "customer_id,invoice_date,amount_cents\nc1,2024-01-05,2900\nc2,2024-01-07,9900\nc3,2024-02-05,2900\n"
    proposal = propose_for_table(sheet_of(text, "export.csv"), "orders")
    assert proposal.columns.get("amount") == "amount_cents"
    assert proposal.options.get("amount_unit") == "cents"


def test_an_unknown_table_is_refused_with_the_valid_choices():
    with pytest.raises(ValueError, match="subscriptions"):
        propose_for_table(sheet_of(BILLING), "payments")
