"""The sandbox for the parsers we cannot trust: a workbook is parsed in a child process.

Declarations can lie, and python-calamine aborts the whole Python process when an allocation
fails (a 5 MB zip bomb inflating to 1.5 GB does that), so untrusted workbooks are parsed in a
child process (`run_isolated`) with an address-space limit and a timeout: if it dies or hangs,
the user gets an `InputError` and the server carries on. The pre-flight checks that run before
it are in `kpi.ingest.safety`.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from kpi.errors import InputError
from kpi.ingest.safety import DEFAULT_LIMITS, Limits, human_bytes

# ── the sandbox ───────────────────────────────────────────────────────────────────────────
#
# A small fork server of our own: one helper interpreter, started with `python -c` (so, unlike
# multiprocessing's spawn and forkserver, it never re-imports the host's __main__ — the
# `streamlit` launcher, or a user's unguarded script), imports pandas and calamine once, then
# forks one child per workbook. The child caps its address space, parses, answers on its own
# Unix socket and exits; a crash or a hang costs that child only. The helper exits when this
# process closes its stdin (on exit), and lives in a private 0700 temporary directory.

# Heavy modules the helper imports once, so each child starts in milliseconds (a fork)
# instead of half a second (a fresh interpreter importing pandas). Not kpi.ingest.io: each child
# imports it afresh (a few milliseconds), so an edited reader is never served stale.
_PRELOAD = ["pandas", "pyarrow", "python_calamine", "openpyxl"]
# At most two workbooks parse at once, so a burst of uploads cannot ask for 2 GB each at once.
_slots = threading.BoundedSemaphore(2)


class _ForkServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._address = ""
        self._owner = os.getpid()  # the process that started the helper

    def connect(self) -> Connection:
        """A connection to a fresh child of the helper (the helper starts on first use, and
        again if it died)."""
        for attempt in (1, 2):
            address = self._running(restart=attempt == 2)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(address)
            except OSError:
                sock.close()
                if attempt == 2:
                    raise
                continue
            return Connection(sock.detach())
        raise AssertionError  # unreachable

    def _running(self, restart: bool) -> str:
        with self._lock:
            if self._owner != os.getpid():  # a forked copy of the process that started the helper
                if not restart and self._address and os.path.exists(self._address):
                    return self._address  # its helper serves us too (we cannot poll another's child)
                self._process, self._address, self._owner = None, "", os.getpid()
            if restart and self._process is not None and self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            if self._process is None or self._process.poll() is not None:
                if self._address:  # a helper that died without cleaning up after itself
                    shutil.rmtree(os.path.dirname(self._address), ignore_errors=True)
                self._start()
            return self._address

    def _start(self) -> None:
        directory = tempfile.mkdtemp(prefix="kpi-reader-")  # mode 0700: only this user connects
        address = os.path.join(directory, "socket")
        root = str(Path(__file__).resolve().parent.parent)
        code = (f"import sys; sys.path[:0] = {[root, *sys.path]!r}; "
                f"from kpi.ingest.sandbox import _serve; _serve({address!r})")
        self._process = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, close_fds=True,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},  # a process that forks is better without BLAS threads
        )
        self._address, self._owner = address, os.getpid()
        for _ in range(500):  # the helper binds before its heavy imports: this takes milliseconds
            if os.path.exists(address) or self._process.poll() is not None:
                break
            time.sleep(0.01)


_server = _ForkServer()


def warm_up() -> None:
    """Start the helper now, so that the first workbook does not wait for its imports (a second
    or more); a process forked afterwards uses the same helper."""
    if SANDBOX_AVAILABLE:
        _server.connect().close()
_stats = threading.local()
# The sandbox needs fork() and Unix sockets (Linux, macOS). Elsewhere (Windows: a founder running
# the CLI on their own files) run_isolated runs the reader in this process instead.
SANDBOX_AVAILABLE = hasattr(os, "fork") and hasattr(socket, "AF_UNIX")


def forget_last_peak() -> None:
    """Start a new read: until a child answers it, `last_sandbox_peak_rss` is None (not the
    figure of an earlier read, or of the process this one was forked from)."""
    _stats.peak_rss = None


def last_sandbox_peak_rss() -> int | None:
    """Peak resident memory, in bytes, of the sandbox child that last answered this thread,
    whether it read the workbook or refused it (for benchmarks, logs and
    tests/security/test_hostile_files.py); None when no child answered (it crashed or was killed,
    or the last read needed no sandbox)."""
    return getattr(_stats, "peak_rss", None)


def _serve(address: str) -> None:
    """The helper: accept a connection, fork a child to serve it, until stdin closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    helper = os.getpid()

    def stop(signum, frame):  # terminated with its process group: clean up on the way out
        if os.getpid() != helper:
            os._exit(1)  # a child: never run the helper's clean-up
        raise SystemExit(0)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(16)
    for module in _PRELOAD:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    stdin = sys.stdin.fileno()
    try:
        while True:
            ready, _, _ = select.select([listener, stdin], [], [])
            if stdin in ready and not os.read(stdin, 1024):
                break  # our parent is gone
            if listener in ready:
                sock, _ = listener.accept()
                if os.fork() == 0:
                    listener.close()
                    try:
                        _child(Connection(sock.detach()))
                    finally:
                        os._exit(0)
                sock.close()
    finally:
        listener.close()
        shutil.rmtree(os.path.dirname(address), ignore_errors=True)


