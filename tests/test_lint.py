"""Names that cannot be resolved fail here, not in front of a user or half-way through a benchmark.

`ruff` (a dev dependency) checks every tracked Python file for the mistakes that are bugs whatever
the style: an undefined name (a module renamed, an import lost when code moved between rooms, as
`benchmarks/ingest.py` once called `sandbox` without importing it), an `__all__` naming nothing,
a comparison with `is` against a literal, a `return` or `yield` outside a function, a mutable
default argument, a closure capturing a loop variable, an exception re-raised without its cause.
Style rules (line length, import order) are the editor's business, not a test's.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUGS = "F821,F822,F823,F63,F7,B006,B017,B018,B023,B904"


def test_no_undefined_name_or_bug_pattern_anywhere():
    if importlib.util.find_spec("ruff") is None:
        message = "the lint test needs ruff (pip install -r requirements-dev.txt)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    found = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", BUGS,
                            "--output-format", "concise", "."], cwd=ROOT, capture_output=True, text=True)
    assert found.returncode == 0, found.stdout + found.stderr


def test_the_check_finds_an_undefined_name(tmp_path):
    """The check itself: a file calling a module it never imported fails it."""
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("needs ruff")
    (tmp_path / "lost.py").write_text("def peak():\n    return sandbox.last_sandbox_peak_rss()\n", encoding="utf-8")
    found = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select", BUGS,
                            "--output-format", "concise", str(tmp_path)], capture_output=True, text=True)
    assert found.returncode == 1 and "F821" in found.stdout and "sandbox" in found.stdout
