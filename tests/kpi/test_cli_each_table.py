"""The command line on files that hold one table each (docs/cli.md): tickets alone give `support`,
NPS answers alone give `nps`, a file with headers and no rows exits 2 (code no-data-rows) or is
skipped beside usable files, and a budget workbook never ends in a traceback."""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from kpi.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"

# March 2025: T1 2 h and T3 4 h at first contact, T2 24 h after 3 replies, T4 still open; T5 is February's
TICKETS = """Ticket ID,Customer ID,Created at,Solved at,Agent replies,First contact resolution
T1,cus_1,2025-03-03 09:00:00,2025-03-03 11:00:00,1,Yes
T2,cus_2,2025-03-10 10:00:00,2025-03-11 10:00:00,3,No
T3,cus_1,2025-03-20 08:00:00,2025-03-20 12:00:00,1,Yes
T4,cus_3,2025-03-28 15:00:00,,,
T5,cus_2,2025-02-14 09:00:00,2025-02-14 10:00:00,1,Yes
"""

# June 2025; the window is 2025-04-02 (= 2025-07-01 − 90 days) to June's end: 10, 9 promoters,
# 7, 8 passives, 3 a detractor → NPS (2 − 1) ÷ 5 = +20; the December answer is outside it
NPS = """Response ID,Created At,Customer ID,Score
1,2024-12-01 10:00:00,cus_1,0
2,2025-04-02 10:00:00,cus_1,10
3,2025-05-10 10:00:00,cus_2,9
4,2025-05-20 10:00:00,cus_3,7
5,2025-06-01 10:00:00,cus_4,3
6,2025-06-15 10:00:00,cus_5,8
"""


def report_of(capsys, *args: str) -> tuple[int, dict | None, str]:
    status = main(["report", *args])
    out, err = capsys.readouterr()
    return status, json.loads(out) if status == 0 else None, err


def test_tickets_alone_give_the_support_section_of_the_last_month(tmp_path, capsys):
    path = tmp_path / "tickets.csv"
    path.write_text(TICKETS, encoding="utf-8")
    status, report, err = report_of(capsys, str(path))
    assert status == 0, err
    assert report["as_of"] == "2025-03"
    assert report["support"]["tickets"] == 4
    assert report["support"]["fcr"] == pytest.approx(2 / 3)
    assert report["support"]["median_resolution_hours"] == pytest.approx(4.0)
    assert report["revenue"] is None and report["nps"] is None


def test_nps_answers_alone_give_the_nps_section(tmp_path, capsys):
    path = tmp_path / "nps.csv"
    path.write_text(NPS, encoding="utf-8")
    status, report, err = report_of(capsys, str(path))
    assert status == 0, err
    assert report["as_of"] == "2025-06"
    nps = report["nps"]
    assert (nps["n"], nps["promoters"], nps["passives"], nps["detractors"]) == (5, 2, 2, 1)
    assert nps["score"] == pytest.approx(20.0)
    assert report["support"] is None and report["revenue"] is None


@pytest.mark.parametrize("name", ["only_headers.csv", "only_headers.xlsx"])
def test_a_file_with_headers_and_no_rows_alone_exits_2(name, capsys):
    status, _, err = report_of(capsys, str(FIXTURES / name))
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "no data rows" in lines[0] and name in lines[0]


def test_the_error_of_a_file_without_rows_carries_its_code():
    from kpi.ingest.empty_sheets import NO_DATA_ROWS, no_data_rows
    from kpi.ingest.io import read_path

    [sheet] = read_path(FIXTURES / "only_headers.csv")
    error = no_data_rows(sheet)
    assert error is not None and error.code == NO_DATA_ROWS == "no-data-rows"
    [sheet] = read_path(FIXTURES / "stripe_subscriptions.csv")
    assert no_data_rows(sheet) is None


def test_several_files_without_rows_exit_2_naming_each(capsys):
    status, _, err = report_of(capsys, str(FIXTURES / "only_headers.csv"), str(FIXTURES / "only_headers.xlsx"))
    assert status == 2
    assert "no data rows" in err and "only_headers.csv" in err and "only_headers.xlsx" in err


def test_a_file_without_rows_beside_a_usable_one_is_listed_and_the_other_reports(tmp_path, capsys):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(TICKETS, encoding="utf-8")
    status, report, err = report_of(capsys, str(FIXTURES / "only_headers.csv"), str(tickets))
    assert status == 0, err
    assert "only_headers.csv: skipped, no data rows" in err
    assert report["support"]["tickets"] == 4
    assert set(report["data_quality"]) == {"tickets.csv"}


def test_a_mapping_naming_a_file_without_rows_still_reports_the_others(tmp_path, capsys):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(TICKETS, encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({
        "only_headers.csv": {"table": "subscriptions", "columns": {
            "customer_id": "ID client", "start_date": "Date de début", "amount": "Montant HT (€)"}},
        "tickets.csv": {"table": "tickets", "columns": {"ticket_id": "Ticket ID", "created_at": "Created at"}},
    }), encoding="utf-8")
    status, report, err = report_of(capsys, str(FIXTURES / "only_headers.csv"), str(tickets), "--mapping", str(mapping))
    assert status == 0, err
    assert "only_headers.csv: skipped, no data rows" in err
    assert report["support"]["tickets"] == 4


def budget_workbook(path: Path) -> Path:
    """A budget as founders keep it: metric names down column A, months across as Excel dates."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Budget 2025"
    sheet.append(["Metric", *(datetime.datetime(2025, month, 1) for month in range(1, 7))])
    sheet.append(["MRR", 10000, 11000, 12000, 13000, 14000, 15000])
    sheet.append(["New customers", 5, 6, 7, 8, 9, 10])
    sheet.append(["Headcount", 4, 4, 5, 5, 6, "six"])
    book.save(path)
    return path


def test_a_budget_workbook_read_as_a_wide_mrr_table_reports_without_a_traceback(tmp_path):
    book = budget_workbook(tmp_path / "budget.xlsx")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"budget.xlsx:Budget 2025": {
        "table": "mrr", "layout": "wide", "columns": {"customer_id": "Metric"}}}), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kpi", "report", str(book), "--mapping", str(mapping)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    quality = json.loads(result.stdout)["data_quality"]["budget.xlsx:Budget 2025"]
    assert quality["rejected"] == [{"row": 4, "column": "2025-06-01", "value": "six", "reason": "is not an amount"}]
    assert (quality["rows_read"], quality["rows_used"]) == (18, 17)


def test_a_budget_workbook_without_a_mapping_never_ends_in_a_traceback(tmp_path):
    book = budget_workbook(tmp_path / "budget.xlsx")
    result = subprocess.run([sys.executable, "-m", "kpi", "report", str(book)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 0:
        assert set(json.loads(result.stdout)["data_quality"]) <= {"budget.xlsx:Budget 2025"}
    else:
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_wide_sheet_keeps_its_spreadsheet_rows_after_the_melt(tmp_path):
    from kpi.ingest.io import read_path
    from kpi.ingest.mapping import TableMapping, apply_mapping

    [sheet] = read_path(budget_workbook(tmp_path / "budget.xlsx"))
    result = apply_mapping(sheet, TableMapping("mrr", {"customer_id": "Metric"}, "wide"))
    assert sorted(set(result.frame.index)) == [2, 3, 4]  # header on row 1
    assert result.frame.loc[4, "mrr"].tolist() == [4, 4, 5, 5, 6]  # "six" in June is left out
    assert result.quality.rejected["row"].tolist() == [4]