def _child(connection: Connection) -> None:
    """One job: (module, function, memory limit), then the bytes; answers one pickled message."""
    import resource  # POSIX only, like the whole sandbox

    module, function, memory_bytes = pickle.loads(connection.recv_bytes())
    connection.send_bytes(pickle.dumps(os.getpid()))
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ValueError, OSError):  # a hard limit already lower: keep it
        pass
    try:
        data = connection.recv_bytes()
        work = getattr(importlib.import_module(module), function)
        status, value = "ok", work(data)
    except MemoryError:
        status, value = "memory", None
    except InputError as exc:
        status, value = "input", exc.message
    except Exception as exc:  # the parser's own failure on a damaged file: report it, do not crash
        status, value = "error", f"{type(exc).__name__}: {str(exc)[:300]}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    try:
        answer = pickle.dumps((status, value, peak), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        answer = pickle.dumps(("memory", None, peak))
    connection.send_bytes(answer)
    connection.close()


def run_isolated(name: str, work: Callable[[bytes], object], data: bytes, limits: Limits = DEFAULT_LIMITS) -> object:
    """`work(data)` in a sandboxed child process with `limits.child_memory_bytes` of address
    space and `limits.child_timeout_seconds` of wall time; `work` must be a module-level
    function (the child imports it by name). Its exceptions, a crash of the child or a timeout
    all become an `InputError`; none can touch this process (where `SANDBOX_AVAILABLE`)."""
    if not SANDBOX_AVAILABLE:
        return work(data)
    _stats.peak_rss = None
    timeout = limits.child_timeout_seconds
    too_slow = InputError(
        f"this workbook could not be read safely: the reader took more than {timeout:.0f} s; "
        "export the data as CSV, or split the workbook", file=name,
    )
    deadline = time.monotonic() + timeout
    if not _slots.acquire(timeout=timeout):
        raise InputError("the server is busy reading other workbooks; try again in a minute", file=name)
    pid = None
    try:
        connection = _server.connect()
        try:
            connection.send_bytes(pickle.dumps((work.__module__, work.__qualname__, limits.child_memory_bytes)))
            if not connection.poll(max(deadline - time.monotonic(), 0)):
                raise too_slow
            pid = pickle.loads(connection.recv_bytes())
            connection.send_bytes(data)
            if not connection.poll(max(deadline - time.monotonic(), 0)):
                raise too_slow
            status, value, _stats.peak_rss = pickle.loads(connection.recv_bytes())
            pid = None
        except (EOFError, OSError, pickle.UnpicklingError):
            raise InputError(
                "this workbook could not be read safely: the reader crashed (most often because the file "
                f"needs more than the {human_bytes(limits.child_memory_bytes)} of memory we allow one file); "
                "export the data as CSV", file=name,
            ) from None
        finally:
            connection.close()
            if pid is not None:  # timed out or crashed mid-way: make sure that child is gone
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
    finally:
        _slots.release()
    if status == "ok":
        return value
    if status == "memory":
        raise InputError(
            f"this workbook could not be read safely: it needs more than the "
            f"{human_bytes(limits.child_memory_bytes)} of memory we allow one file; export the data as CSV",
            file=name,
        )
    raise InputError(value if status == "input" else f"cannot read this workbook ({value})", file=name)
