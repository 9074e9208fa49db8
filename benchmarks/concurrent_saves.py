"""Concurrent read-modify-write saves on the store, on SQLite and PostgreSQL: nothing lost, no
lock error shown, every same-item conflict reported to the second writer; how long a save waits.

N processes each make S saves, all at once. A save is what a session does: load the workspace
(its files, settings and version), change ONE item, save with `base_version` = the version it
loaded. Saves alternate between two items:

- its own file, `p<i>.csv`, whose content is a counter it reads and increments: an item no other
  process writes, so the save must land whatever the others did (the store checks items, not the
  whole workspace: a stale version on a different item is not a conflict);
- the shared settings, a JSON object where process i increments its key `"p<i>"`: one item every
  process writes, so a save that loses the race must get `Conflict`. The process then does what
  the page tells a user: reload, apply its change again, save (until it lands).

One workspace: every process on the same one. W workspaces: each save picks one at random.
Afterwards each workspace is loaded and every counter compared with the saves that process saw
land there: a counter lower than that is a lost update. Also checked: the settings saves, in
version order, were each based on the one before (none overwrote a save it had not seen), each
conflict names a settings save that landed after the caller's version, the workspace's version
counts every landed save once, and no database error (`database is locked`, a serialization
failure, a deadlock) reached a caller: the store waits for the lock instead (SQLite's
`busy_timeout`, PostgreSQL's row lock); those waits happen inside the database driver and are not
counted, so there is no retry column. Wait = the seconds from calling the save to its return.

    python -m benchmarks.concurrent_saves                                  # 8 × 250, both backends
    python -m benchmarks.concurrent_saves --processes 8 --saves 250 --backends sqlite
    python -m benchmarks.concurrent_saves --postgres-url postgresql+psycopg://…   # a server of yours

Without `--postgres-url`, PostgreSQL is a throwaway server started with `.ci/postgres.sh start`
and stopped at the end. tests/kpi/test_store_concurrency.py runs the same scenarios, smaller.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import queue
import random
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from kpi.store.model import Conflict, StoredWorkspace
from kpi.store.workspaces import Store

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_SCRIPT = ROOT / ".ci" / "postgres.sh"
MAX_ATTEMPTS = 1_000  # per save: a process that cannot land one save in this many tries is starved
LOCK_WORDS = ("locked", "busy", "serializ", "deadlock", "could not obtain lock")


# ── One writing process ────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Landed:
    """One save that returned: the workspace, the item ("file" or "settings"), the version it was
    based on and the version it wrote."""

    workspace_id: int
    item: str
    base: int
    version: int


@dataclass(frozen=True)
class Refused:
    """One `Conflict` a process got: the workspace, the item it tried to change, its base version
    and the workspace's version at that moment."""

    workspace_id: int
    item: str
    base: int
    current: int


@dataclass
class WriterLog:
    """What one process did: every wait (seconds, one per save call), the saves that landed, the
    conflicts it was told about, the database errors that reached it, the saves it gave up."""

    process: int
    waits: list[float] = field(default_factory=list)
    landed: list[Landed] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    lock_errors: list[str] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)
    gave_up: int = 0


def fork_context() -> BaseContext:
    """A fork server that has imported the store and both database drivers: a process starts in
    milliseconds."""
    context = multiprocessing.get_context("forkserver")
    # Run as `python -m`, this module is each child's __main__, which runpy imports afresh there.
    this = [] if __name__ == "__main__" else [__name__]
    context.set_forkserver_preload([*this, "kpi.store.workspaces", "psycopg", "sqlalchemy.dialects.postgresql.psycopg",
                                    "sqlalchemy.dialects.sqlite.pysqlite"])
    return context


def own_file(process: int) -> str:
    return f"p{process}.csv"


def settings_key(process: int) -> str:
    return f"p{process}"


def changed(loaded: StoredWorkspace, process: int, item: str) -> str:
    """The process's counter in `item` of the loaded workspace, plus one: the new content of its own
    file ("file"), or the whole settings JSON with its key incremented ("settings")."""
    if item == "file":
        return str(int(loaded.files.get(own_file(process), b"0")) + 1)
    settings = json.loads(loaded.settings_json)
    settings[settings_key(process)] = settings.get(settings_key(process), 0) + 1
    return json.dumps(settings, sort_keys=True)


