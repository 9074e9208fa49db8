"""Load on loopback: N concurrent browser sessions upload their own file and view their numbers.

    python -m benchmarks.load                     # 20 sessions on a fresh server
    python -m benchmarks.load --sessions 40
    python -m benchmarks.load --url http://127.0.0.1:8501 --pid 1234   # a server already running

Starts `streamlit run app.py` on a free loopback port with a temporary home (its own SQLite
database), then drives N sessions at once in headless Chromium (Debian's /usr/bin/chromium,
Playwright's async API, one tab — its own Streamlit session — per session). The tabs share one
browser profile that has opened the app twice before the run, as a returning user's browser has:
Streamlit's scripts come from the browser's cache, already compiled, instead of being fetched and
compiled again by every tab (a fresh context costs Chromium about 4.7 s of CPU per page opened, a
returning tab about 2.8 s; on a 2-core machine the browser, not the server, is what runs out of
CPU first). Session k uploads a small subscriptions CSV whose customer ids all start with
`sKK-` and whose MRR is 300 + 10·k €, names the workspace after itself, opens Overview and
checks that the MRR card shows its own figure, then opens Revenue and downloads "MRR per
customer and month": every id in it must be its own, and no other session's prefix may appear
anywhere on either page. Prints the time each session took (and each step of it), the server's
resident memory (its process, and with its children — the workbook sandbox) before, at its peak
and after, and the server's CPU time. A page that has not come a while after a click in the
navigation is clicked again, and a download the browser cancels is tried again, as a person
would; both are reported (with a screenshot of each stall), never hidden.

Only loopback addresses are used; every wait is bounded (`--timeout`), the run stops by itself.
tests/e2e/test_load_sessions.py runs the same with 20 sessions and asserts the results.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# Twenty tabs on a 2-core machine: the browser, not the server, runs out of CPU first, most of it
# on spinners and transitions. The sessions load the server just the same without them.
NO_ANIMATIONS = """
document.addEventListener("DOMContentLoaded", () => {
  const style = document.createElement("style");
  style.textContent = "*, *::before, *::after { animation: none !important; transition: none !important; }";
  document.head.appendChild(style);
});
"""
PREFIX = re.compile(r"\bs(\d{2})-[a-z]+\b")
T = TypeVar("T")
MB = 1024 * 1024
WARM_UP_SESSION = 69  # the warm-up journey's k: ids `s69-…`, MRR €990 (under €1,000, as expected_mrr_text writes it)


# ── the data each session uploads ──────────────────────────────────────────────────────────


def session_prefix(k: int) -> str:
    return f"s{k:02d}-"


def expected_mrr(k: int) -> float:
    """MRR at the file's last month (March 2024): 100 + 200 + 10·k; the fourth customer churned."""
    return 300.0 + 10 * k


def expected_mrr_text(k: int) -> str:
    return f"€{expected_mrr(k):,.0f}"  # kpi.formatting.money, below 1,000


def subscriptions_csv(k: int) -> bytes:
    """Session k's subscriptions: four customers, ids prefixed `sKK-`, amounts in EUR."""
    p = session_prefix(k)
    return (
        "customer_id,plan,start_date,end_date,mrr,currency\n"
        f"{p}alpha,Starter,2024-01-15,,100.00,EUR\n"
        f"{p}bravo,Growth,2024-02-03,,200.00,EUR\n"
        f"{p}charlie,Pro,2024-03-10,,{10 * k}.00,EUR\n"
        f"{p}delta,Pro,2024-01-20,2024-02-28,999.00,EUR\n"
    ).encode()


def own_ids(k: int) -> set[str]:
    return {f"{session_prefix(k)}{name}" for name in ("alpha", "bravo", "charlie", "delta")}


