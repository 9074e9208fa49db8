"""Concurrent read-modify-write saves on the store (benchmarks/concurrent_saves.py, at a size that fits
in the suite): 8 processes on one workspace and on 8 workspaces, on SQLite and PostgreSQL, lose
no update, show no lock error, and every conflict on the shared item is reported to the writer
who lost the race. The full size (8 × 250) is run by hand: `python -m benchmarks.concurrent_saves`,
figures in docs/security.md, "Concurrent saves".

The checks themselves are tested first, on saves made one after the other: a save that
overwrites a change it has not seen must be counted as lost and stale.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.concurrent_saves import (
    Landed,
    Outcome,
    Refused,
    WriterLog,
    changed,
    collect,
    fork_context,
    lost_and_phantom,
    percentile,
    problems,
    run_scenario,
    save,
    stale_and_unexplained,
    table,
)
from kpi.store.model import Conflict
from kpi.store.workspaces import Store
from tests.kpi.conftest_store import store_url as store_url  # noqa: F401  (fixture)

PROCESSES = 8
SAVES = 16  # per process; the benchmark's default is 250


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'workbench.db'}") as store:
        yield store


def test_an_update_overwritten_unseen_is_counted_lost_and_stale(sqlite_store):
    workspace_id = sqlite_store.create_workspace("Two sessions")
    first, second = sqlite_store.load(workspace_id, by=None), sqlite_store.load(workspace_id, by=None)
    v2 = save(sqlite_store, workspace_id, 0, "settings", changed(first, 0, "settings"), first.version)
    # The second session saves without a base version: last writer wins, p0's increment is gone.
    v3 = sqlite_store.save_settings(workspace_id, changed(second, 1, "settings"), by=None)
    logs = [WriterLog(0, landed=[Landed(workspace_id, "settings", first.version, v2)]),
            WriterLog(1, landed=[Landed(workspace_id, "settings", second.version, v3)])]

    assert lost_and_phantom(sqlite_store, [workspace_id], logs) == (1, 0)
    assert stale_and_unexplained(logs) == (1, 0)


def test_the_second_writer_of_the_same_item_gets_a_conflict_and_a_different_item_lands(sqlite_store):
    workspace_id = sqlite_store.create_workspace("Two sessions")
    first, second = sqlite_store.load(workspace_id, by=None), sqlite_store.load(workspace_id, by=None)
    v2 = save(sqlite_store, workspace_id, 0, "settings", changed(first, 0, "settings"), first.version)
    with pytest.raises(Conflict) as refused:
        save(sqlite_store, workspace_id, 1, "settings", changed(second, 1, "settings"), second.version)
    v3 = save(sqlite_store, workspace_id, 1, "file", changed(second, 1, "file"), second.version)  # stale, other item
    logs = [WriterLog(0, landed=[Landed(workspace_id, "settings", first.version, v2)]),
            WriterLog(1, landed=[Landed(workspace_id, "file", second.version, v3)],
                      refused=[Refused(workspace_id, "settings", refused.value.base_version,
                                       refused.value.current_version)])]

    assert (refused.value.base_version, refused.value.current_version) == (1, 2)
    assert lost_and_phantom(sqlite_store, [workspace_id], logs) == (0, 0)
    assert stale_and_unexplained(logs) == (0, 0)
    # A refusal with no save of the item after the caller's version would be a false conflict.
    logs[1].refused.append(Refused(workspace_id, "settings", 2, 3))
    assert stale_and_unexplained(logs) == (0, 1)


def test_percentile_is_the_nearest_rank():
    waits = [n / 100 for n in range(1, 101)]
    assert (percentile(waits, 0.5), percentile(waits, 0.99), percentile([0.3], 0.99)) == (0.5, 0.99, 0.3)


def test_the_table_prints_one_row_per_scenario_and_names_what_went_wrong():
    sound = Outcome(backend="sqlite", processes=8, saves_each=250, workspaces=1, saves=2_000, conflicts=1_234,
                    wrong_conflicts=0, lost=0, phantom=0, stale=0, unexplained=0, miscounted_versions=0,
                    lock_errors=0, other_errors=0, gave_up=0, p50=0.0123, p99=0.456, max=0.789, seconds=20.0)
    broken = replace(sound, backend="postgresql", workspaces=8, saves=1_999, conflicts=10, lost=1, stale=1,
                     lock_errors=2, seconds=10.0)
    lines = table([sound, broken]).splitlines()

    assert lines[2] == ("| sqlite | 8 × 250, one workspace | 2,000 | 1,234 | 0 | 0 | 0 | 12.3 ms | 456 ms | "
                        "789 ms | 100 |")
    assert lines[3].startswith("| postgresql | 8 × 250, 8 workspaces | 1,999 | 10 | 0 | 1 | 2 |")
    assert (sound.sound, problems(sound)) == (True, "")
    assert (broken.sound, problems(broken)) == (False, "1 lost updates, 2 lock errors, 1 stale overwrites")


def test_a_writer_that_dies_fails_the_run_at_once_instead_of_hanging():
    context = fork_context()
    writer = context.Process(target=sys.exit, args=(3,))
    writer.start()
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"exit codes \[3\]"):
        collect([writer], context.Queue(), timeout=60)
    assert time.monotonic() - started < 30


@pytest.mark.slow
@pytest.mark.parametrize("workspaces", [1, 8], ids=["one workspace", "8 workspaces"])
def test_concurrent_read_modify_write_saves_lose_nothing_and_report_every_conflict(store_url, workspaces):
    backend = "postgresql" if store_url.startswith("postgresql") else "sqlite"
    outcome = run_scenario(store_url, backend, processes=PROCESSES, saves=SAVES, workspaces=workspaces,
                           context=fork_context(), timeout=120)
    print("\n" + table([outcome]))

    assert outcome.saves == PROCESSES * SAVES, problems(outcome)
    assert (outcome.lost, outcome.phantom, outcome.stale) == (0, 0, 0), problems(outcome)
    assert (outcome.lock_errors, outcome.other_errors) == (0, 0), problems(outcome)
    assert (outcome.wrong_conflicts, outcome.unexplained, outcome.miscounted_versions) == (0, 0, 0), problems(outcome)
    if workspaces == 1:  # 8 writers of one item: some lose the race, and are told
        assert outcome.conflicts > 0


def test_the_security_docs_quote_the_benchmark_table_for_both_backends_and_scenarios():
    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    section = text.split("## Concurrent saves", 1)[1].split("\n## ", 1)[0]
    header = table([]).splitlines()[0]
    rows = [line for line in section.splitlines() if line.startswith("| sqlite |") or line.startswith("| postgresql |")]

    assert header in section
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| sqlite", "8 × 250, one workspace"], ["| sqlite", "8 × 250, 8 workspaces"],
        ["| postgresql", "8 × 250, one workspace"], ["| postgresql", "8 × 250, 8 workspaces"]]
    assert all(row.split(" | ")[4:7] == ["0", "0", "0"] for row in rows)  # other-item conflicts, lost, lock errors
