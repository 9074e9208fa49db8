"""Hostile files as a table: every case is read or refused in at most 10 s and 512 MiB.

Each case goes through `kpi.ingest.io.read_bytes` (what every upload goes through) in a forked
child of this process, killed if it runs past `KILL_SECONDS`. The child measures its own wall time
and the memory the read added to it (the high-water mark of its resident set, reset at the
start through /proc/self/clear_refs, minus the resident set it started with); a workbook is
parsed in the sandbox's own child, whose peak resident set `kpi.ingest.sandbox` reports.
The cases run in one loop, so the suite pays one fork per file; the table is printed
(`pytest tests/security/test_hostile_files.py -n0 -s`) and a failure names every failing case.

The fuzz test feeds random and mutated bytes to the readers under each suffix: an `InputError`
or sheets, never another exception. `KPI_FUZZ_EXAMPLES` raises its number of examples
(docs/security.md has the ten-minute command).
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import random
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.errors import InputError
from kpi.ingest import safety, sandbox
from kpi.ingest.io import read_bytes
from tests.fixtures.hostile import generators as g
from tests.fixtures.make_fixtures import cfb
from tests.security.test_hostile_inputs import HOSTILE_FILES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
MB = 1_000_000
MiB = 1 << 20
MAX_SECONDS = 10.0
MAX_MIB = 512
KILL_SECONDS = 40.0  # past this the child is killed and the case reported as a timeout
PASSWD = "root:x:0:0"  # the first line of /etc/passwd: never in a sheet


@dataclass(frozen=True)
class Case:
    """One hostile file: the name it is uploaded under, how to make its bytes, what must happen
    ("read", "refused" or "either") and the words a refusal must contain."""

    name: str
    make: Callable[[], bytes]
    expect: str
    words: str = ""


@dataclass(frozen=True)
class Outcome:
    """What reading one case gave: "read" (detail: sheets and rows), "refused" (the message),
    "crashed" (another exception) or "timeout"; its seconds and memory."""

    outcome: str
    detail: str
    seconds: float
    reader_mib: float | None = None  # memory the read added to the reading process
    sandbox_mib: float | None = None  # peak resident set of the sandbox child, for a workbook
    leaked: bool = False  # /etc/passwd's content reached a sheet


def fixture(name: str) -> Callable[[], bytes]:
    return lambda: (FIXTURES / name).read_bytes()


def csv_rows(rows: int) -> bytes:
    return b"customer_id,amount\n" + b"".join(b"c%d,%d\n" % (i, i % 97) for i in range(rows))


def wide_csv(columns: int) -> bytes:
    return (",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" * columns) + "\n").encode()


def nul_after_sample() -> bytes:
    return csv_rows(10_000) + b"c\x00x,1\n"


def cyclic_fat_xls() -> bytes:
    """An OLE2 file whose directory chain loops back on itself."""
    data = bytearray(cfb({"Workbook": b"\x09\x08" + bytes(4094)}))
    struct.pack_into("<I", data, 512 + 4 * 1, 1)  # the directory sector's FAT entry points to itself
    return bytes(data)


def mutated(data: bytes, seed: int, flips: int = 40) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


GOOD = {suffix: (FIXTURES / name).read_bytes() for suffix, name in [
    (".csv", "stripe_subscriptions.csv"), (".tsv", "intercom_conversations.tsv"), (".xlsx", "workbook_topics.xlsx"),
    (".ods", "libreoffice_export.ods"), (".xls", "legacy_clients.xls"), (".parquet", "mrr_long.parquet")]}


CASES = [
    # the ones tests/security/test_hostile_inputs.py already refuses, counted here with their figures
    *[Case(name, make, "refused", words) for name, (make, words) in HOSTILE_FILES.items()],
    # committed fixtures (tests/fixtures/README.md says what each imitates)
    Case("empty.csv", fixture("empty.csv"), "refused", "empty"),
    Case("empty.xlsx", fixture("empty.xlsx"), "refused", "empty"),
    Case("whitespace_only.csv", fixture("whitespace_only.csv"), "refused", "empty"),
    Case("xlsx_renamed.csv", fixture("xlsx_renamed.csv"), "refused", "rename it .xlsx"),
    Case("truncated.xlsx", fixture("truncated.xlsx"), "refused", "corrupt"),
    Case("corrupt_sheet_data.xlsx", fixture("corrupt_sheet_data.xlsx"), "refused", "corrupt"),
    Case("corrupt_styles.xlsx", fixture("corrupt_styles.xlsx"), "refused", "damaged"),
    Case("empty_zip.xlsx", fixture("empty_zip.xlsx"), "refused", "empty ZIP"),
    Case("word97_renamed.xls", fixture("word97_renamed.xls"), "refused", "not an Excel workbook"),
    Case("tsv_renamed.xls", fixture("tsv_renamed.xls"), "refused", "rename it .csv"),
    Case("truncated.parquet", fixture("truncated.parquet"), "refused", "truncated"),
    Case("all_sheets_empty.xlsx", fixture("all_sheets_empty.xlsx"), "refused", "every sheet"),
    Case("only_headers.csv", fixture("only_headers.csv"), "read"),
    Case("only_headers.xlsx", fixture("only_headers.xlsx"), "read"),
    Case("declared_range_too_wide.xlsx", fixture("declared_range_too_wide.xlsx"), "read"),
    Case("no_dimension.xlsx", fixture("no_dimension.xlsx"), "read"),
    Case("libreoffice_export.ods", fixture("libreoffice_export.ods"), "read"),
    Case("utf16_le_nobom.tsv", fixture("utf16_le_nobom.tsv"), "read"),
    Case("utf16_be_nobom.csv", fixture("utf16_be_nobom.csv"), "read"),
    Case("formula_injection.csv", fixture("formula_injection.csv"), "read"),
    # archives
    Case("overlapping_entries.xlsx", lambda: g.overlapping_entries(entries=2, inflated=1_000), "refused", "overlap"),
    Case("overlapping_zip_bomb.xlsx", g.overlapping_entries, "refused", "overlap"),
    Case("lying_sizes.xlsx", g.lying_sizes, "refused", "corrupt"),
    Case("xlsb_renamed.xlsx", g.xlsb, "refused", ".xlsb"),
    Case("self_extracting.xlsx", lambda: b"MZ" + bytes(4000) + fixture("workbook_topics.xlsx")(), "refused", ""),
    Case("elf_renamed.xlsx", lambda: b"\x7fELF" + bytes(4000), "refused", "Linux program"),
    Case("pdf_renamed.xlsx", lambda: b"%PDF-1.7\n" + bytes(4000), "refused", "PDF"),
    # XLSX grids and cells
    Case("cell_at_XFD1048576.xlsx", g.cell_at_far_corner, "refused", "cells"),
    Case("cell_at_J1048576.xlsx", g.cell_far_down, "refused", "cells"),
    Case("beyond_excel_grid.xlsx", g.beyond_excel_grid, "refused", "cells"),
    Case("cell_32768_chars.xlsx", g.long_cell_xlsx, "read"),
    Case("styles_explosion.xlsx", g.styles_explosion, "read"),
    Case("shared_string_out_of_range.xlsx", g.shared_string_out_of_range, "either", ""),
    Case("deep_nesting.xlsx", g.deep_nesting_sheet, "either", ""),
    Case("malformed_sheet.xlsx", g.malformed_sheet, "either", ""),
    # XML entities
    Case("billion_laughs.xlsx", g.billion_laughs_sheet, "refused", "entit"),
    Case("billion_laughs_shared_strings.xlsx", g.billion_laughs_shared_strings, "refused", "entit"),
    Case("quadratic_blowup.xlsx", g.quadratic_blowup_sheet, "refused", "entit"),
    Case("xxe_passwd_sheet.xlsx", g.xxe_sheet, "refused", "entit"),
    Case("xxe_passwd_workbook.xlsx", g.xxe_workbook, "refused", "entit"),
    Case("billion_laughs.ods", g.ods_billion_laughs, "refused", "entit"),
    # ODS repeats
    Case("columns_repeated_1e9.ods", g.ods_columns_repeated, "refused", "cells"),
    Case("rows_repeated_1e9.ods", g.ods_rows_repeated, "refused", "cells"),
    Case("sparse_corner.ods", g.ods_sparse_corner, "refused", "cells"),
    # OLE2 (.xls)
    Case("cyclic_fat.xls", cyclic_fat_xls, "refused", "corrupt"),
    Case("garbage_workbook_stream.xls", lambda: cfb({"Workbook": random.Random(7).randbytes(6000)}), "refused", ""),
    # Parquet
    Case("declares_1e12_rows.parquet", lambda: g.parquet_declaring(10**12), "refused", "1,000,000,000,000 rows"),
    Case("row_group_1e12_rows.parquet", lambda: g.parquet_declaring(3, row_group_rows=10**12), "refused", ""),
    Case("csv_renamed.parquet", fixture("stripe_subscriptions.csv"), "refused", "not a Parquet file"),
    Case("xlsx_renamed.parquet", fixture("workbook_topics.xlsx"), "refused", "Excel workbook"),
    Case("junk_after_magic.parquet", lambda: b"PAR1" + random.Random(3).randbytes(5000) + b"PAR1", "refused", ""),
    # text
    Case("cell_32768_chars.csv", lambda: b'id,note\n1,"' + b"x" * 32_768 + b'"\n', "read"),
    Case("columns_16384.csv", lambda: wide_csv(16_384), "read"),
    Case("columns_16385.csv", lambda: wide_csv(16_385), "refused", "16,385 cells"),
    Case("rows_1048577.csv", lambda: csv_rows(1_048_577), "read"),
    Case("line_of_1MiB.csv", lambda: b"id,note\n1," + b"x" * MiB + b"\n", "refused", "MB long"),
    Case("columns_900k_under_line_limit.csv", lambda: b"," * 900_000 + b"\n" + b"1," * 300_000 + b"\n", "refused",
         "900,001 cells"),
    Case("nul_bytes.csv", lambda: b"customer_id,amount\nc1\x00,1\n", "refused", "not a text file"),
    Case("nul_after_sample.csv", nul_after_sample, "either", ""),
    Case("utf16_le_nobom_big.csv", lambda: csv_rows(20_000).decode().encode("utf-16-le"), "read"),
    Case("mac_cr_line_ends.csv", lambda: csv_rows(200_000).replace(b"\n", b"\r"), "read"),
    Case("ragged_growing_rows.csv", lambda: b"\n".join(b"," * i for i in range(1, 2_500)), "either", ""),
    Case("ten_million_blank_lines.csv", lambda: b"a,b\n" + b"\n" * 10_000_000, "either", ""),
    Case("unclosed_quote.csv", lambda: b'id,note\n1,"never closed\n' + csv_rows(1000), "refused", "never closed"),
    Case("gzip_renamed.csv", lambda: gzip.compress(csv_rows(100)), "refused", "gzip"),
    Case("pasted_log_10mb.csv", lambda: b'id,note\n1,"' + b"x" * (10 * MB) + b'"\n', "refused", "MB long"),
    # damaged copies of good files, one per reader
    *[Case(f"mutated{suffix}", (lambda data=data, seed=i: mutated(data, seed)), "either", "")
      for i, (suffix, data) in enumerate(GOOD.items())],
]


def _rss_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def _measure(case: Case, data: bytes, sender) -> None:
    """In the forked child: read `data`, send back an Outcome."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # reset VmHWM to the current resident set
    except OSError:
        pass
    base = _rss_kib("VmRSS")
    started = time.perf_counter()
    sheets = []
    try:
        sheets = read_bytes(case.name, data)
        outcome = "read"
        detail = ", ".join(f"{sheet.sheet + ': ' if sheet.sheet else ''}{len(sheet.frame):,} rows × "
                           f"{sheet.frame.shape[1]:,} columns" for sheet in sheets)
    except InputError as error:
        outcome, detail = "refused", str(error)
    except BaseException as error:  # noqa: BLE001 - a crash is this test's finding
        outcome, detail = "crashed", f"{type(error).__name__}: {str(error)[:200]}"
    seconds = time.perf_counter() - started
    reader_mib = (_rss_kib("VmHWM") - base) / 1024
    child = sandbox.last_sandbox_peak_rss() if case.name.endswith((".xlsx", ".xlsm", ".xls", ".ods")) else None
    leaked = any(PASSWD in "\0".join(map(str, [sheet.sheet, *sheet.frame.columns, *sheet.frame.to_numpy().ravel()]))
                 for sheet in sheets if sheet.frame.size < 1_000_000)
    sender.send(Outcome(outcome, detail, seconds, reader_mib=reader_mib, sandbox_mib=child / MiB if child else None,
                        leaked=leaked))


