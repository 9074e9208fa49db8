"""A workspace save killed, or refused by the disk, at every point where it touches the disk.

A full save is what the app writes when a founder uploads next month's files and reports the
month: `Store.save` (files, mapping, settings: one transaction) then `Store.mark_reported` (the
month's frozen report: another). Each point forks a child from this process, which has already
imported the store, lets it connect, attaches `strace -p` to it with one injection rule, and
lets it save:

- kill sweep: `-e inject=pwrite64:signal=KILL:when=K` (the K-th write of a database page or
  WAL frame) or `fdatasync:…` on SQLite; on PostgreSQL the client is killed at its K-th
  `sendto` (statement K not sent), `poll` (sent, the server perhaps still running it) or
  `recvfrom` (the server's reply arrived, unread): three moments of each round trip, the server
  seeing the connection drop mid-save;
- I/O errors (SQLite): `-e inject=fdatasync:error=ENOSPC:when=K` (and EIO) at every sync point.

After each point the parent reads the workspace back and classifies it: "old" (as before the
save), "saved" (the first transaction committed, the month not yet reported: each write is one
transaction), "new", or a failure — "corrupt" (integrity check or reading fails), "partial"
(anything else, including a reported month that is not byte-identical) and "lost" (a write the
child was told had succeeded is not there). The goal is 0 failures.

    python -m benchmarks.kill_points --sqlite --postgres --pwrites 500

prints how many pwrite64 / fdatasync / sendto / poll / recvfrom one save makes, then a table of
outcomes per sweep (on PostgreSQL every client point unless --client-points asks for fewer).
tests/kpi/test_store_kill_points.py runs a subset with the same code.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kpi.ingest.mapping import mapping_to_json, parse_mapping
from kpi.store.failures import StoreError
from kpi.store.workspaces import Store

STRACE = shutil.which("strace") or "strace"
REPORTED_BEFORE, REPORTED_NOW = "2026-05", "2026-06"
FAILURES = ("corrupt", "partial", "lost")
BIG_FILE_BYTES = 400_000
APPLICATION_NAME = "kpi-kill-points"
# The rest of a founder's monthly upload, each file re-exported (its bytes change) every month.
MONTHLY_FILES = ("customers.csv", "nps.csv", "tickets.csv", "costs.csv", "bank.csv")
TRACED = "pwrite64,fdatasync,fsync,sendto,recvfrom,poll,ppoll,select,pselect6,epoll_wait,epoll_pwait"
# The PostgreSQL client's calls of a save, in the order of one round trip: a kill at each is a
# different moment (statement not sent / sent, reply pending / reply arrived, unread).
CLIENT_CALLS = ("sendto", "poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait", "recvfrom")


# ── What the save writes ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Contents:
    """One side of the save: the files, mapping, settings and reported months a workspace holds."""

    files: dict[str, bytes]
    mapping_json: str
    settings_json: str
    reported: dict[str, str]  # month → the report as the store keeps it (JSON text)


def _mapping(file: str, run: int) -> str:
    spec = {"table": "subscriptions", "columns": {"customer_id": "Client", "start_date": "Debut", "amount": "Prix"},
            "options": {"run": run}}
    return mapping_to_json(parse_mapping(json.dumps({file: spec})))


def _report(month: str, run: int) -> str:
    return json.dumps({"as_of": month, "revenue": {"mrr": 1000.0 + run, "arr": 12000.0 + 12 * run},
                       "note": "é" * 2000 + str(run)}, ensure_ascii=False)


def contents(run: int) -> Contents:
    """Save number `run`: a 400 kB file and a small one (named after the run, so the save adds
    one file and removes another), the month's customers, NPS, tickets, costs and bank export
    (each replaced: the save deletes and inserts it), their mapping and settings, and the
    reported months (run 0: May reported; run 1: May, byte-identical, and June)."""
    small = f"billing-{run}.csv"
    files = {"export.bin": random.Random(run).randbytes(BIG_FILE_BYTES),
             small: f"Client,Debut,Prix\nA,2026-01-01,{run}\n".encode(),
             **{name: f"Export,Run\n{name},{run}\n".encode() for name in MONTHLY_FILES}}
    reported = {REPORTED_BEFORE: _report(REPORTED_BEFORE, 0)}
    if run:
        reported[REPORTED_NOW] = _report(REPORTED_NOW, run)
    return Contents(files, _mapping(small, run), json.dumps({"run": run, "gross_margin": 0.5 + run / 100}), reported)


OLD, NEW = contents(0), contents(1)


def use_file_size(size: int) -> None:
    """Make the saves' big file `size` bytes (more pages, more pwrite64 points); before forking."""
    global BIG_FILE_BYTES, OLD, NEW
    BIG_FILE_BYTES = size
    OLD, NEW = contents(0), contents(1)


