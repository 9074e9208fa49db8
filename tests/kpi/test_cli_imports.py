"""The CLI loads only what a command needs: a JSON report imports no plotting, export or
statistics library, and `--help` imports no stage of the engine at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("plotly", "scipy", "pptx", "xlsxwriter", "openpyxl", "streamlit", "sqlalchemy", "kpi.exports", "kpi.store")
PROBE = """
import contextlib, io, json, sys
from kpi.__main__ import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:
        code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def modules_loaded(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return answer["code"], set(answer["modules"])


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)}


def test_a_json_report_loads_no_plotting_export_or_statistics_module():
    code, modules = modules_loaded("report", "data/demo/stripe_subscriptions.csv", "data/demo/nps_survey.csv",
                                   "--format", "json")
    assert code == 0
    assert "kpi.report.build" in modules and "kpi.metrics.revenue" in modules  # it did compute a report
    assert not heavy(modules), sorted(heavy(modules))


def test_help_loads_no_stage_of_the_engine():
    code, modules = modules_loaded("--help")
    assert code == 0
    assert not {m for m in modules if m.startswith(("kpi.ingest", "kpi.metrics", "kpi.report", "pandas"))}


def test_alerts_without_delivery_load_no_export_or_sending_module():
    code, modules = modules_loaded("alerts", "data/demo/stripe_subscriptions.csv", "--as-of", "2026-05")
    assert code == 3  # the logo churn spike of May 2026
    assert "kpi.report.alerts" in modules and "smtplib" not in modules and "urllib.request" not in modules
    assert not heavy(modules), sorted(heavy(modules))


def test_a_deck_loads_the_pptx_exporter_only_when_asked(tmp_path):
    code, modules = modules_loaded("report", "data/demo/stripe_subscriptions.csv", "--format", "pptx",
                                   "--out", str(tmp_path / "u.pptx"))
    assert code == 0 and "kpi.exports.pptx" in modules and "kpi.exports.xlsx" not in modules


RECOGNITION = ("kpi.ingest.recognise", "kpi.ingest.proposal", "kpi.ingest.profile", "kpi.ingest.shapes")


def test_a_json_report_with_a_mapping_loads_no_recognition_module(tmp_path):
    files = ("stripe_subscriptions.csv", "nps_survey.csv")
    mapping = {name: entry for name, entry in json.loads((ROOT / "data/demo/mapping.json").read_text()).items()
               if name in files}
    (tmp_path / "mapping.json").write_text(json.dumps(mapping), encoding="utf-8")
    code, modules = modules_loaded("report", *(f"data/demo/{name}" for name in files),
                                   "--mapping", str(tmp_path / "mapping.json"), "--format", "json")
    assert code == 0 and "kpi.report.build" in modules
    assert not heavy(modules), sorted(heavy(modules))
    assert not set(RECOGNITION) & modules, sorted(set(RECOGNITION) & modules)


def test_without_a_mapping_the_files_are_recognised():
    code, modules = modules_loaded("report", "data/demo/stripe_subscriptions.csv", "--format", "json")
    assert code == 0 and "kpi.ingest.recognise" in modules