def run(case: Case) -> Outcome:
    """`case` read in a forked child, killed after KILL_SECONDS."""
    data = case.make()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_measure, args=(case, data, sender), daemon=True)
    started = time.monotonic()
    child.start()
    try:
        if not receiver.poll(KILL_SECONDS):
            return Outcome("timeout", f"still reading after {KILL_SECONDS:.0f} s", time.monotonic() - started)
        return receiver.recv()
    except EOFError:
        return Outcome("crashed", f"the reading process died (exit code {child.exitcode})",
                       time.monotonic() - started)
    finally:
        if child.is_alive():
            child.kill()
        child.join(10)


def problems(case: Case, result: Outcome) -> list[str]:
    """What is wrong with `result` for `case`; [] when it keeps the promise."""
    found = []
    if result.outcome not in {"read", "refused"}:
        found.append(f"{result.outcome}: {result.detail}")
    elif case.expect != "either" and result.outcome != case.expect:
        found.append(f"expected {case.expect}, got {result.outcome}: {result.detail}")
    if result.outcome == "refused":
        message = result.detail
        if "\n" in message or len(message) > 400 or not message.startswith(case.name):
            found.append(f"not one clear line naming the file: {message!r}")
        if case.words and case.words not in message:
            found.append(f"the refusal does not say {case.words!r}: {message}")
    if result.leaked:
        found.append("the content of /etc/passwd reached a sheet")
    if result.seconds > MAX_SECONDS:
        found.append(f"took {result.seconds:.1f} s (at most {MAX_SECONDS:.0f})")
    for what, mib in (("the reader", result.reader_mib), ("the sandbox child", result.sandbox_mib)):
        if mib is not None and mib > MAX_MIB:
            found.append(f"{what} peaked at {mib:.0f} MiB (at most {MAX_MIB})")
    return found