def found(store: Store, workspace_id: int) -> Contents:
    loaded = store.load(workspace_id, by=None)
    reported = {s.month: json.dumps(s.report, ensure_ascii=False) for s in store.snapshots(workspace_id, by=None)}
    return Contents(loaded.files, loaded.mapping_json, loaded.settings_json, reported)


def classify(now: Contents, told: str) -> str:
    """"old", "saved" or "new" for a whole state; "lost" when the child had been told ('s' save,
    'm' month reported) of a write that is not there; else "partial"."""
    saved = (now.files, now.mapping_json, now.settings_json) == (NEW.files, NEW.mapping_json, NEW.settings_json)
    if now == OLD:
        outcome = "old"
    elif saved and now.reported == OLD.reported:
        outcome = "saved"
    elif now == NEW:
        outcome = "new"
    else:
        return "partial"
    rank = {"old": 0, "saved": 1, "new": 2}
    return "lost" if rank[outcome] < {"": 0, "s": 1, "m": 2}[told[-1:] if told else ""] else outcome


# ── The child that saves ─────────────────────────────────────────────────────────────────────


def _child(url: str, workspace_id: int, ready: int, go: int, told: int, retry: bool) -> None:  # after fork
    try:
        store = Store(url, migrate=False)
        store.version(workspace_id, by=None)  # connected, outside the traced part
        os.write(ready, b"r")
        os.read(go, 1)
        for attempt in range(2 if retry else 1):
            try:
                store.save(workspace_id, files=NEW.files, mapping_json=NEW.mapping_json,
                           settings_json=NEW.settings_json, by=None)
                os.write(told, b"s")
                store.mark_reported(workspace_id, REPORTED_NOW, NEW.reported[REPORTED_NOW], by=None)
                os.write(told, b"m")
                break
            except StoreError as error:
                os.write(told, f"E{error.code}|{error.message}\n".encode())
                if attempt == 0 and retry:
                    os.read(go, 1)  # the parent has looked at the state: save again
        os._exit(0)
    except BaseException as error:  # noqa: BLE001  (anything else: a traceback, said to the parent)
        os.write(told, f"X{type(error).__name__}: {error}\n".encode()[:2000])
        os._exit(1)


@dataclass
class Run:
    """What one traced save did: the child's exit (-9: killed), what it was told, and the
    syscall counts strace printed with -c (when asked)."""

    exit: int
    told: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[str]:
        return re.findall(r"E([a-z-]+)\|", self.told)

    @property
    def messages(self) -> list[str]:
        return re.findall(r"E[a-z-]+\|([^\n]*)", self.told)


def traced_save(url: str, workspace_id: int, rule: list[str], *, count: bool = False,
                between: Callable[[], None] | None = None) -> Run:
    """Fork a child that saves `workspace_id` (OLD → NEW), trace it with strace `rule` (e.g.
    ["-e", "inject=pwrite64:signal=KILL:when=7"]) and wait for it. With `between`, the child
    saves again after its first StoreError, once `between()` (the parent's look at the state) has
    returned."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    told_r, told_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        _child(url, workspace_id, ready_w, go_r, told_w, between is not None)
    for fd in (ready_w, go_r, told_w):
        os.close(fd)
    try:
        if os.read(ready_r, 1) != b"r":
            raise RuntimeError(f"the saving child did not start: {_drain(told_r)}")
        with tempfile.NamedTemporaryFile("r", suffix=".strace") as out:
            options = ["-c", "-U", "name,calls"] if count else ["-qq"]
            tracer = subprocess.Popen([STRACE, "-f", *options, "-o", out.name, "-e",
                                       f"trace={TRACED}", *rule, "-p", str(pid)],
                                      stderr=subprocess.PIPE, text=True)
            _wait_attached(pid)
            os.write(go_w, b"g")
            told = ""
            if between is not None:
                told = _read_until_error_or_exit(told_r)
                if "E" in told:  # the child waits for the parent's look before saving again
                    between()
                    os.write(go_w, b"g")
            _, status = os.waitpid(pid, 0)
            told += _drain(told_r)
            tracer.wait(30)
            counts = _counts(out.read()) if count else {}
    finally:
        for fd in (ready_r, go_w, told_r):
            os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    if code == 1:
        raise RuntimeError(f"the saving child failed: {told}")
    return Run(code, told, counts)


def _wait_attached(pid: int, timeout: float = 10) -> None:
    """Until strace has seized the child: its status says TracerPid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        if re.search(r"^TracerPid:\s+[1-9]", status, re.M):
            return
        time.sleep(0.001)
    raise RuntimeError("strace did not attach to the saving child")


