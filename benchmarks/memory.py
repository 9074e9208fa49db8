"""Memory per session: what the server keeps for each session, open and after it closes.

    python -m benchmarks.memory --concurrent 50 --sequential 1000     # issue 17's figures
    python -m benchmarks.memory --concurrent 0 --sequential 200       # the slope alone

Starts `streamlit run app.py` on a free loopback port with a temporary home, then measures two
things, sampling the server's resident memory with its children (the workbook sandbox) through
/proc, as benchmarks/load.py does:

1. **Concurrent**: after a warm-up (the browser's two first visits and one whole journey),
   N Chromium tabs of one profile go through benchmarks/load.py's journey at once (upload,
   Overview, Revenue, download; each must see its own MRR and customers only) and stay open
   until all are done. Retained per session = (RSS with all N open − RSS after the warm-up) / N;
   then the tabs close and, once Streamlit has dropped the sessions it keeps for a reconnect
   (two minutes, at most 128), the same difference after close.
2. **Sequential**: M sessions one after the other, each opened, given a small file and closed,
   by a client that speaks Streamlit's own protocol (the browser's websocket to /_stcore/stream,
   BackMsg and ForwardMsg from streamlit.proto, the upload through the same HTTP endpoint the
   browser's file uploader uses): a Chromium tab costs about 3 CPU-seconds a session, this client
   a fraction of it. Each session must see its own file on the Upload page (its name and its
   number of data rows, read from the table the page sends). RSS is sampled every few sessions;
   the slope (MiB a session) is fitted by least squares over the samples after the warm-up.

Goals (issue 17): at most 15 MiB retained per concurrent session, at most 0.1 MiB of RSS growth
per sequential session. Prints a table of every figure; exits 1 when a session fails or a goal
is missed. The server and the browser are always stopped, whatever happens.
tests/e2e/test_memory_sessions.py runs the sequential part at a size the suite can afford, and
tests/e2e/test_load_sessions.py checks the retained memory of its 20 concurrent sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import load

MB = load.MB
MAX_RETAINED_PER_SESSION = 15 * MB  # issue 17: memory a concurrent session keeps
MAX_SLOPE_PER_SESSION = 0.1 * MB  # issue 17: RSS growth per sequential session
UPLOAD_PAGE = "upload"  # the page's URL path name (st.Page("app_pages/upload.py"))
SEQUENTIAL_PREFIX = re.compile(r"memory_s(\d{4})\.csv")
# what the Upload page says it recognised: the file's header, or the same header mapped before in this
# workspace (every session after the first that saved one: sessions without sign-in share the local owner)
RECOGNISED = ("subscriptions", "subscriptions (remembered mapping)")


# ── what a sequential session uploads ──────────────────────────────────────────────────────


def upload_name(k: int) -> str:
    return f"memory_s{k:04d}.csv"


def upload_rows(k: int) -> int:
    """Session k's file has 2 + k mod 7 customers: the number the Upload page must show."""
    return 2 + k % 7


def upload_csv(k: int) -> bytes:
    """A subscriptions export of `upload_rows(k)` customers, ids `mKKKK-n`."""
    lines = ["customer_id,plan,start_date,end_date,mrr,currency"]
    lines += [f"m{k:04d}-{n},Starter,2024-01-{n + 10},,{100 + 10 * n}.00,EUR" for n in range(upload_rows(k))]
    return ("\n".join(lines) + "\n").encode()


# ── a client that speaks Streamlit's protocol ──────────────────────────────────────────────


@dataclass
class ProtocolResult:
    """What one protocol session saw: the Upload page's table row for its file."""

    k: int
    seconds: float = 0.0
    file_shown: str | None = None
    rows_shown: int | None = None
    table_shown: str | None = None
    read_text: str | None = None  # the progress bar's last text ("Read 1 of 1 file(s).")
    foreign: set[str] = field(default_factory=set)  # other sessions' file names seen
    error: str | None = None

    @property
    def ok(self) -> bool:
        return (self.error is None and self.file_shown == upload_name(self.k)
                and self.rows_shown == upload_rows(self.k) and self.table_shown in RECOGNISED
                and self.read_text == "Read 1 of 1 file(s)." and not self.foreign)


def xsrf_cookie(url: str) -> str:
    """The XSRF cookie the server sets on its health check, as the browser gets it on first load."""
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as answer:
        for header in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == "_streamlit_xsrf":
                return rest.split(";", 1)[0]
    raise RuntimeError("the server set no XSRF cookie (server.enableXsrfProtection is expected on)")


