"""Recognition by compound names, value profiles and shape; the cash and plan tables; the reader's
extra header rows and footer lines."""

import datetime as dt

import openpyxl
import pytest

from kpi.errors import InputError
from kpi.ingest.io import Sheet, read_bytes, read_path
from kpi.ingest.mapping import TableMapping, apply_mapping, build_tables
from kpi.ingest.recognise import recognise


def sheet_of(text: str, name: str = "export.csv") -> Sheet:
    return read_bytes(name, text.encode("utf-8"))[0]


@pytest.mark.parametrize("header", ["mrr_amount", "monthlyAmount", "Plan MRR (EUR)", "monthly_amount"])
def test_a_compound_money_header_names_the_amount(header):
    proposal = recognise(sheet_of(f"subscription_id,customer_id,start_date,end_date,{header}\n"
                                  "s1,C1,2024-01-05,,29.00\ns2,C2,2024-02-01,2024-06-01,99.50\n", "data.csv"))
    assert proposal.table == "subscriptions"
    assert proposal.columns["amount"] == header
    assert proposal.field_reasons["amount"] == f"header '{header}' names the amount; values are money"


def test_an_id_two_dates_and_money_is_a_subscription_table_whatever_its_headers():
    proposal = recognise(sheet_of("ref,du,au,eur\nAB-1,2024-01-05,2024-05-05,29.90\nAB-2,2024-02-01,,99.50\n"
                                  "AB-3,2024-03-11,,49.00\n", "data.csv"))
    assert proposal.table == "subscriptions"
    assert proposal.columns == {"customer_id": "ref", "start_date": "du", "end_date": "au", "amount": "eur"}
    assert "shape of a subscription table" in proposal.reason


def test_an_amount_already_monthly_is_not_divided_by_its_interval():
    proposal = recognise(sheet_of("account_id,started_at,billing_interval,mrr_amount\n"
                                  "A,2024-01-05,annual,29.00\nB,2024-02-01,monthly,99.00\n"))
    assert "interval" not in proposal.columns and "already monthly" in proposal.reason


def test_debit_and_credit_give_the_signed_amount():
    sheet = sheet_of("Date;Débit;Crédit;Libellé;Solde\n01/12/2025;-464,03;;CB AWS;44746,34\n"
                     "02/12/2025;;1200,00;VIR CLIENT;45946,34\n03/12/2025;26,00;;FRAIS;45920,34\n", "releve.csv")
    proposal = recognise(sheet)
    assert proposal.table == "cash"
    assert {k: proposal.columns[k] for k in ("date", "debit", "credit", "label")} == {
        "date": "Date", "debit": "Débit", "credit": "Crédit", "label": "Libellé"}
    mapping = TableMapping("cash", {"date": "Date", "debit": "Débit", "credit": "Crédit", "label": "Libellé"})
    frame = apply_mapping(sheet, mapping).frame
    assert frame["amount"].tolist() == [-464.03, 1200.0, -26.0]


def test_a_cash_mapping_needs_some_money_column_and_a_row_needs_a_value():
    sheet = sheet_of("date,label,amount\n2025-01-02,Rent,-900\n2025-01-03,Note,\n")
    with pytest.raises(InputError, match="balance, amount, or debit and credit"):
        apply_mapping(sheet, TableMapping("cash", {"date": "date", "label": "label"}))
    result = apply_mapping(sheet, TableMapping("cash", {"date": "date", "label": "label", "amount": "amount"}))
    assert result.quality.rows_used == 1
    assert result.quality.rejected["reason"].tolist() == ["has no amount, debit, credit or balance"]


def test_a_budget_with_excel_date_months_is_a_wide_plan_melted_to_long_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Budget"
    sheet.append(["Budget 2026 — v3"])
    sheet.append(["KPI", *[dt.datetime(2026, m, 1) for m in (1, 2, 3)], "Total 2026"])
    sheet.append(["MRR", 52000, 54340, None, "=SUM(B3:D3)"])
    sheet.append([])
    sheet.append(["Cash", 410000, 395000, 380000, None])
    book.save(tmp_path / "budget.xlsx")
    read = read_path(tmp_path / "budget.xlsx", trusted=True)[0]
    proposal = recognise(read)
    assert (proposal.table, proposal.layout, proposal.columns) == ("plan", "wide", {"metric": "KPI"})
    tables = build_tables([read], {read.key: proposal.mapping()})
    plan = tables.frames["plan"]
    assert sorted(zip(plan["metric"], plan["month"].dt.strftime("%Y-%m"), plan["value"], strict=True)) == [
        ("Cash", "2026-01", 410000), ("Cash", "2026-02", 395000), ("Cash", "2026-03", 380000),
        ("MRR", "2026-01", 52000), ("MRR", "2026-02", 54340)]
    assert tables.quality[read.key].rejected.empty


def test_a_wide_sheet_of_customers_is_still_wide_mrr():
    proposal = recognise(sheet_of("Client,Jan 2026,Feb 2026,Mar 2026\nAcme,100,100,120\nZeta,,50,50\n"))
    assert (proposal.table, proposal.columns) == ("mrr", {"customer_id": "Client"})


def test_a_customer_list_with_a_monthly_charge_and_a_churn_flag_is_a_snapshot():
    proposal = recognise(sheet_of("customerID,tenure,MonthlyCharges,Churn\n7590-VHVEG,1,29.85,No\n"
                                  "5575-GNVDE,34,56.95,Yes\n3668-QPYBK,2,53.85,Yes\n"))
    assert proposal.table == "customers"
    assert {k: proposal.columns[k] for k in ("customer_id", "mrr", "churned")} == {
        "customer_id": "customerID", "mrr": "MonthlyCharges", "churned": "Churn"}


def test_survey_sub_header_rows_and_report_footers_are_not_data():
    survey = sheet_of("Respondent ID,End Date,How satisfied are you with our support overall?\n"
                      ",,Response\n1001,01/23/2026 12:31:44 PM,4\n1002,01/24/2026 09:02:10 AM,5\n"
                      "1003,01/25/2026 03:15:00 PM,3\n1004,01/26/2026 11:00:00 AM,2\n", "csat.csv")
    assert survey.frame.index.tolist() == [3, 4, 5, 6]
    assert any("header row" in w for w in survey.warnings)
    report = sheet_of('"Account ID","Close Date","Amount"\n"001A","11/24/2025","$60,000.00"\n'
                      '"001B","12/26/2025","$12,000.00"\n"001C","1/5/2026","$8,000.00"\n\n'
                      '"Grand Totals (3 records)"\n\n"Confidential Information - Do Not Distribute"\n', "opps.csv")
    assert report.frame["Account ID"].tolist() == ["001A", "001B", "001C"]
    assert any("footer" in w for w in report.warnings)