# ── the server and its memory ──────────────────────────────────────────────────────────────


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(home: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free loopback port, its database in `home`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KPI_WORKBENCH_HOME": str(home)}
    env.pop("KPI_DATABASE_URL", None)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, env=env,
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"the server did not answer on {url} within 90 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class Memory:
    """Resident memory in bytes: the server process (`rss`, and its high-water mark `peak`,
    Linux's VmHWM) and the server with its child processes (`total`)."""

    rss: int
    peak: int
    total: int

    def __str__(self) -> str:
        return (f"RSS {self.rss / MB:,.0f} MiB (peak {self.peak / MB:,.0f} MiB), "
                f"with children {self.total / MB:,.0f} MiB")


def _status(pid: int) -> dict[str, int]:
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(value.split()[0]) * 1024
    return values


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                for child in children.read().split():
                    found += [int(child), *_children(int(child))]
        except OSError:
            continue
    return found


def server_memory(pid: int) -> Memory:
    """The server's memory now (psutil when installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        process = psutil.Process(pid)
        rss = process.memory_info().rss
        children = sum(c.memory_info().rss for c in process.children(recursive=True) if c.is_running())
        return Memory(rss, _status(pid).get("VmHWM", rss), rss + children)
    status = _status(pid)
    children = 0
    for child in _children(pid):
        try:
            children += _status(child).get("VmRSS", 0)
        except OSError:
            continue
    return Memory(status["VmRSS"], status["VmHWM"], status["VmRSS"] + children)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far, its waited children included."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(value) for value in fields[11:15]) / ticks  # utime, stime, cutime, cstime


class MemorySampler:
    """The highest `total` seen while the run goes (sampled every `every` seconds)."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.pid, self.every, self.peak_total = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_total = max(self.peak_total, server_memory(self.pid).total)
            except (OSError, LookupError):
                pass
            self._stop.wait(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ── one session, as a person would do it ───────────────────────────────────────────────────


@dataclass
class SessionResult:
    k: int
    seconds: float = 0.0
    mrr_shown: str | None = None
    csv_ids: set[str] = field(default_factory=set)
    foreign: set[str] = field(default_factory=set)  # other sessions' ids seen anywhere
    caption: str = ""
    error: str | None = None
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, in order
    download_failures: list[str] = field(default_factory=list)  # downloads the browser gave up, tried again
    stalls: list[str] = field(default_factory=list)  # pages that did not come after a click, clicked again
    media_responses: list[tuple[int, str]] = field(default_factory=list)  # (status, url) of /media/ requests

    @property
    def ok(self) -> bool:
        return (self.error is None and self.mrr_shown == expected_mrr_text(self.k) and not self.foreign
                and self.csv_ids == own_ids(self.k))


def _foreign(text: str, k: int) -> set[str]:
    return {match.group(0) for match in PREFIX.finditer(text) if int(match.group(1)) != k}


async def _download(page, label: str, path: Path, result: SessionResult, attempts: int = 3) -> None:
    """Click a download button and save the file. A download the browser gives up on (seen under
    load: "canceled") is tried again, up to `attempts` times, and recorded in the result."""
    button = page.get_by_role("button", name=label)
    settled = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    for attempt in range(1, attempts + 1):
        await page.wait_for_timeout(300)  # a rerun asked for by the last action may not have started yet
        await settled.wait_for()  # a file served by a run that a rerun replaces may be gone: click once settled
        async with page.expect_download() as download_info:
            await button.click()
        download = await download_info.value
        failure = await download.failure()
        if failure is None:
            await download.save_as(str(path))
            return
        statuses = [status for status, url in result.media_responses if url == download.url]
        result.download_failures.append(f"{failure} (HTTP {statuses or 'no response'} for {download.url[:100]})")
        if attempt == attempts:
            raise RuntimeError(f"the download failed {attempts} times: {failure}")
        await page.wait_for_timeout(1000)


async def _navigate(page, title: str, shown, folder: Path, result: SessionResult, timeout_ms: int,
                    attempts: int = 3) -> None:
    """Click `title` in the sidebar's navigation and wait until `shown` is on the page. A page
    that has not come after a third of the timeout gets a second click, as a person would give
    it; each such stall is recorded (where the browser was, what the page showed) with a
    screenshot, so a lost click or a stuck rerun shows in the report instead of hiding."""
    for attempt in range(1, attempts + 1):
        await page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        try:
            await shown.wait_for(timeout=timeout_ms // attempts)
            return
        except Exception:
            if attempt == attempts:
                raise
            headings = [h.strip() for h in await page.locator("h1").all_inner_texts()]
            errors = await page.get_by_test_id("stException").count()
            running = await page.get_by_test_id("stStatusWidget").count()
            result.stalls.append(f"{title}: still on {page.url.split('?')[0].rsplit('/', 1)[-1] or '/'} "
                                 f"(headings {headings}, {errors} exception(s), status widget {running}) "
                                 f"after {timeout_ms // attempts / 1000:.0f} s")
            await page.screenshot(path=str(folder / f"stall_s{result.k:02d}_{title.lower()}_{attempt}.png"),
                                  full_page=True)


async def one_session(context, url: str, k: int, folder: Path, timeout_ms: int,
                      keep_open: list | None = None) -> SessionResult:
    """Session k in a new tab of `context` (its own Streamlit session: one websocket per tab).
    With `keep_open`, the tab is left open at the end and added to that list (to close later)."""
    result = SessionResult(k)
    upload = folder / f"subscriptions_s{k:02d}.csv"
    upload.write_bytes(subscriptions_csv(k))
    name = f"Load session {k:02d}"
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    page.on("response", lambda response: result.media_responses.append((response.status, response.url))
            if "/media/" in response.url else None)
    started = time.perf_counter()
    last = started

    def step(label: str) -> None:
        nonlocal last
        now = time.perf_counter()
        result.steps[label] = now - last
        last = now

    try:
        await page.goto(f"{url}/upload")
        await page.get_by_test_id("stFileUploaderDropzoneInput").wait_for(state="attached")
        step("open")
        await page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(upload)])
        await page.get_by_text("Read 1 of 1 file(s).").wait_for()
        step("upload")
        await page.get_by_label("Workspace name").fill(name)
        await page.get_by_label("Workspace name").press("Enter")
        await page.get_by_role("button", name="Open these files as my workspace").click()
        await page.get_by_role("heading", name="Map columns").wait_for()
        step("save")

        caption = page.get_by_text(f"{name} · month-end snapshot of March 2024")
        await _navigate(page, "Overview", caption, folder, result, timeout_ms)
        result.caption = (await caption.inner_text()).strip()
        # the card labelled exactly "MRR" (not "MRR growth"), once drawn: under load a page may still
        # be streaming its cards when the caption arrives
        label = page.get_by_test_id("stMetricLabel").get_by_text("MRR", exact=True)
        metric = page.get_by_test_id("stMetric").filter(has=label).first
        await metric.get_by_test_id("stMetricValue").wait_for()
        result.mrr_shown = (await metric.get_by_test_id("stMetricValue").inner_text()).strip()
        result.foreign |= _foreign(await page.locator("body").inner_text(), k)
        step("overview")

        await _navigate(page, "Revenue", page.get_by_text(f"{name} · March 2024"), folder, result, timeout_ms)
        path = folder / f"revenue_s{k:02d}.csv"
        await _download(page, "Download MRR per customer and month (CSV)", path, result)
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        result.csv_ids = {row[0] for row in rows[1:] if row}
        result.foreign |= _foreign(path.read_text(encoding="utf-8"), k)
        result.foreign |= _foreign(await page.locator("body").inner_text(), k)
        step("revenue")
    except Exception as exc:  # a session that fails is reported, the others go on
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        try:
            await page.screenshot(path=str(folder / f"failed_s{k:02d}.png"), full_page=True)
        except Exception:
            pass
    finally:
        result.seconds = time.perf_counter() - started
        if keep_open is None:
            await page.close()
        else:
            keep_open.append(page)
    return result


async def _visit(context, url: str, timeout_ms: int) -> None:
    """Open the app's first page in a tab and close it once drawn (the browser now has
    Streamlit's scripts in its cache)."""
    page = await context.new_page()
    try:
        await page.goto(url, timeout=timeout_ms)
        await page.get_by_test_id("stSidebarNav").wait_for(timeout=timeout_ms)
    finally:
        await page.close()


async def run_sessions(url: str, sessions: int, folder: Path, timeout_ms: int = 150_000, *, warm_up: bool = False,
                       on_warm: Callable[[], None] | None = None,
                       on_all_open: Callable[[], None] | None = None) -> list[SessionResult]:
    """`sessions` sessions at once against the server at `url`: one Chromium with one profile, a
    tab per session, after two visits that leave the app's scripts in the browser's cache
    (Chromium keeps V8's compiled code for a script it has run twice).

    For the memory a session keeps (benchmarks/memory.py): `warm_up` runs one whole journey
    first (session `WARM_UP_SESSION`, alone; a failure raises); `on_warm` is called after the visits and that
    journey, before the sessions start; with `on_all_open`, every tab stays open once its journey
    is over, and it is called when all are, before the tabs close."""
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="kpi-load-profile-") as profile:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                viewport={"width": 1280, "height": 800}, accept_downloads=True, reduced_motion="reduce")
            try:
                await context.add_init_script(NO_ANIMATIONS)
                for _ in range(2):
                    await _visit(context, url, timeout_ms)
                if warm_up and sessions >= WARM_UP_SESSION:
                    raise ValueError(f"a warm-up journey needs fewer than {WARM_UP_SESSION} sessions")
                if warm_up and not (first := await one_session(context, url, WARM_UP_SESSION, folder, timeout_ms)).ok:
                    raise RuntimeError(f"the warm-up journey failed: {first.error or first.mrr_shown}")
                if on_warm is not None:
                    await asyncio.to_thread(on_warm)
                tabs = None if on_all_open is None else []
                results = list(await asyncio.gather(*(one_session(context, url, k, folder, timeout_ms, tabs)
                                                      for k in range(1, sessions + 1))))
                if on_all_open is not None:
                    await asyncio.to_thread(on_all_open)
                    for tab in tabs:
                        await tab.close()
                return results
            finally:
                await context.close()