class StreamlitSession:
    """One Streamlit session over its websocket, as the browser's frontend drives it: a
    `rerun_script` BackMsg runs a page, the ForwardMsgs that follow draw it until
    `script_finished`; a file goes up by `file_urls_request` and an HTTP PUT of the URL given."""

    def __init__(self, url: str, cookie: str, timeout: float) -> None:
        self.url, self.cookie, self.timeout = url, cookie, timeout
        self.session_id = ""
        self.page_script_hash = ""
        self.socket = None

    async def __aenter__(self) -> StreamlitSession:
        import websockets

        self.socket = await websockets.connect(
            self.url.replace("http://", "ws://", 1) + "/_stcore/stream", origin=self.url,
            subprotocols=["streamlit", self.cookie], additional_headers={"Cookie": f"_streamlit_xsrf={self.cookie}"},
            max_size=None, open_timeout=self.timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.socket.close()

    async def _receive(self):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(self.socket.recv(), self.timeout))
        return message

    async def run(self, page_name: str, widget_states: list | None = None) -> list:
        """Run `page_name` (with these widget states) and return the elements it drew, in order."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        back = BackMsg()
        back.rerun_script.page_name = page_name
        back.rerun_script.page_script_hash = self.page_script_hash
        back.rerun_script.widget_states.widgets.extend(widget_states or [])
        await self.socket.send(back.SerializeToString())
        elements = []
        while True:
            message = await self._receive()
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.session_id = message.new_session.initialize.session_id
            elif kind == "navigation":  # the page st.navigation runs: the next rerun names it
                self.page_script_hash = message.navigation.page_script_hash
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                elements.append(message.delta.new_element)
            elif kind == "script_finished":
                return elements

    async def upload(self, name: str, content: bytes) -> object:
        """Send `content` as the browser's file uploader does; returns the UploadedFileInfo for
        the widget's state."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.Common_pb2 import UploadedFileInfo

        back = BackMsg()
        back.file_urls_request.request_id = uuid.uuid4().hex
        back.file_urls_request.file_names.append(name)
        back.file_urls_request.session_id = self.session_id
        await self.socket.send(back.SerializeToString())
        while True:
            message = await self._receive()
            if message.WhichOneof("type") == "file_urls_response":
                response = message.file_urls_response
                if response.error_msg or response.response_id != back.file_urls_request.request_id:
                    raise RuntimeError(f"no upload URL: {response.error_msg or 'another request answered'}")
                urls = response.file_urls[0]
                break
        await asyncio.to_thread(self._put, urls.upload_url, name, content)
        return UploadedFileInfo(name=name, size=len(content), file_id=urls.file_id, file_urls=urls)

    def _put(self, upload_url: str, name: str, content: bytes) -> None:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        target = upload_url if upload_url.startswith("http") else self.url + "/" + upload_url.lstrip("/")
        request = urllib.request.Request(target, data=body, method="PUT", headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": self.cookie,
            "Cookie": f"_streamlit_xsrf={self.cookie}", "Origin": self.url})
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            if answer.status not in (200, 204):
                raise RuntimeError(f"upload answered HTTP {answer.status}")


