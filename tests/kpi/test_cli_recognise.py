"""`python -m kpi recognise` (docs/cli.md): per file or sheet, the table, the confidence and each
field → column with its reason; exit 0, and 2 on unreadable input."""

import json
import subprocess
import sys
from pathlib import Path

from kpi.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_text_output_explains_the_table_and_every_field():
    result = run("recognise", str(CORPUS / "subscriptions_mrr.csv"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("subscriptions_mrr.csv: subscriptions (confidence ")
    assert lines[1].startswith("  why: ") and "already monthly" in lines[1]
    assert "  amount      ← mrr_amount: header 'mrr_amount' names the amount; values are money" in lines


def test_json_output_lists_every_sheet_with_its_reasons_and_a_notes_sheet_as_none():
    result = run("recognise", str(CORPUS / "budget_2026.xlsx"), str(CORPUS / "churn_events.csv"), "--format", "json")
    assert result.returncode == 0, result.stderr
    found = {entry["sheet"]: entry for entry in json.loads(result.stdout)}
    assert set(found) == {"budget_2026.xlsx:Budget 2026", "budget_2026.xlsx:Hypothèses", "churn_events.csv"}
    budget = found["budget_2026.xlsx:Budget 2026"]
    assert (budget["table"], budget["layout"], budget["columns"]["metric"]["column"]) == ("plan", "wide", "KPI")
    assert "metric names down 'KPI'" in budget["reason"]
    notes = found["budget_2026.xlsx:Hypothèses"]
    assert notes["table"] is None and notes["columns"] == {} and notes["reason"].startswith("no table fits")
    churn = found["churn_events.csv"]
    assert churn["table"] == "churn_reasons"
    assert churn["columns"]["reason"]["column"] == "reason_code"
    assert "names the reason" in churn["columns"]["reason"]["reason"]


def test_an_unreadable_file_exits_2_with_one_line(tmp_path, capsys):
    missing = tmp_path / "missing.csv"
    assert main(["recognise", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kpi: ") and "missing.csv" in err and len(err.strip().splitlines()) == 1


def test_a_binary_file_named_csv_exits_2(tmp_path, capsys):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 8)
    assert main(["recognise", str(junk)]) == 2
    assert "Traceback" not in capsys.readouterr().err