def _read_until_error_or_exit(fd: int) -> str:
    told = ""
    while True:
        readable, _, _ = select.select([fd], [], [], 30)
        if not readable:
            raise RuntimeError("the saving child said nothing for 30 s")
        chunk = os.read(fd, 4096).decode()
        if not chunk:
            return told
        told += chunk
        if "\n" in told and "E" in told:
            return told
        if told.endswith("m"):
            return told


def _drain(fd: int) -> str:
    out = b""
    while chunk := os.read(fd, 4096):
        out += chunk
    return out.decode()


def _counts(summary: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s*(\w+)\s+(\d+)\s*$", summary, re.M)}


# ── One database per backend, reset before every point ───────────────────────────────────────


class SQLiteBench:
    """A SQLite file holding one workspace in the OLD state, copied back before every point, so
    that every point starts from the same bytes and the K-th write is the same write."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "workbench.db"
        self.url = f"sqlite:///{self.path}"
        with Store(self.url) as store:
            self.workspace_id = store.create_workspace("Kill points", files=OLD.files, mapping_json=OLD.mapping_json,
                                                       settings_json=OLD.settings_json)
            store.mark_reported(self.workspace_id, REPORTED_BEFORE, OLD.reported[REPORTED_BEFORE], by=None)
        self.pristine = self.path.read_bytes()  # the last connection closed: the WAL is checkpointed
        assert not Path(f"{self.path}-wal").exists()

    def reset(self) -> int:
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.path.write_bytes(self.pristine)
        return self.workspace_id

    def settle(self) -> None:
        """Nothing to wait for: a killed SQLite client leaves its file as it is."""

    def check(self, workspace_id: int, told: str) -> str:
        try:
            with Store(self.url, migrate=False) as store:
                with store.engine.connect() as conn:
                    if conn.exec_driver_sql("PRAGMA integrity_check").scalar() != "ok":
                        return "corrupt"
                return classify(found(store, workspace_id), told)
        except Exception:  # noqa: BLE001  (a database that cannot be read is the failure we count)
            return "corrupt"


class PostgresBench:
    """A workspace in the OLD state on PostgreSQL, duplicated (one transaction inside the server)
    for every point."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.child_url = make_url(url).update_query_dict({"application_name": APPLICATION_NAME}).render_as_string(
            hide_password=False)
        with Store(url) as store:
            self.template = store.create_workspace(f"Kill points {os.getpid()}", files=OLD.files,
                                                   mapping_json=OLD.mapping_json, settings_json=OLD.settings_json)
            store.mark_reported(self.template, REPORTED_BEFORE, OLD.reported[REPORTED_BEFORE], by=None)
        self.engine = create_engine(url)

    def reset(self) -> int:
        self.engine.dispose()
        with Store(self.url, migrate=False) as store:
            return store.duplicate(self.template, by=None)

    def settle(self) -> None:
        """PostgreSQL finishes (or aborts) a dropped client's transaction on its own time: wait
        until its backend is gone, so that what we read is final."""
        deadline = time.monotonic() + 30
        with self.engine.connect() as conn:
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                               {"name": APPLICATION_NAME}).scalar():
                if time.monotonic() > deadline:
                    raise RuntimeError("the killed client's backend is still there after 30 s")
                conn.rollback()
                time.sleep(0.005)
        self.engine.dispose()

    def check(self, workspace_id: int, told: str) -> str:
        try:
            with Store(self.url, migrate=False) as store:
                outcome = classify(found(store, workspace_id), told)
                store.delete(workspace_id, by=None)
                return outcome
        except Exception:  # noqa: BLE001
            return "corrupt"


# ── Sweeps ───────────────────────────────────────────────────────────────────────────────────