def _uploader_state(elements: list, info: object) -> object:
    """The file uploader's widget state holding `info` (the uploader found among `elements`)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    uploader = next((e.file_uploader for e in elements if e.WhichOneof("type") == "file_uploader"), None)
    if uploader is None:
        raise RuntimeError("the Upload page drew no file uploader")
    state = WidgetState(id=uploader.id)
    state.file_uploader_state_value.uploaded_file_info.append(info)
    return state


def _text_of(elements: list) -> str:
    """Every text the page drew (markdown, headings, alerts, captions, progress, tables' cells)."""
    parts = []
    for element in elements:
        kind = element.WhichOneof("type")
        if kind in ("markdown", "heading", "alert"):
            parts.append(getattr(element, kind).body)
        elif kind == "progress":
            parts.append(element.progress.text)
        elif kind == "dataframe":
            parts.append(_arrow_rows(element.dataframe.arrow_data.data).to_csv())
    return "\n".join(parts)


def _arrow_rows(data: bytes):
    import pyarrow as pa

    return pa.ipc.open_stream(data).read_all().to_pandas()


async def protocol_session(url: str, cookie: str, k: int, timeout: float = 60.0) -> ProtocolResult:
    """Session k: open the Upload page, upload `upload_csv(k)`, read what the page shows, close."""
    result = ProtocolResult(k)
    started = time.perf_counter()
    try:
        async with StreamlitSession(url, cookie, timeout) as session:
            first = await session.run(UPLOAD_PAGE)
            info = await session.upload(upload_name(k), upload_csv(k))
            elements = await session.run(UPLOAD_PAGE, [_uploader_state(first, info)])
            progress = [e.progress.text for e in elements if e.WhichOneof("type") == "progress"]
            result.read_text = progress[-1] if progress else None
            tables = [_arrow_rows(e.dataframe.arrow_data.data) for e in elements if e.WhichOneof("type") == "dataframe"]
            if tables and len(tables[0]) == 1:
                row = tables[0].iloc[0]
                result.file_shown = str(row["File / sheet"])
                result.rows_shown = int(row["Data rows"])
                result.table_shown = str(row["Recognised as"])
            result.foreign = {m.group(0) for m in SEQUENTIAL_PREFIX.finditer(_text_of(elements))
                              if int(m.group(1)) != k}
    except Exception as exc:  # a failed session is reported, the run goes on
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
    result.seconds = time.perf_counter() - started
    return result


# ── the figures ────────────────────────────────────────────────────────────────────────────


def slope(points: list[tuple[int, int]]) -> float:
    """Least-squares slope of bytes against session number: Σ(x − x̄)(y − ȳ) / Σ(x − x̄)²."""
    if len(points) < 2:
        raise ValueError("a slope needs at least two samples")
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


@dataclass(frozen=True)
class SequentialRun:
    """M sequential protocol sessions: their results and (session number, RSS with children) samples."""

    sessions: int
    warm_up: int
    results: list[ProtocolResult]
    samples: list[tuple[int, int]]
    server_cpu: float
    client_cpu: float
    wall_seconds: float

    @property
    def correct(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def slope(self) -> float:
        """Bytes of RSS (server and children) per session, fitted after the warm-up."""
        return slope([(x, y) for x, y in self.samples if x >= self.warm_up])

    def rows(self) -> list[tuple[str, str]]:
        after = [(x, y) for x, y in self.samples if x >= self.warm_up]
        wrong = [r for r in self.results if not r.ok]
        return [
            ("sequential sessions correct (own file, own rows, nobody else's)", f"{self.correct} / {self.sessions}"),
            ("RSS with children, first sample (after session 0)", f"{self.samples[0][1] / MB:,.1f} MiB"),
            (f"RSS with children at session {after[0][0]} (end of warm-up)", f"{after[0][1] / MB:,.1f} MiB"),
            (f"RSS with children, last sample (after session {self.samples[-1][0]})",
             f"{self.samples[-1][1] / MB:,.1f} MiB"),
            (f"RSS slope after the warm-up ({len(after)} samples, least squares)",
             f"{self.slope / MB:.4f} MiB a session (goal ≤ {MAX_SLOPE_PER_SESSION / MB:.1f})"),
            ("sequential: server CPU", f"{self.server_cpu:.1f} s ({self.server_cpu / self.sessions:.3f} s a session)"),
            ("sequential: client CPU", f"{self.client_cpu:.1f} s ({self.client_cpu / self.sessions:.3f} s a session)"),
            ("sequential: wall time", f"{self.wall_seconds:.0f} s"),
            *([("first failure", f"session {wrong[0].k}: {wrong[0].error or vars(wrong[0])}")] if wrong else []),
        ]


def run_sequential(url: str, pid: int, sessions: int, every: int = 10, warm_up: int = 150,
                   timeout: float = 60.0) -> SequentialRun:
    """`sessions` protocol sessions one after the other; server RSS (with children) sampled after
    session 0 and every `every` sessions. A session that fails is recorded; the run goes on."""
    cookie = xsrf_cookie(url)
    samples: list[tuple[int, int]] = []
    results: list[ProtocolResult] = []
    server_cpu, client_cpu, started = load.cpu_seconds(pid), time.process_time(), time.perf_counter()

    async def go() -> None:
        for k in range(sessions):
            results.append(await protocol_session(url, cookie, k, timeout))
            if k % every == 0 or k == sessions - 1:
                samples.append((k, load.server_memory(pid).total))

    load.on_own_loop(go)
    return SequentialRun(sessions, min(warm_up, max(0, sessions - 2 * every)), results, samples,
                         load.cpu_seconds(pid) - server_cpu, time.process_time() - client_cpu,
                         time.perf_counter() - started)


@dataclass(frozen=True)
class ConcurrentRun:
    """N concurrent Chromium journeys and the server's memory around them."""

    sessions: int
    results: list[load.SessionResult]
    started: load.Memory  # the server started, idle
    warm: load.Memory  # after the browser's two visits and one whole journey
    all_open: load.Memory  # every session done, every tab still open
    peak_total: int
    closed: load.Memory  # the tabs closed, Streamlit's sessions kept for a reconnect dropped
    server_cpu: float
    wall_seconds: float

    @property
    def correct(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def retained_open(self) -> float:
        return (self.all_open.total - self.warm.total) / self.sessions

    @property
    def retained_closed(self) -> float:
        return (self.closed.total - self.warm.total) / self.sessions

    def rows(self) -> list[tuple[str, str]]:
        times = sorted(r.seconds for r in self.results)
        wrong = [r for r in self.results if not r.ok]
        return [
            ("concurrent sessions correct (own MRR, own customers only)", f"{self.correct} / {self.sessions}"),
            ("one journey (upload → Overview → Revenue → download), median / max",
             f"{times[len(times) // 2]:.0f} s / {times[-1]:.0f} s"),
            ("server RSS with children: started, idle", f"{self.started.total / MB:,.0f} MiB"),
            ("… after the warm-up (baseline)", f"{self.warm.total / MB:,.0f} MiB"),
            (f"… with all {self.sessions} sessions open", f"{self.all_open.total / MB:,.0f} MiB"),
            ("… peak sampled during the run", f"{self.peak_total / MB:,.0f} MiB"),
            ("… after all closed (sessions kept for a reconnect dropped)", f"{self.closed.total / MB:,.0f} MiB"),
            ("retained per session, open: (open − baseline) / N",
             f"{self.retained_open / MB:.1f} MiB (goal ≤ {MAX_RETAINED_PER_SESSION / MB:.0f})"),
            ("retained per session, after close: (closed − baseline) / N", f"{self.retained_closed / MB:.1f} MiB"),
            ("concurrent: server CPU", f"{self.server_cpu:.1f} s ({self.server_cpu / self.sessions:.1f} s a session)"),
            ("concurrent: wall time", f"{self.wall_seconds:.0f} s"),
            *([("first failure", f"session {wrong[0].k}: {wrong[0].error or wrong[0].mrr_shown}")] if wrong else []),
        ]


def run_concurrent(url: str, pid: int, sessions: int, folder: Path, timeout_ms: int = 300_000,
                   drop_wait: float = 125.0) -> ConcurrentRun:
    """benchmarks/load.py's journey in `sessions` tabs at once, after a warm-up, the tabs kept
    open until all are done. After they close, waits `drop_wait` seconds (Streamlit keeps a
    closed session two minutes for a reconnect) and opens one protocol session, whose own close
    makes Streamlit's session store drop the expired ones, before the last sample."""
    marks: dict[str, load.Memory] = {}
    started = load.server_memory(pid)
    cpu, wall = load.cpu_seconds(pid), time.perf_counter()
    with load.MemorySampler(pid) as sampler:
        results = load.run_in_thread(
            url, sessions, folder, timeout_ms, warm_up=True,
            on_warm=lambda: marks.__setitem__("warm", load.server_memory(pid)),
            on_all_open=lambda: marks.__setitem__("open", load.server_memory(pid)))
    cpu, wall = load.cpu_seconds(pid) - cpu, time.perf_counter() - wall
    time.sleep(drop_wait)
    load.on_own_loop(lambda: protocol_session(url, xsrf_cookie(url), 9999))
    time.sleep(2)
    return ConcurrentRun(sessions, results, started, marks["warm"], marks["open"],
                         max(sampler.peak_total, marks["open"].total), load.server_memory(pid), cpu, wall)


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrent", type=int, default=50, help="Chromium sessions at once (0: none)")
    parser.add_argument("--sequential", type=int, default=1000, help="protocol sessions one after the other (0: none)")
    parser.add_argument("--warm-up", type=int, default=150,
                        help="sequential sessions left out of the slope (Streamlit keeps the last 128 closed ones)")
    parser.add_argument("--every", type=int, default=10, help="sample RSS every this many sequential sessions")
    parser.add_argument("--timeout", type=float, default=300, help="seconds any one step may wait")
    parser.add_argument("--keep", type=Path, help="a folder to keep the files, screenshots and server log in")
    args = parser.parse_args()
    if args.concurrent and not load.CHROMIUM.exists():
        sys.exit("needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium), or --concurrent 0")
    rows: list[tuple[str, str]] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="kpi-memory-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        process, url = load.start_server(folder / "home", folder / "server.log")
        try:
            if args.concurrent:
                concurrent = run_concurrent(url, process.pid, args.concurrent, folder, int(args.timeout * 1000))
                rows += concurrent.rows()
                ok &= concurrent.correct == args.concurrent and concurrent.retained_open <= MAX_RETAINED_PER_SESSION
                print(table(rows), flush=True)
            if args.sequential:
                sequential = run_sequential(url, process.pid, args.sequential, args.every, args.warm_up)
                rows += sequential.rows()
                ok &= sequential.correct == args.sequential and sequential.slope <= MAX_SLOPE_PER_SESSION
        finally:
            load.stop_server(process)
    print("\n" + table(rows))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