def save(store: Store, workspace_id: int, process: int, item: str, content: str, base: int) -> int:
    """Save `content` as `item` with `base_version=base`; the new version, or Conflict."""
    if item == "file":
        return store.add_file(workspace_id, own_file(process), content.encode(), base_version=base, by=None)
    return store.save_settings(workspace_id, content, base_version=base, by=None)


def write(url: str, workspace_ids: Sequence[int], process: int, saves: int, seed: int, barrier,
          results) -> None:  # in a child process
    """Process `process`'s `saves` read-modify-write saves (even: its own file, odd: the shared
    settings), each tried again after a Conflict until it lands; its `WriterLog` goes on `results`."""
    log = WriterLog(process)
    store = Store(url, migrate=False)
    store.version(workspace_ids[0], by=None)  # connected before the start
    choose = random.Random(seed * 1_000 + process)
    barrier.wait()
    for k in range(saves):
        workspace_id = workspace_ids[choose.randrange(len(workspace_ids))]
        item = "file" if k % 2 == 0 else "settings"
        for _ in range(MAX_ATTEMPTS):
            started = None
            try:  # the load too: a lock error on a read would reach the page as well
                loaded = store.load(workspace_id, by=None)
                base, content = loaded.version, changed(loaded, process, item)
                started = time.perf_counter()
                version = save(store, workspace_id, process, item, content, base)
            except Conflict as conflict:
                log.refused.append(Refused(workspace_id, item, conflict.base_version, conflict.current_version))
                continue
            except DBAPIError as error:  # must never happen: counted, and the save tried again
                message = str(error.orig if error.orig is not None else error).splitlines()[0]
                (log.lock_errors if any(w in message.lower() for w in LOCK_WORDS) else log.other_errors).append(message)
                continue
            finally:
                if started is not None:
                    log.waits.append(time.perf_counter() - started)
            log.landed.append(Landed(workspace_id, item, base, version))
            break
        else:
            log.gave_up += 1
    store.close()
    results.put(log)


# ── Checking what is stored ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Outcome:
    """One scenario's figures. `saves` landed; `conflicts` told to a writer on the shared item;
    `wrong_conflicts` on a process's own file (a different item: must be 0); `lost`: counter
    increments that landed but are not in the stored workspace; `stale`: settings saves based on
    a version older than the settings save before them; `unexplained`: conflicts with no save of
    the item after the caller's version; waits in seconds."""

    backend: str
    processes: int
    saves_each: int  # planned per process
    workspaces: int
    saves: int
    conflicts: int
    wrong_conflicts: int
    lost: int
    phantom: int
    stale: int
    unexplained: int
    miscounted_versions: int
    lock_errors: int
    other_errors: int
    gave_up: int
    p50: float
    p99: float
    max: float
    seconds: float

    @property
    def scenario(self) -> str:
        return "one workspace" if self.workspaces == 1 else f"{self.workspaces} workspaces"

    @property
    def sound(self) -> bool:
        """Nothing lost, nothing unseen overwritten, no error shown, every conflict explained."""
        return not (self.wrong_conflicts or self.lost or self.phantom or self.stale or self.unexplained
                    or self.miscounted_versions or self.lock_errors or self.other_errors or self.gave_up)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or
    below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def lost_and_phantom(store: Store, workspace_ids: Sequence[int], logs: Sequence[WriterLog]) -> tuple[int, int]:
    """(increments that landed but are missing, increments stored that no caller saw land), over
    every workspace, process and item: stored counter vs the count of saves its process saw land."""
    lost = phantom = 0
    for workspace_id in workspace_ids:
        loaded = store.load(workspace_id, by=None)
        settings = json.loads(loaded.settings_json)
        for log in logs:
            for item in ("file", "settings"):
                landed = sum(1 for s in log.landed if s.workspace_id == workspace_id and s.item == item)
                stored = (int(loaded.files.get(own_file(log.process), b"0")) if item == "file"
                          else settings.get(settings_key(log.process), 0))
                lost += max(0, landed - stored)
                phantom += max(0, stored - landed)
    return lost, phantom