def count_syscalls(bench: SQLiteBench | PostgresBench) -> dict[str, int]:
    """How many pwrite64, fdatasync, fsync, sendto, poll (or the like) and recvfrom one full save
    makes (strace -c)."""
    workspace_id = bench.reset()
    run = traced_save(getattr(bench, "child_url", bench.url), workspace_id, [], count=True)
    bench.settle()
    assert run.exit == 0 and bench.check(workspace_id, run.told) == "new", run
    return run.counts


def points(total: int, first: int, wanted: int) -> list[int]:
    """The first `first` points, then a stride over the rest reaching about `wanted` in all, and
    the last one."""
    head = list(range(1, min(first, total) + 1))
    rest = total - len(head)
    if rest <= 0 or wanted <= len(head):
        return head
    stride = max(1, rest // max(1, wanted - len(head)))
    return sorted({*head, *range(len(head) + stride, total + 1, stride), total})


@dataclass
class Sweep:
    name: str
    tried: int = 0
    killed: int = 0
    outcomes: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def kill_sweep(bench: SQLiteBench | PostgresBench, syscall: str, at: Iterable[int], name: str) -> Sweep:
    """Kill the saving child at each K-th `syscall` of `at`; classify what is left."""
    sweep, started = Sweep(name), time.perf_counter()
    url = getattr(bench, "child_url", bench.url)
    for k in at:
        workspace_id = bench.reset()
        run = traced_save(url, workspace_id, ["-e", f"inject={syscall}:signal=KILL:when={k}"])
        bench.settle()
        outcome = bench.check(workspace_id, run.told)
        sweep.tried += 1
        sweep.killed += run.exit == -signal.SIGKILL
        sweep.outcomes[outcome] += 1
        if outcome in FAILURES:
            sweep.failures.append(f"{syscall} #{k}: {outcome} (told {run.told!r})")
    sweep.seconds = time.perf_counter() - started
    return sweep


EXPECTED_CODE = {("pwrite64", "ENOSPC"): "disk-full", ("pwrite64", "EIO"): "disk-error",
                 # SQLite reports every failed fsync as SQLITE_IOERR_FSYNC: its errno never reaches Python
                 ("fdatasync", "ENOSPC"): "disk-error", ("fdatasync", "EIO"): "disk-error"}


def error_sweep(bench: SQLiteBench, error: str, at: Iterable[int], syscall: str = "fdatasync") -> Sweep:
    """Fail the K-th `syscall` with `error` (ENOSPC, EIO). Either SQLite does not need that call
    (a directory's sync: it goes on, and the save must be "new"), or the child is told the plain
    sentence of `EXPECTED_CODE`, the state seen from another connection at that moment is whole
    (old, or "saved" when the month's report failed), and the child's next save succeeds."""
    expected = EXPECTED_CODE[syscall, error]
    sweep, started = Sweep(f"SQLite, {error} at {syscall}"), time.perf_counter()
    for k in at:
        workspace_id = bench.reset()
        seen: list[str] = []
        run = traced_save(bench.url, workspace_id, ["-e", f"inject={syscall}:error={error}:when={k}"],
                          between=lambda: seen.append(bench.check(workspace_id, "")))  # noqa: B023
        after = bench.check(workspace_id, run.told)
        sweep.tried += 1
        problem = None
        if not run.errors:
            outcome = "ignored, saved" if after == "new" else "failure"
            problem = None if after == "new" else f"no error, and then {after}"
        elif run.errors != [expected] or not all(m.startswith("not saved: the disk") for m in run.messages):
            outcome, problem = "failure", f"told {run.told!r}"
        elif seen[:1] not in (["old"], ["saved"]) or (seen == ["saved"]) != run.told.startswith("s"):
            outcome, problem = "failure", f"state at the error: {seen}"
        elif after != "new":
            outcome, problem = "failure", f"after saving again: {after}"
        else:
            outcome = f"{seen[0]} kept"
        sweep.killed += bool(run.errors)
        sweep.outcomes[outcome] += 1
        if problem:
            sweep.failures.append(f"{syscall} #{k}: {problem}")
    sweep.seconds = time.perf_counter() - started
    return sweep


def table(sweeps: list[Sweep]) -> str:
    """The outcomes as a Markdown table: a kill sweep's "old / saved / new" and failures; an
    error sweep's "told, old (or saved) kept, next save new" and "SQLite went on, saved"."""
    lines = ["| sweep | points | killed or told | old | saved | new | told + old kept | told + saved kept "
             "| went on, saved | corrupt | partial | lost | other failure | seconds |",
             "|---|" + "---:|" * 13]
    kinds = ["old", "saved", "new", "old kept", "saved kept", "ignored, saved", *FAILURES, "failure"]
    for sweep in sweeps:
        cells = [str(sweep.outcomes[kind]) for kind in kinds]
        lines.append(f"| {sweep.name} | {sweep.tried} | {sweep.killed} | " + " | ".join(cells)
                     + f" | {sweep.seconds:.1f} |")
    return "\n".join(lines)


def run_sqlite(directory: Path, *, pwrites: int, first: int, errors: bool) -> tuple[dict[str, int], list[Sweep]]:
    bench = SQLiteBench(directory)
    counts = count_syscalls(bench)
    syncs = list(range(1, counts.get("fdatasync", 0) + 1))
    sweeps = [kill_sweep(bench, "fdatasync", syncs, "SQLite, killed at fdatasync"),
              kill_sweep(bench, "pwrite64", points(counts["pwrite64"], first, pwrites), "SQLite, killed at pwrite64")]
    if errors:
        sweeps += [error_sweep(bench, error, syncs) for error in ("ENOSPC", "EIO")]
        sweeps += [error_sweep(bench, error, points(counts["pwrite64"], first // 5, pwrites // 5), "pwrite64")
                   for error in ("ENOSPC", "EIO")]
    return counts, sweeps


def client_calls(counts: dict[str, int]) -> dict[str, int]:
    """The PostgreSQL client's syscalls of one save (sendto, poll…, recvfrom) and how many of
    each: every one a kill point."""
    return {call: counts[call] for call in CLIENT_CALLS if counts.get(call)}


def run_postgres(url: str, *, client_points: int | None) -> tuple[dict[str, int], list[Sweep]]:
    """Kill the client at every point of its save (`client_points` None), or at about
    `client_points` of them, shared out over its calls."""
    bench = PostgresBench(url)
    counts = count_syscalls(bench)
    calls = client_calls(counts)
    total = sum(calls.values())
    sweeps = []
    for call, count in calls.items():
        wanted = count if client_points is None or client_points >= total else max(1, client_points * count // total)
        at = range(1, count + 1) if wanted >= count else points(count, wanted // 2, wanted)
        every = " (every one)" if wanted >= count else ""
        sweeps.append(kill_sweep(bench, call, at, f"PostgreSQL, client killed at {call}{every}"))
    return counts, sweeps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres", action="store_true", help="on KPI_TEST_POSTGRES_URL, or a server started for it")
    parser.add_argument("--pwrites", type=int, default=500,
                        help="pwrite64 kill points (the first --first, then a stride)")
    parser.add_argument("--first", type=int, default=50)
    parser.add_argument("--client-points", type=int, default=None,
                        help="PostgreSQL client kill points (default: every one the save makes)")
    parser.add_argument("--file-kb", type=int, default=BIG_FILE_BYTES // 1000, help="the big file of the save")
    args = parser.parse_args(argv)
    use_file_size(args.file_kb * 1000)
    failed = 0
    if args.sqlite or not args.postgres:
        with tempfile.TemporaryDirectory() as directory:
            counts, sweeps = run_sqlite(Path(directory), pwrites=args.pwrites, first=args.first, errors=True)
        print(f"One full save on SQLite makes: {counts}")
        print(table(sweeps), flush=True)
        failed += sum(len(s.failures) for s in sweeps)
        for sweep in sweeps:
            print(*sweep.failures[:10], sep="\n")
    if args.postgres:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.kpi.conftest_store import postgres_server

        server = postgres_server()
        if server is None:
            print("PostgreSQL is not available (see tests/kpi/conftest_store.py)")
            return 2
        schema = f"kill_points_{os.getpid()}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False)
            counts, sweeps = run_postgres(url, client_points=args.client_points)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        print(f"One full save on PostgreSQL makes (client side): {counts}; "
              f"{sum(client_calls(counts).values())} client kill points: {client_calls(counts)}")
        print(table(sweeps))
        failed += sum(len(s.failures) for s in sweeps)
        for sweep in sweeps:
            print(*sweep.failures[:10], sep="\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