def table(rows: list[tuple[Case, Outcome]]) -> str:
    """The printed table: fixture, outcome, seconds, peak MiB (reader, sandbox child)."""
    lines = [f"{'fixture':38} {'s':>6} {'+MiB':>6} {'box MiB':>7}  outcome",
             f"{'-' * 38} {'-' * 6} {'-' * 6} {'-' * 7}  {'-' * 40}"]
    for case, result in rows:
        detail = result.detail.removeprefix(case.name + ": ")
        said = f"read: {detail}" if result.outcome == "read" else f"{result.outcome}: {detail}"
        reader = f"{result.reader_mib:6.0f}" if result.reader_mib is not None else f"{'—':>6}"
        child = f"{result.sandbox_mib:7.0f}" if result.sandbox_mib is not None else f"{'—':>7}"
        lines.append(f"{case.name:38} {result.seconds:6.2f} {reader} {child}  {said[:150]}")
    return "\n".join(lines)


def test_there_are_at_least_sixty_distinct_hostile_files():
    names = [case.name for case in CASES]
    assert len(set(names)) == len(names), "two cases share a name"
    assert len(names) >= 60, len(names)


def test_every_hostile_file_is_read_or_refused_within_ten_seconds_and_512_mib():
    sandbox.warm_up()  # the sandbox's helper starts once, here; every forked case uses it
    rows, failures = [], []
    for case in CASES:
        result = run(case)
        rows.append((case, result))
        failures += [f"{case.name}: {problem}" for problem in problems(case, result)]
    print("\n" + table(rows))
    assert not failures, "\n".join(failures) + "\n\n" + table(rows)


