"""`python -m benchmarks.pages` runs and prints its table: one line per page asked for, with its
first visit, rerun, filter change and that change's CPU time, then the pages over the goal.
Times are not asserted (a benchmark to read by hand, on any machine)."""

import re

import pytest

from benchmarks import pages

LINE = re.compile(r"^(?P<page>[a-z_]+\.py) +(\d+)ms +(\d+)ms +(\d+)ms +(\d+)ms(?P<over>  over 300 ms)?$")


def test_page_benchmark_prints_every_page_asked_and_the_ones_over_the_goal(capsys):
    pages.main(["--customers", "200", "--pages", "support"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Synthetic: 200 customers — filter: segment = SMB"
    assert lines[1].split() == ["page", "first", "visit", "rerun", "filter", "change", "(its", "CPU)"]
    row = LINE.match(lines[2])
    assert row, lines
    assert row["page"] == "support.py"
    assert lines[3] == f"over 300 ms after a filter change: {'support.py' if row['over'] else 'none'}"
    assert len(lines) == 4


def test_an_unknown_page_is_refused_with_the_list_of_pages(capsys):
    with pytest.raises(SystemExit) as stopped:
        pages.main(["--pages", "nowhere"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "unknown page(s): nowhere" in error and "overview" in error


def test_before_runs_the_same_benchmark_in_another_checkout_then_sets_both_side_by_side(capsys):
    """`--before DIR` (here: this very checkout) prints DIR's table, this one's, then each page's
    filter change before → after with the CPU ratio."""
    from pathlib import Path

    root = str(Path(pages.__file__).resolve().parents[1])
    pages.main(["--customers", "200", "--pages", "support", "--before", root])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == f"── before: {root}" and "── after: this checkout" in lines
    assert sum(bool(LINE.match(line)) for line in lines) == 2  # the page measured in both checkouts
    assert lines[-2] == ("Synthetic: 200 customers — filter: segment = SMB — filter change, before → after "
                         "(wall / CPU ms)")
    assert re.match(r"^support\.py +\d+ / \d+ +→ +\d+ / \d+ +CPU ×\d+\.\d\d$", lines[-1]), lines[-1]
