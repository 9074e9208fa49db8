"""The command line (docs/cli.md): the same report as the app, exit 2 on a user's mistake."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kpi.__main__ import main
from kpi.demo import DEMO_DIR, demo_files, load_demo
from kpi.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
REPORT_KEYS = {"as_of", "currency", "revenue", "series", "cohorts", "unit_economics", "nps", "csat", "ces",
               "support", "engagement", "orders", "churn_reasons", "snapshot", "data_quality",
               "finance", "plan", "forecast"}  # the demo has a bank export and a budget


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_json_report_of_the_demo_without_a_mapping_equals_the_engine():
    result = run("report", *map(str, demo_files()))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == REPORT_KEYS
    assert report["as_of"] == "2026-10" and report["currency"] == "EUR"
    expected = build_report(load_demo()).to_json()
    assert report["revenue"] == pytest.approx(expected["revenue"])
    assert all(value is not None for value in report["revenue"].values())
    assert report["series"][0]["month"] == "2023-11" and report["series"][-1]["month"] == "2026-10"
    assert "read as subscriptions" in result.stderr


def test_save_mapping_writes_what_was_recognised_and_it_can_be_given_back(tmp_path):
    saved = tmp_path / "mapping.json"
    first = run("report", str(DEMO_DIR / "stripe_subscriptions.csv"), "--save-mapping", str(saved))
    assert first.returncode == 0
    assert json.loads(saved.read_text())["stripe_subscriptions.csv"]["table"] == "subscriptions"
    second = run("report", str(DEMO_DIR / "stripe_subscriptions.csv"), "--mapping", str(saved), "--as-of", "2025-06")
    assert second.returncode == 0
    assert json.loads(second.stdout)["as_of"] == "2025-06"


def test_markdown_and_text_formats(tmp_path, capsys):
    out = tmp_path / "report.md"
    assert main(["report", str(DEMO_DIR / "stripe_subscriptions.csv"), "--format", "md", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# KPI report — October 2026")
    assert "| MRR |" in text and "net new MRR" in text
    assert main(["report", str(DEMO_DIR / "stripe_subscriptions.csv"), "--format", "text"]) == 0
    assert "KPI report as of 2026-10" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["report", "missing.csv"], "missing.csv: cannot open the file"),
    (["report", "data/demo/stripe_subscriptions.csv", "--as-of", "2031-01"], "outside the revenue data"),
    (["report", "data/demo/stripe_subscriptions.csv", "--as-of", "June"], "not a month written YYYY-MM"),
    (["report", "data/demo/stripe_subscriptions.csv", "--format", "docx"], "invalid choice"),
    (["report", "README.md"], "unsupported file type '.md'"),
])
def test_user_mistakes_exit_2_with_one_line(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]  # notes on the recognised mapping may come first
    assert last.startswith("kpi: ") and message in last


def test_a_mapping_naming_a_missing_column_says_which(tmp_path):
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"stripe_subscriptions.csv": {"table": "subscriptions", "columns": {
        "customer_id": "Client", "start_date": "Start Date (UTC)", "amount": "Amount"}}}))
    result = run("report", str(DEMO_DIR / "stripe_subscriptions.csv"), "--mapping", str(mapping))
    assert result.returncode == 2
    assert "column 'Client'" in result.stderr and "stripe_subscriptions.csv" in result.stderr