def on_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """`asyncio.run(make())` on a thread of its own, so a caller whose thread already runs an
    event loop (Playwright's sync API in the same test process) is not disturbed; an exception is
    re-raised on the caller's thread."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(make())
        except BaseException as exc:  # re-raised on the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="own-event-loop")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run_in_thread(url: str, sessions: int, folder: Path, timeout_ms: int = 150_000, **options) -> list[SessionResult]:
    """`run_sessions` on its own thread and event loop (`on_own_loop`); `options` are
    run_sessions' keyword-only ones."""
    return on_own_loop(lambda: run_sessions(url, sessions, folder, timeout_ms, **options))


@dataclass(frozen=True)
class LoadRun:
    sessions: int
    wall_seconds: float
    results: list[SessionResult]
    before: Memory
    after: Memory
    settled: Memory  # a few seconds after the sessions closed
    peak_total: int  # highest server + children RSS sampled during the run
    server_cpu: float  # CPU seconds the server used during the run
    warm: Memory | None = None  # after the browser's two first visits, before the sessions
    all_open: Memory | None = None  # every session's journey over, every tab still open

    @property
    def retained_per_session(self) -> float:
        """Bytes the server (with children) keeps per open session: (all_open − warm) / sessions."""
        return (self.all_open.total - self.warm.total) / self.sessions

    def report(self) -> str:
        times = sorted(r.seconds for r in self.results)
        lines = [f"{self.sessions} concurrent sessions in {self.wall_seconds:.1f} s "
                 f"(with the browser's two first visits); {sum(r.ok for r in self.results)} correct"]
        for r in sorted(self.results, key=lambda r: r.k):
            verdict = "ok" if r.ok else f"WRONG ({r.error or f'MRR {r.mrr_shown}, foreign {sorted(r.foreign)}'})"
            steps = " ".join(f"{label} {seconds:.1f}" for label, seconds in r.steps.items())
            lines.append(f"  session {r.k:02d}: {r.seconds:6.1f} s  MRR {r.mrr_shown or '-':>6} "
                         f"(expected {expected_mrr_text(r.k)})  {verdict}  [{steps}]")
        stalls = [f"session {r.k:02d}: {stall}" for r in self.results for stall in r.stalls]
        if stalls:
            lines.append(f"pages that did not come after a click, clicked again: {len(stalls)}")
            lines.extend(f"  {stall}" for stall in stalls)
        failures = [f for r in self.results for f in r.download_failures]
        if failures:
            lines.append(f"downloads that failed and were tried again: {len(failures)} ({failures[0]})")
        lines.append(f"time per session: median {statistics.median(times):.1f} s, max {times[-1]:.1f} s, "
                     f"min {times[0]:.1f} s")
        lines.append(f"server memory before: {self.before}")
        lines.append(f"server memory after:  {self.after}")
        lines.append(f"server memory settled: {self.settled}")
        lines.append(f"server + children peak during the run: {self.peak_total / MB:,.0f} MiB")
        if self.warm is not None and self.all_open is not None:
            lines.append(f"server + children after the browser's first visits {self.warm.total / MB:,.0f} MiB, with "
                         f"all {self.sessions} sessions open {self.all_open.total / MB:,.0f} MiB: retained per session "
                         f"{self.retained_per_session / MB:.1f} MiB")
        lines.append(f"server CPU during the run: {self.server_cpu:.1f} s ({self.server_cpu / self.sessions:.2f} s a "
                     f"session, {self.server_cpu / self.wall_seconds:.0%} of one core)")
        return "\n".join(lines)


