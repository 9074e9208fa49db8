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