# ── fuzzing ───────────────────────────────────────────────────────────────────────────────

FUZZ_EXAMPLES = int(os.environ.get("KPI_FUZZ_EXAMPLES", "200"))
SUFFIXES = [".csv", ".tsv", ".xlsx", ".ods", ".parquet", ".xls"]


@st.composite
def fuzzed_files(draw) -> tuple[str, bytes]:
    """A suffix, and bytes: random, a good file of any format with bytes changed, cut or
    spliced, so the readers see both noise and almost-valid files."""
    suffix = draw(st.sampled_from(SUFFIXES))
    kind = draw(st.sampled_from(["random", "mutated", "cut", "spliced"]))
    if kind == "random":
        return suffix, draw(st.binary(min_size=1, max_size=2_000))
    base = GOOD[draw(st.sampled_from(sorted(GOOD)))]
    if kind == "cut":
        return suffix, base[: draw(st.integers(1, len(base)))] or b"x"
    if kind == "spliced":
        at = draw(st.integers(0, len(base)))
        return suffix, base[:at] + draw(st.binary(min_size=1, max_size=200)) + base[at:]
    return suffix, mutated(base, draw(st.integers(0, 2**32)), flips=draw(st.integers(1, 50)))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize="KPI_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(fuzzed_files())
def test_fuzzed_bytes_end_in_sheets_or_an_input_error_never_another_exception(file):
    suffix, data = file
    try:
        sheets = read_bytes(f"fuzz{suffix}", data, limits=FUZZ_LIMITS)
    except InputError as error:
        assert str(error).startswith(f"fuzz{suffix}"), str(error)
        return
    assert sheets and all(sheet.file == f"fuzz{suffix}" for sheet in sheets)


FUZZ_LIMITS = safety.Limits(child_timeout_seconds=10.0)