def measure(url: str, pid: int, sessions: int, folder: Path, timeout_ms: int = 150_000,
            settle_seconds: float = 5.0) -> LoadRun:
    before = server_memory(pid)
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    marks: dict[str, Memory] = {}
    with MemorySampler(pid) as sampler:
        results = run_in_thread(url, sessions, folder, timeout_ms,
                                on_warm=lambda: marks.__setitem__("warm", server_memory(pid)),
                                on_all_open=lambda: marks.__setitem__("open", server_memory(pid)))
    wall = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu
    after = server_memory(pid)
    time.sleep(settle_seconds)
    settled = server_memory(pid)
    return LoadRun(sessions, wall, results, before, after, settled, max(sampler.peak_total, after.total), cpu,
                   marks.get("warm"), marks.get("open"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--url", help="a server already running (then --pid is its process id)")
    parser.add_argument("--pid", type=int)
    parser.add_argument("--timeout", type=float, default=150, help="seconds any one step may wait")
    parser.add_argument("--keep", type=Path, help="a folder to keep the files, downloads, failure screenshots and "
                                                  "the server's log in (default: a temporary one, removed)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit("needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="kpi-load-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        process = None
        if args.url:
            if not args.pid:
                sys.exit("--url needs --pid (the server's process id, for its memory)")
            url, pid = args.url.rstrip("/"), args.pid
        else:
            process, url = start_server(folder / "home", folder / "server.log")
            pid = process.pid
        try:
            run = measure(url, pid, args.sessions, folder, int(args.timeout * 1000))
        finally:
            if process is not None:
                stop_server(process)
    print(run.report())
    sys.exit(0 if all(r.ok for r in run.results) else 1)


if __name__ == "__main__":
    main()