def stale_and_unexplained(logs: Sequence[WriterLog]) -> tuple[int, int]:
    """Settings saves, per workspace in version order, based on a version older than the settings
    save before them (an overwrite of a change never seen); conflicts on the settings with no
    settings save in (base, current] (a refusal with no cause)."""
    landed = sorted((s.workspace_id, s.version, s.base) for log in logs for s in log.landed if s.item == "settings")
    stale = sum(1 for (w0, v0, _), (w1, _, b1) in zip(landed, landed[1:], strict=False) if w0 == w1 and b1 < v0)
    versions: dict[int, list[int]] = {}
    for workspace_id, version, _ in landed:
        versions.setdefault(workspace_id, []).append(version)
    unexplained = sum(1 for log in logs for r in log.refused if r.item == "settings"
                      and not any(r.base < v <= r.current for v in versions.get(r.workspace_id, [])))
    return stale, unexplained


def miscounted_versions(store: Store, workspace_ids: Sequence[int], logs: Sequence[WriterLog]) -> int:
    """Workspaces whose version is not 1 + the saves that landed on it, or where two saves
    returned the same version."""
    wrong = 0
    for workspace_id in workspace_ids:
        versions = [s.version for log in logs for s in log.landed if s.workspace_id == workspace_id]
        if store.version(workspace_id, by=None) != 1 + len(versions) or len(set(versions)) != len(versions):
            wrong += 1
    return wrong


def collect(writers: Sequence[BaseProcess], results, timeout: float) -> list[WriterLog]:
    """Every writer's log, by process number; a writer that died without one (an exception other
    than Conflict or a database error) fails the run at once instead of after `timeout`."""
    logs: list[WriterLog] = []
    deadline = time.monotonic() + timeout
    while len(logs) < len(writers):
        try:
            logs.append(results.get(timeout=1))
        except queue.Empty:
            dead = [w.exitcode for w in writers if w.exitcode not in (None, 0)]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"writers ended with exit codes {dead}" if dead else
                                   f"the writers did not finish in {timeout:.0f} s") from None
    return sorted(logs, key=lambda log: log.process)


# ── A scenario ─────────────────────────────────────────────────────────────────────────────


def run_scenario(url: str, backend: str, *, processes: int, saves: int, workspaces: int, seed: int = 1,
                 context: BaseContext | None = None, timeout: float = 3_600) -> Outcome:
    """`processes` × `saves` read-modify-write saves over `workspaces` new workspaces of the store
    at `url`, all processes at once; the figures and checks of `Outcome`."""
    context = context or fork_context()
    tag = uuid.uuid4().hex[:8]
    with Store(url) as store:
        workspace_ids = [store.create_workspace(f"Concurrent saves {tag} {n + 1}") for n in range(workspaces)]
    barrier, results = context.Barrier(processes + 1), context.Queue()
    writers = [context.Process(target=write, args=(url, workspace_ids, p, saves, seed, barrier, results))
               for p in range(processes)]
    for writer in writers:
        writer.start()
    barrier.wait(timeout=120)
    started = time.perf_counter()
    logs = collect(writers, results, timeout)
    seconds = time.perf_counter() - started
    for writer in writers:
        writer.join(60)
        if writer.exitcode != 0:
            raise RuntimeError(f"a writing process ended with exit code {writer.exitcode}")

    with Store(url, migrate=False) as store:
        lost, phantom = lost_and_phantom(store, workspace_ids, logs)
        wrong_versions = miscounted_versions(store, workspace_ids, logs)
    stale, unexplained = stale_and_unexplained(logs)
    waits = [wait for log in logs for wait in log.waits]
    return Outcome(
        backend=backend, processes=processes, saves_each=saves, workspaces=workspaces,
        saves=sum(len(log.landed) for log in logs),
        conflicts=sum(1 for log in logs for r in log.refused if r.item == "settings"),
        wrong_conflicts=sum(1 for log in logs for r in log.refused if r.item != "settings"),
        lost=lost, phantom=phantom, stale=stale, unexplained=unexplained, miscounted_versions=wrong_versions,
        lock_errors=sum(len(log.lock_errors) for log in logs), other_errors=sum(len(log.other_errors) for log in logs),
        gave_up=sum(log.gave_up for log in logs),
        p50=percentile(waits, 0.50), p99=percentile(waits, 0.99), max=max(waits), seconds=seconds,
    )


