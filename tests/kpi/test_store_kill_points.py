"""A full save (files, mapping, settings, then a reported month) killed at its sync points and
writes, or refused by the disk, on SQLite and PostgreSQL: what is left is the old state, the
first transaction whole, or the new state — never corrupt, partial or lost — and a disk error
reaches the user as one plain sentence, the previous state intact, the next save fine.

A subset of `python -m benchmarks.kill_points` (the same code; docs/security.md has the full
sweep's figures): every fdatasync, the first 20 pwrite64 and a stride to 40, ENOSPC and EIO at
every fdatasync and at a few pwrite64; on PostgreSQL the save's client syscalls counted (at
least 100 kill points: every sendto, poll and recvfrom) and the client killed at 8 points of
each (the first 3, a stride, the last). Each point is a fork of this process traced by strace
(`-e inject=…`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from benchmarks import kill_points
from tests.kpi.conftest_store import store_url as store_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(shutil.which("strace") is None and not os.environ.get("CI"),
                                reason="needs strace (Debian's strace package); in CI its absence fails")


def assert_sound(sweeps: list[kill_points.Sweep]) -> None:
    print("\n" + kill_points.table(sweeps))
    for sweep in sweeps:
        assert not sweep.failures, f"{sweep.name}: {sweep.failures}"
        assert sweep.killed == sweep.tried, f"{sweep.name}: a point past the end of the save"


def test_a_save_on_sqlite_killed_at_every_sync_point_and_40_writes_is_old_or_new(tmp_path: Path):
    bench = kill_points.SQLiteBench(tmp_path)
    counts = kill_points.count_syscalls(bench)
    print(f"\none full save on SQLite: {counts}")
    assert counts["fdatasync"] >= 2 and counts["pwrite64"] > 100  # the WAL synced at each of two commits
    syncs = range(1, counts["fdatasync"] + 1)
    sweeps = [kill_points.kill_sweep(bench, "fdatasync", syncs, "SQLite, killed at fdatasync"),
              kill_points.kill_sweep(bench, "pwrite64", kill_points.points(counts["pwrite64"], 20, 40),
                                     "SQLite, killed at pwrite64")]
    assert_sound(sweeps)
    outcomes = sum((sweep.outcomes for sweep in sweeps), start=kill_points.Counter())
    assert outcomes["old"] and outcomes["saved"] and outcomes["new"], "kills should land before and after each commit"


def test_a_full_or_failing_disk_at_every_sync_point_says_not_saved_and_keeps_the_old_state(tmp_path: Path):
    bench = kill_points.SQLiteBench(tmp_path)
    counts = kill_points.count_syscalls(bench)
    syncs = range(1, counts["fdatasync"] + 1)
    sweeps = [kill_points.error_sweep(bench, error, syncs) for error in ("ENOSPC", "EIO")]
    writes = kill_points.points(counts["pwrite64"], 2, 4)
    sweeps += [kill_points.error_sweep(bench, error, writes, "pwrite64") for error in ("ENOSPC", "EIO")]
    print("\n" + kill_points.table(sweeps))
    for sweep in sweeps:
        assert not sweep.failures, f"{sweep.name}: {sweep.failures}"
        assert sweep.outcomes["old kept"], f"{sweep.name}: the error never reached the user"
    # SQLite goes on past a failed sync of the directory only; every other refused call is an error said
    assert sum(sweep.outcomes["ignored, saved"] for sweep in sweeps) <= 2


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)  # SQLite's sweeps are above
def test_a_postgresql_client_killed_at_a_stride_of_its_100_points_of_a_save_leaves_old_or_new(store_url: str):
    bench = kill_points.PostgresBench(store_url)
    counts = kill_points.count_syscalls(bench)
    calls = kill_points.client_calls(counts)
    print(f"\none full save on PostgreSQL (client side): {counts}; {sum(calls.values())} client kill points")
    assert {"sendto", "recvfrom"} <= set(calls) and len(calls) >= 3, calls  # and the client's wait between them
    assert sum(calls.values()) >= 100, calls  # python -m benchmarks.kill_points --postgres kills at every one
    sweeps = [kill_points.kill_sweep(bench, call, kill_points.points(count, 3, 7),
                                     f"PostgreSQL, client killed at {call}") for call, count in calls.items()]
    assert_sound(sweeps)
    outcomes = sum((sweep.outcomes for sweep in sweeps), start=kill_points.Counter())
    assert outcomes["old"] and outcomes["saved"], "kills should land before and after the first commit"
