"""Meta-tests: the documentation keeps up with the code.

- every key of the JSON report is defined in docs/definitions.md, written as a code span
  `section.key` (`revenue.arpa`, `series.new_customers`, `data_quality.rejected.reason`; a
  top-level key on its own: `as_of`), and named in docs/cli.md's description of the report;
- every field of the report's `Settings` is documented in docs/definitions.md by its exact name;
- every command, `--flag` and `--format` choice of the command line is in docs/cli.md;
- every relative link of README.md and docs/*.md points to a file of the repository (and to a
  heading of it when the link has an anchor);
- the two reference pages stand on their own: they cite no private folder or absolute path.

The convention for JSON keys: a dictionary whose keys are the data's own values (cohort months,
file names) is one leaf (`cohorts.logo`), or, when its values are objects, the fields of those
objects are leaves under its name (`data_quality.rows_read`); a list of objects has its objects'
fields as leaves (`series.mrr`).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from kpi.demo import load_demo
from kpi.ingest.mapping import Tables

try:
    from kpi.report import build_report
except ImportError:  # the package is being split into subpackages: the builder lives in kpi.report.build
    from kpi.report.build import build_report

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
DEFINITIONS = DOCS / "definitions.md"
CLI = DOCS / "cli.md"
DEMO_AS_OF = "2026-10"  # the demo company's last month
# keys are data, not names
DATA_KEYED = {"cohorts.logo", "cohorts.revenue", "cohorts.sizes", "data_quality", "churn_reasons", "plan"}


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def leaves(value: object, path: str = "") -> set[str]:
    """The documented paths of a JSON report (see the module docstring for the convention)."""
    out = {path} if path else set()
    if isinstance(value, list):
        objects = [item for item in value if isinstance(item, dict)]
    elif isinstance(value, dict):
        objects = [entry for entry in value.values() if isinstance(entry, dict)] if path in DATA_KEYED else [value]
    else:
        objects = []
    for item in objects:
        for key, field in item.items():
            out |= leaves(field, f"{path}.{key}" if path else key)
    return out


@pytest.fixture(scope="module")
def demo_report() -> dict:
    return build_report(load_demo(), as_of=DEMO_AS_OF).to_json()


@pytest.fixture(scope="module")
def orders_report(tmp_path_factory) -> dict:
    """What the demo has not: an orders table, and a rejected row — through the command line."""
    folder = tmp_path_factory.mktemp("orders")
    (folder / "orders.csv").write_text(
        "Order,Customer,Date,Amount\nA1,C1,2025-01-05,30\nA2,C1,2025-02-07,45\nA3,C2,2025-02-09,20\n"
        "A4,C3,not a date,10\n", encoding="utf-8")
    (folder / "mapping.json").write_text(json.dumps({"orders.csv": {"table": "orders", "columns": {
        "order_id": "Order", "customer_id": "Customer", "date": "Date", "amount": "Amount"}}}), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "kpi", "report", str(folder / "orders.csv"), "--mapping", str(folder / "mapping.json"),
         "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["orders"] is not None and report["data_quality"]["orders.csv"]["rejected"]
    return report


@pytest.fixture(scope="module")
def list_and_reasons_reports() -> list[dict]:
    """What neither has: a customer list without dates (snapshot) and churn reasons with revenue."""
    customers = pd.DataFrame({"customer_id": ["A", "B"], "mrr": [10.0, 20.0],
                              "churned": pd.array([False, True], dtype="boolean")})
    subscriptions = pd.DataFrame({"customer_id": ["A", "B"], "start_date": pd.to_datetime(["2025-01-05"] * 2),
                                  "end_date": pd.to_datetime([None, "2025-03-05"]), "amount": [10.0, 20.0]})
    reasons = pd.DataFrame({"customer_id": ["B"], "date": pd.to_datetime(["2025-03-05"]), "reason": ["Too expensive"]})
    return [build_report(Tables({"customers": customers}, {})).to_json(),
            build_report(Tables({"subscriptions": subscriptions, "churn_reasons": reasons}, {})).to_json()]


@pytest.fixture(scope="module")
def report_paths(demo_report, orders_report, list_and_reasons_reports) -> set[str]:
    reports = [demo_report, orders_report, *list_and_reasons_reports]
    empty = [key for key in demo_report if all(report[key] is None for report in reports)]
    assert not empty, f"no test report fills the section(s) {empty}: give this test data that does"
    return set().union(*(leaves(report) for report in reports))


def test_every_key_of_the_json_report_is_defined(report_paths):
    text = text_of(DEFINITIONS)
    missing = sorted(path for path in report_paths if f"`{path}`" not in text)
    assert not missing, f"docs/definitions.md does not define (as `section.key`): {', '.join(missing)}"


def test_every_key_of_the_json_report_is_in_the_cli_page(report_paths):
    text = text_of(CLI)
    names = {path.rsplit(".", 1)[-1] for path in report_paths}
    missing = sorted(name for name in names if f'"{name}"' not in text and f"`{name}`" not in text)
    assert not missing, f"docs/cli.md's JSON report does not name: {', '.join(missing)}"


def settings_class() -> type:
    """The report's Settings: the type of `build_report`'s default `settings`."""
    settings = inspect.signature(build_report).parameters["settings"].default
    assert dataclasses.is_dataclass(settings), "build_report's settings default is no longer a Settings dataclass"
    return type(settings)


def test_every_setting_is_documented():
    text = text_of(DEFINITIONS)
    fields = [field.name for field in dataclasses.fields(settings_class())]
    assert fields
    missing = [name for name in fields if not re.search(rf"^\|\s*`{re.escape(name)}`\s*\|", text, re.M)]
    assert not missing, f"docs/definitions.md has no settings-table row for: {', '.join(missing)}"


def cli_parser() -> argparse.ArgumentParser:
    module = importlib.import_module("kpi.__main__")
    for name in ("_parser", "parser", "build_parser", "make_parser"):
        if callable(getattr(module, name, None)):
            return getattr(module, name)()
    raise AssertionError("kpi.__main__ has no parser function (_parser) any more: update this test")


def commands_and_options(parser: argparse.ArgumentParser) -> tuple[set[str], set[str], set[str]]:
    """(subcommands, --flags, choices of options) of a parser and its subparsers."""
    commands, flags, choices = set(), set(), set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                commands.add(name)
                more = commands_and_options(sub)
                commands |= more[0]
                flags |= more[1]
                choices |= more[2]
            continue
        flags |= {option for option in action.option_strings if option.startswith("--")}
        if action.option_strings and action.choices:
            choices |= {str(choice) for choice in action.choices}
    return commands, flags, choices


def test_every_command_and_flag_is_documented():
    text = text_of(CLI)
    commands, flags, choices = commands_and_options(cli_parser())
    assert commands and flags
    missing = [f"command {name}" for name in sorted(commands) if f"`{name}`" not in text
               or not re.search(rf"python -m kpi {re.escape(name)}\b", text)]
    missing += [flag for flag in sorted(flags) if not re.search(rf"{re.escape(flag)}(?![\w-])", text)]
    missing += [f"choice {choice}" for choice in sorted(choices) if f"`{choice}`" not in text]
    assert not missing, f"docs/cli.md does not document: {', '.join(missing)}"


# ── links ─────────────────────────────────────────────────────────────────────────────────

INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def without_fences(text: str) -> str:
    """The text without its fenced code blocks."""
    kept, fence = [], None
    for line in text.splitlines():
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence is None and marker:
            fence = marker.group(1)[0] * 3
            continue
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        kept.append(line)
    return "\n".join(kept)


def prose(text: str) -> str:
    """The text without code blocks and code spans (links there are not links)."""
    return CODE_SPAN.sub("", without_fences(text))


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file: lower case, punctuation (code
    marks included) removed, spaces turned into hyphens, `-1`, `-2`… after repeats."""
    slugs, seen = set(), {}
    for line in without_fences(text_of(path)).splitlines():
        heading = re.match(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        words = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1))  # a link keeps its text
        slug = re.sub(r"[^\w\- ]", "", words.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        slugs.add(slug if count == 0 else f"{slug}-{count}")
    return slugs


MARKDOWN_FILES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("document", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_to_files_of_the_repository(document):
    text = prose(text_of(document))
    targets = INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)
    broken = []
    for target in targets:
        if not target or SCHEME.match(target):
            continue  # web and mail links are not checked here
        path_part, _, fragment = target.partition("#")
        path_part = unquote(path_part.split("?", 1)[0])
        if path_part.startswith("/"):
            broken.append(f"{target} (absolute: links must be relative)")
            continue
        resolved = (document.parent / path_part).resolve() if path_part else document.resolve()
        if not resolved.is_relative_to(ROOT):
            broken.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and resolved.suffix == ".md" and unquote(fragment).lower() not in anchors(resolved):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{document.relative_to(ROOT)} has broken links: {'; '.join(broken)}"


@pytest.mark.parametrize("document", [DEFINITIONS, CLI], ids=lambda p: str(p.relative_to(ROOT)))
def test_reference_pages_stand_on_their_own(document):
    text = text_of(document)
    private = [pattern for pattern in (r"\.\./shared", r"(?<![\w.])/(?:work|home|root|tmp|Users)/", r"\bseeds?\s*\d",
                                       r"KPI_DEFINITIONS", r"\bCLI\.md\b")
               if re.search(pattern, text)]
    assert not private, f"{document.relative_to(ROOT)} cites what a clone does not have: {private}"