# ── The table ──────────────────────────────────────────────────────────────────────────────


HEADER = ("backend", "scenario", "saves", "conflicts", "other-item conflicts", "lost", "lock errors",
          "p50 wait", "p99 wait", "max wait", "saves/s")


def table(outcomes: Sequence[Outcome]) -> str:
    """The outcomes as a Markdown table (what docs/security.md quotes)."""
    rows = [HEADER, tuple("---" for _ in HEADER)]
    for o in outcomes:
        rows.append((o.backend, f"{o.processes} × {o.saves_each}, {o.scenario}", f"{o.saves:,}",
                     f"{o.conflicts:,}", str(o.wrong_conflicts), str(o.lost), str(o.lock_errors),
                     f"{o.p50 * 1000:.1f} ms", f"{o.p99 * 1000:.0f} ms", f"{o.max * 1000:.0f} ms",
                     f"{o.saves / o.seconds:.0f}"))
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def problems(outcome: Outcome) -> str:
    """The checks an outcome fails, in words ('' when sound)."""
    named = {"lost updates": outcome.lost, "lock errors": outcome.lock_errors,
             "conflicts on a process's own file": outcome.wrong_conflicts, "stale overwrites": outcome.stale,
             "unexplained conflicts": outcome.unexplained, "phantom increments": outcome.phantom,
             "workspaces with a wrong version": outcome.miscounted_versions,
             "other database errors": outcome.other_errors, "saves given up": outcome.gave_up}
    return ", ".join(f"{count} {name}" for name, count in named.items() if count)


# ── Databases for a by-hand run ────────────────────────────────────────────────────────────


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A SQLite file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kpi-concurrent-") as directory:
        yield f"sqlite:///{Path(directory) / 'workbench.db'}"


@contextmanager
def postgres_schema(server: str | None) -> Iterator[str]:
    """A new schema on the PostgreSQL server at `server` (None: a throwaway server started with
    .ci/postgres.sh and stopped afterwards), dropped afterwards."""
    started_dir = None
    if server is None:
        started = subprocess.run(["bash", str(POSTGRES_SCRIPT), "start"], capture_output=True, text=True,
                                 timeout=300, check=True)
        exported = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines()
                        if line.startswith("export "))
        server, started_dir = exported["KPI_TEST_POSTGRES_URL"].strip("'"), exported["KPI_TEST_POSTGRES_DIR"].strip("'")
    schema = f"concurrent_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield make_url(server).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
        if started_dir is not None:
            subprocess.run(["bash", str(POSTGRES_SCRIPT), "stop", started_dir], capture_output=True, timeout=120)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--saves", type=int, default=250, help="saves per process")
    parser.add_argument("--workspaces", type=int, default=8, help="the second scenario's workspaces")
    parser.add_argument("--backends", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", help="a PostgreSQL server (default: a throwaway one, .ci/postgres.sh)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    context = fork_context()
    outcomes = []
    for backend in args.backends:
        database = sqlite_database() if backend == "sqlite" else postgres_schema(args.postgres_url)
        with database as url:
            for workspaces in (1, args.workspaces):
                outcome = run_scenario(url, backend, processes=args.processes, saves=args.saves,
                                       workspaces=workspaces, seed=args.seed, context=context)
                print(f"{backend}, {outcome.scenario}: {outcome.saves:,} saves in {outcome.seconds:.1f} s, "
                      f"{outcome.conflicts:,} conflicts reported, {problems(outcome) or 'nothing wrong'}", flush=True)
                outcomes.append(outcome)
    print()
    print(table(outcomes))
    return 0 if all(o.sound for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
