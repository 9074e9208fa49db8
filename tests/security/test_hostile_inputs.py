"""Hostile files and strings, layer by layer: each is refused with one clear line, or neutralised.

What a hosted workbench gets from whoever can upload: files crafted to exhaust the server (zip
bombs, a sheet declaring 100 million cells, 50 MB of junk, a 10 MB line, thousands of sheets),
names crafted to reach the file system (`../../etc/passwd.csv`), workspace zips crafted the same
way, mapping JSON with hostile keys, strings crafted for a browser (`<img onerror>`, Markdown
images and links) or for a spreadsheet (`=HYPERLINK(…)`, `@SUM(1)`, `+1`, `-1+2`, tab + `=1`).

- Readers (`kpi.ingest.io.read_bytes`, which every upload goes through) run in a forked child with a
  wall-time bound, so a file that would hold a server thread for minutes fails its test in
  seconds instead of hanging the suite.
- Refusals are `InputError`s whose message is one line that names the file.
- Strings a user controls must reach the page as plain text: never raw inside Markdown (which
  Streamlit renders: labels, captions, alerts, expanders), never as HTML; Chromium confirms that
  no element, image or script comes out of them.
- Exports never hold a formula: XLSX cells are strings (openpyxl data_type "s") starting with an
  apostrophe when a spreadsheet would evaluate them; the same goes for CSV downloads.

Huge inputs are generated at test time into memory or tmp_path; nothing outside tmp_path is
ever written, and no path taken from a name is ever opened.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import struct
import threading
import time
import tomllib
import tracemalloc
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.demo import load_demo
from kpi.errors import InputError
from kpi.exports.xlsx import safe_cell_text, to_xlsx
from kpi.ingest import safety
from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import TableMapping, build_tables, mapping_to_json, parse_mapping
from kpi.report.build import build_report
from kpi.report.update import investor_update
from kpi.store.model import ImportLimits
from kpi.store.tables import default_url
from kpi.store.workspaces import Store
from tests.kpi.test_io import (
    CONTENT_TYPES,
    ROOT_RELS,
    SHEET_HEAD,
    WORKBOOK_RELS,
    deflate,
    deflated_repeat,
    hundred_million_cell_xlsx,
    ods_repeat_bomb,
    zip_bomb_xlsx,
    zip_of,
)
from tests.security.payloads import MARKUP_PAYLOADS

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PAGES = re.findall(r'st\.Page\("(app_pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text())
MB = 1_000_000
READ_SECONDS = 20  # any refusal, on a loaded 2-core machine; the real ones take milliseconds

# Strings crafted for a browser. HTML must never be rendered; Markdown images and links must
# never be rendered from a user's string either (an image is a request to anywhere, on every
# viewer's screen; a link is a phishing lure inside the app's own words).
XSS_IMG = '<img src=x onerror="window.pwned=1">'
XSS_SCRIPT = "<script>window.pwned=2</script>"
MD_IMAGE = "![pixel](http://127.0.0.1:9/pixel.png)"
MD_LINK = "[click here](http://127.0.0.1:9/phish)"
MD_RELATIVE_IMAGE = "![pix](pix.png)"  # fits in a file name (no slash)
BROWSER_PAYLOADS = (XSS_IMG, XSS_SCRIPT, MD_IMAGE, MD_LINK, MD_RELATIVE_IMAGE)
# Strings crafted for a spreadsheet (OWASP's CSV injection list).
FORMULAS = ('=HYPERLINK("http://127.0.0.1:9/x","click")', "@SUM(1)", "+1", "-1+2", "\t=1", "=cmd|' /C calc'!A0")


# ── reading a file in a child process, bounded in time ──────────────────────────────────────


def read_bounded(name: str, data: bytes, seconds: float = READ_SECONDS) -> tuple[str, object, float]:
    """`read_bytes(name, data)` in a forked child: ("read", [(key, shape)…]) or ("refused",
    message) or ("crashed", error), with the seconds it took; ("timeout", None, seconds) when it
    did not finish in `seconds` (the child is killed)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def work() -> None:
        try:
            sheets = read_bytes(name, data)
            sender.send(("read", [(sheet.key, sheet.frame.shape) for sheet in sheets]))
        except InputError as error:
            sender.send(("refused", str(error)))
        except BaseException as error:  # noqa: BLE001 - reported to the parent as a crash
            sender.send(("crashed", f"{type(error).__name__}: {str(error)[:300]}"))

    child = context.Process(target=work, daemon=True)
    started = time.monotonic()
    child.start()
    try:
        if not receiver.poll(seconds):
            return "timeout", None, time.monotonic() - started
        outcome, detail = receiver.recv()
        return outcome, detail, time.monotonic() - started
    finally:
        if child.is_alive():
            child.kill()
        child.join(10)


def assert_clear_refusal(message: str, name: str) -> None:
    """One line, naming the file, short enough to read."""
    assert "\n" not in message, message
    assert message.startswith(Path(name.replace("\\", "/")).name), message
    assert len(message) < 400, message


# ── files that would exhaust the server ────────────────────────────────────────────────────


def too_many_sheets_xlsx(sheets: int = safety.MAX_WORKSHEETS + 1) -> bytes:
    tiny = deflate(SHEET_HEAD + b'<dimension ref="A1"/><sheetData/></worksheet>')
    workbook = (b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheets/></workbook>")
    return zip_of([("[Content_Types].xml", *deflate(CONTENT_TYPES)), ("_rels/.rels", *deflate(ROOT_RELS)),
                   ("xl/workbook.xml", *deflate(workbook)), ("xl/_rels/workbook.xml.rels", *deflate(WORKBOOK_RELS)),
                   *[(f"xl/worksheets/sheet{i}.xml", *tiny) for i in range(1, sheets + 1)]])


def too_many_parts_xlsx(parts: int = safety.DEFAULT_LIMITS.max_members + 1) -> bytes:
    empty = deflate(b"")
    return zip_of([("xl/workbook.xml", *deflate(b"<workbook/>")),
                   *[(f"xl/media/{i}.bin", *empty) for i in range(parts)]])


HOSTILE_FILES = {
    # name: (make the bytes, words the refusal must contain)
    "zip_bomb.xlsx": (zip_bomb_xlsx, "zip bomb"),
    "hundred_million_cells.xlsx": (hundred_million_cell_xlsx, "100,000,000 cells"),
    "repeat_bomb.ods": (ods_repeat_bomb, "cells"),
    "junk_50mb.csv": (lambda: os.urandom(50 * MB), "not a text file"),
    "binary_junk.csv": (lambda: (FIXTURES / "binary_junk.csv").read_bytes(), "not a text file"),
    "png_renamed.csv": (lambda: (FIXTURES / "png_renamed.csv").read_bytes(), "PNG image"),
    "password_protected.xlsx": (lambda: (FIXTURES / "password_protected.xlsx").read_bytes(), "password-protected"),
    "html_renamed.xls": (lambda: (FIXTURES / "html_renamed.xls").read_bytes(), "web page (HTML)"),
    "docx_renamed.xlsx": (lambda: (FIXTURES / "docx_renamed.xlsx").read_bytes(), "not a spreadsheet"),
    "thousand_and_one_sheets.xlsx": (too_many_sheets_xlsx, "1,001 sheets"),
    "ten_thousand_parts.xlsx": (too_many_parts_xlsx, "parts, more than the 10,000"),
    "over_the_size_limit.csv": (lambda: b"a,b\n" + b"1,2\n" * (safety.DEFAULT_LIMITS.max_bytes // 4), "200 MB"),
    # a 10 MB line: as the header (5 million columns), as one data row, and as a paste of
    # semicolons; a reader must refuse these in seconds, not spend minutes building millions
    # of columns while the server's other sessions wait
    "ten_mb_header_line.csv": (lambda: b"a," * (5 * MB), "columns"),
    "ten_mb_data_line.csv": (lambda: b"id,comment\n1,ok\n" + b"x," * (5 * MB) + b"\n", "columns"),
    "ten_mb_semicolons.csv": (lambda: b"id;comment\n1;ok\n" + b"x;" * (5 * MB) + b"\n", "columns"),
}


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_a_hostile_file_is_refused_fast_with_one_clear_line(name):
    make, words = HOSTILE_FILES[name]
    outcome, detail, seconds = read_bounded(name, make())
    assert outcome != "timeout", f"{name}: not refused within {READ_SECONDS} s (the reader was still working)"
    assert outcome == "refused", f"{name}: {outcome} {detail} in {seconds:.1f} s"
    assert_clear_refusal(detail, name)
    assert words in detail, detail


def test_a_ten_megabyte_single_cell_is_read_or_refused_fast():
    """A 10 MB quoted cell (a pasted log) is one cell: read as such, or refused, in seconds."""
    outcome, detail, seconds = read_bounded("pasted_log.csv", b'id,note\n1,"' + b"x" * (10 * MB) + b'"\n')
    assert outcome in {"read", "refused"}, f"{outcome} {detail}"
    if outcome == "read":
        assert detail == [("pasted_log.csv", (1, 2))]


def test_upload_limits_agree_in_bytes():
    """The browser refuses what the readers would refuse: Streamlit's `server.maxUploadSize` is
    in MiB (× 1024 × 1024, see streamlit/web/server/starlette/starlette_routes.py), kpi.ingest.safety's
    and the workspace import's limits are in bytes."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    streamlit_bytes = config["server"]["maxUploadSize"] * 1024 * 1024
    # MiB cannot equal 200,000,000 bytes: the browser's limit sits just below the readers', so no
    # file passes the browser only to be refused for its size after the upload
    assert streamlit_bytes <= safety.DEFAULT_LIMITS.max_bytes < streamlit_bytes + 20 * 1024 * 1024, (
        f"Streamlit accepts uploads up to {streamlit_bytes:,} bytes, kpi.ingest.safety reads up to "
        f"{safety.DEFAULT_LIMITS.max_bytes:,}: a file in between passes the browser and is refused after upload")
    assert ImportLimits().max_file_bytes == safety.DEFAULT_LIMITS.max_bytes


def test_a_file_one_byte_over_the_limit_is_refused_before_any_parsing(monkeypatch):
    limit = safety.DEFAULT_LIMITS.max_bytes

    def parser_ran(*args, **kwargs):
        raise AssertionError("a parser ran on a file over the size limit")

    monkeypatch.setattr(pd, "read_csv", parser_ran)
    with pytest.raises(InputError) as caught:
        read_bytes("big.csv", b"a" * (limit + 1))
    assert_clear_refusal(str(caught.value), "big.csv")
    assert "more than the 200 MB we read" in str(caught.value)


# ── names that try to reach the file system ────────────────────────────────────────────────

TRAVERSAL_NAMES = ["../../etc/passwd.csv", "..\\..\\Windows\\win.ini.csv", "/etc/passwd.csv",
                   "C:\\Users\\..\\..\\x.csv", "....//....//etc/passwd.csv", "..%2f..%2fetc%2fpasswd.csv",
                   "files/../../../x.csv", "\x00../x.csv", ".."]


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_a_path_in_an_upload_name_is_only_a_label(name, monkeypatch):
    data = (FIXTURES / "path_traversal.csv").read_bytes()
    opened = []
    real_open, real_os_open = open, os.open

    def spy(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    def os_spy(path, *args, **kwargs):
        opened.append(str(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    monkeypatch.setattr(os, "open", os_spy)
    try:
        sheets = read_bytes(name, data)
    except InputError as error:  # a name without a known suffix ("..") is refused, not opened
        monkeypatch.undo()
        assert_clear_refusal(str(error), "upload" if name.strip(". ") == "" else name)
        assert not any("passwd" in p or "win.ini" in p or ".." in p for p in opened)
        return
    monkeypatch.undo()
    assert not any("passwd" in p or "win.ini" in p or ".." in p for p in opened), opened
    (sheet,) = sheets
    assert "/" not in sheet.file and "\\" not in sheet.file and "\x00" not in sheet.file and sheet.file != ".."
    pd.testing.assert_frame_equal(sheet.frame, read_bytes("plain.csv", data)[0].frame)  # our bytes, not a file's


@pytest.mark.parametrize("name", [n for n in TRAVERSAL_NAMES if n != ".." and "%2f" not in n])
def test_the_store_refuses_to_keep_a_file_under_a_path(name, tmp_path):
    with Store(f"sqlite:///{tmp_path / 'w.db'}") as store:
        with pytest.raises(InputError) as caught:
            store.create_workspace("Hostile", files={name: b"a,b\n1,2\n"})
        assert "is not a file name we can keep" in str(caught.value)
        assert store.list_workspaces(None) == []
    assert [p.name for p in tmp_path.rglob("*") if not p.name.startswith("w.db")] == []


# ── workspace zips (Workspaces page → store.import_zip) ────────────────────────────────────


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


def good_export(store: Store) -> bytes:
    workspace_id = store.create_workspace("Exported", files={"subs.csv": b"customer_id,amount\nc1,10\n"})
    return store.export_zip(workspace_id, by=None)


def rebuilt(export: bytes, *, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    """The export with members replaced or added (names taken as given, traversal included)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(export)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, (replace or {}).get(member.filename, source.read(member)))
        for name, content in (add or {}).items():
            target.writestr(zipfile.ZipInfo(name), content)
    return out.getvalue()


def import_refusal(store: Store, data: bytes) -> str:
    before = store.list_workspaces(None)
    with pytest.raises(InputError) as caught:
        store.import_zip(data)
    assert store.list_workspaces(None) == before, "nothing is written"
    message = str(caught.value)
    assert "\n" not in message and message.startswith("workspace zip: this is not a workspace export"), message
    return message


@pytest.mark.parametrize("entry", ["../../evil.csv", "files/../../evil.csv", "/etc/passwd", "files\\..\\evil.csv",
                                   "C:/evil.csv", "files/./x.csv", "files//x.csv"])
def test_an_import_zip_with_a_traversal_entry_is_refused(store, tmp_path, entry):
    message = import_refusal(store, rebuilt(good_export(store), add={entry: b"pwned"}))
    assert "unsafe entry name" in message or "unexpected entry" in message
    assert not (tmp_path / "evil.csv").exists() and not (tmp_path.parent / "evil.csv").exists()


def test_an_import_zip_whose_manifest_lists_a_traversal_name_is_refused(store):
    export = good_export(store)
    with zipfile.ZipFile(io.BytesIO(export)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        content = archive.read("files/subs.csv")
    manifest["files"][0]["name"] = "../subs.csv"
    hostile = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(export)) as source, zipfile.ZipFile(hostile, "w") as target:
        for member in source.infolist():
            if member.filename == "manifest.json":
                target.writestr("manifest.json", json.dumps(manifest))
            elif member.filename != "files/subs.csv":
                target.writestr(member.filename, source.read(member))
        target.writestr("files/../subs.csv", content)
    assert "unsafe entry name" in import_refusal(store, hostile.getvalue())


def test_an_import_zip_with_a_member_declared_too_big_is_refused_before_inflating(store):
    export = good_export(store)
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(export)) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, source.read(member))
        chunk = bytes(MB)
        member = zipfile.ZipInfo("files/zeros.csv")
        member.compress_type = zipfile.ZIP_DEFLATED
        with target.open(member, "w", force_zip64=True) as handle:
            for _ in range(ImportLimits().max_file_bytes // MB + 1):
                handle.write(chunk)
    data = bomb.getvalue()
    assert len(data) < 2 * MB  # 200 MB of zeros, deflated
    tracemalloc.start()
    try:
        message = import_refusal(store, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "is too large" in message and "files/zeros.csv" in message
    assert peak < 20 * MB


def test_an_import_zip_member_inflating_beyond_its_declared_size_is_cut_and_refused(store):
    """A zip bomb that lies: it declares 100 bytes and inflates to 1 GB. Reading stops at the
    declared size; the CRC then does not match: "damaged", in bounded memory."""
    manifest = {"format": "kpi-workbench workspace", "format_version": 1, "name": "Liar",
                "files": [{"name": "x.csv", "sha256": "0" * 64, "size": 100, "uploaded_at": "2026-01-01T00:00:00"}],
                "snapshots": []}
    raw, crc, _ = deflated_repeat(b"", bytes(1 << 20), 1000, b"")
    data = zip_of([("manifest.json", *deflate(json.dumps(manifest).encode())), ("mapping.json", *deflate(b"{}")),
                   ("settings.json", *deflate(b"{}")), ("files/x.csv", raw, crc, 100)])
    tracemalloc.start()
    try:
        message = import_refusal(store, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "damaged" in message or "does not match" in message
    assert peak < 20 * MB


def test_an_import_zip_with_too_many_entries_or_an_encrypted_one_is_refused(store):
    export = good_export(store)
    many = rebuilt(export, add={f"snapshots/{2000 + i // 12:04d}-{i % 12 + 1:02d}.json": b"{}"
                                            for i in range(ImportLimits().max_members)})
    assert "entries (at most" in import_refusal(store, many)
    export = bytearray(export)
    offset = export.find(b"PK\x01\x02")  # the first central directory entry: set its "encrypted" bit
    flags = struct.unpack_from("<H", export, offset + 8)[0]
    struct.pack_into("<H", export, offset + 8, flags | 0x1)
    assert "encrypted" in import_refusal(store, bytes(export))


DEEP_JSON = '{"a":' * 100_000 + "1" + "}" * 100_000  # 700 KB: Python's json gives up on the nesting


def test_an_import_zip_with_deeply_nested_json_is_refused_with_a_message(store):
    """json.loads raises RecursionError (not JSONDecodeError) on deep nesting: it must still
    end as the import's InputError, not as a traceback on the Workspaces page."""
    export = good_export(store)
    for member in ("manifest.json", "settings.json", "mapping.json"):
        try:
            message = import_refusal(store, rebuilt(export, replace={member: DEEP_JSON.encode()}))
        except RecursionError:
            pytest.fail(f"a deeply nested {member} raised RecursionError instead of an InputError")
        assert member in message or "not valid JSON" in message or "settings" in message


# ── mapping JSON (Map columns page → kpi.ingest.mapping.parse_mapping, store.save_mapping) ──────


HOSTILE_MAPPINGS = {
    "options that are a list": json.dumps({"a.csv": {"table": "nps", "columns": {}, "options": ["x"]}}),
    "deeply nested": DEEP_JSON,
    "a layout that is not one": json.dumps({"a.csv": {"table": "subscriptions", "columns": {}, "layout": XSS_SCRIPT}}),
    "a table that is not one": json.dumps({"a.csv": {"table": "__class__", "columns": {}}}),
    "columns that are not text": json.dumps({"a.csv": {"table": "subscriptions", "columns": {"amount": {"$gt": 1}}}}),
    "not an object": json.dumps([{"table": "subscriptions"}]),
}


@pytest.mark.parametrize("what", HOSTILE_MAPPINGS)
def test_a_hostile_mapping_is_refused_with_one_clear_line(what):
    try:
        parse_mapping(HOSTILE_MAPPINGS[what], source="mapping.json")
    except InputError as error:
        message = str(error)
        assert "\n" not in message and len(message) < 400, message
        return
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"{what}: {type(error).__name__} ({error}) instead of an InputError")
    pytest.fail(f"{what}: accepted")


def test_hostile_mapping_keys_are_only_labels(store):
    """Keys naming paths, prototypes, markup or a megabyte of text never reach the file system
    and never match a sheet; the store keeps a mapping only as validated JSON."""
    keys = ["../../etc/passwd", "__proto__", "constructor", XSS_IMG, MD_IMAGE]
    text = json.dumps({key: {"table": "subscriptions", "columns": {"amount": "x"}} for key in [*keys, "k" * MB]})
    mapping = parse_mapping(text)
    assert sorted(mapping) == sorted([*keys, "k" * MB])
    assert all(isinstance(m, TableMapping) and m.table == "subscriptions" for m in mapping.values())
    workspace_id = store.create_workspace("Keys", files={"subs.csv": b"customer_id,amount\nc1,10\n"})
    store.save_mapping(workspace_id, mapping_to_json({key: mapping[key] for key in keys}), by=None)
    assert json.loads(store.load(workspace_id, by=None).mapping_json).keys() == set(keys)


# ── formula injection in exports ───────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def hostile_report():
    """The demo's report with every customer named after a formula, and formulas as the
    founder's commentary, company and title."""
    tables = load_demo()
    customers = tables.frames["customers"].copy()
    customers["name"] = [FORMULAS[i % len(FORMULAS)] for i in range(len(customers))]
    tables.frames["customers"] = customers
    report = build_report(tables)
    commentary = {"product": FORMULAS[0], "hires": FORMULAS[1], "asks": FORMULAS[4]}
    update = investor_update(report, commentary=commentary, company=FORMULAS[3], title=FORMULAS[2])
    return update, report


def test_xlsx_export_holds_no_formula_and_every_hostile_string_stays_text(hostile_report):
    data = to_xlsx(*hostile_report)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name
    neutralised = {safe_cell_text(f) for f in FORMULAS}
    markers = ('HYPERLINK("http://127.0.0.1:9', "@SUM(1)", "cmd|")
    hostile = [c for c in cells if isinstance(c.value, str)
               and (c.value.removeprefix("'") in FORMULAS or any(m in c.value for m in markers))]
    assert len(hostile) >= 10, "the hostile names and commentary are in the workbook"
    for cell in hostile:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
        assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (cell.parent.title, cell.coordinate,
                                                                              cell.value)
    names = [row[2] for row in book["Movements"].iter_rows(min_row=4, values_only=True) if row[2]]
    assert names and all(name.startswith("'") for name in names), names  # every customer is named after one
    assert neutralised & set(names)


def test_csv_download_of_mrr_per_customer_holds_no_formula():
    """Customer ids come from the user's file: the reconciliation CSV (Revenue and Settings
    pages, ui.data.mrr_csv) must not hand a spreadsheet a formula either."""
    from ui import data

    rows = pd.DataFrame({"customer_id": ["c1", *FORMULAS],
                         "start_date": [f"2024-01-0{i + 1}" for i in range(1 + len(FORMULAS))],
                         "end_date": "", "amount": [10 * (i + 1) for i in range(1 + len(FORMULAS))]})
    csv_file = rows.to_csv(index=False).encode()
    tables = build_tables(read_bytes("subs.csv", csv_file), {"subs.csv": TableMapping(
        "subscriptions", {"customer_id": "customer_id", "start_date": "start_date", "end_date": "end_date",
                          "amount": "amount"})})
    text = data.mrr_csv(build_report(tables)).decode("utf-8")
    first_cells = [row[0] for row in pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).values]
    assert len(first_cells) == 1 + len(FORMULAS)
    risky = [cell for cell in first_cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert not risky, f"cells a spreadsheet would evaluate: {risky}"


# ── strings a browser would interpret, through every page (AppTest) ───────────────────────


def hostile_files() -> tuple[dict[str, bytes], dict[str, TableMapping]]:
    """Subscriptions, customers and NPS answers where every string a user controls is hostile:
    customer names, segments, a customer attribute's header and values, NPS comments, and the
    name of one file."""
    subscriptions = "customer_id,start_date,end_date,amount,interval\n" + "".join(
        f"c{i},2024-{i:02d}-05,,{100 + 10 * i},month\n" for i in range(1, 7))
    attribute = f"Tier {MD_IMAGE}"
    customers = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(1, 7)],
        "name": [f"Acme {p}" for p in BROWSER_PAYLOADS] + ["Plain SARL"],
        "segment": [f"SMB {XSS_SCRIPT}", f"Mid {MD_LINK}"] * 3,
        attribute: [f"gold {MD_IMAGE}", f"silver {XSS_IMG}"] * 3,
    })
    nps = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(1, 7)] * 2,
        "date": ["2024-06-10"] * 6 + ["2024-06-20"] * 6,
        "score": [10, 9, 3, 7, 0, 10] * 2,
        "comment": [f"Great {p}" for p in BROWSER_PAYLOADS] + ["ok"] + [f"Slow {p}" for p in BROWSER_PAYLOADS] + ["ko"],
    })
    markup = pd.DataFrame({  # every markup payload of tests/security/payloads.py, as an answer's comment
        "customer_id": [f"c{1 + i % 6}" for i in range(len(MARKUP_PAYLOADS))],
        "date": ["2024-06-25"] * len(MARKUP_PAYLOADS),
        "score": [i % 11 for i in range(len(MARKUP_PAYLOADS))],
        "comment": list(MARKUP_PAYLOADS),
    })
    nps = pd.concat([nps, markup], ignore_index=True).astype({"score": object})
    nps.loc[len(nps)] = ["c1", "2024-06-21", f"eleven {XSS_IMG}", "a rejected score"]  # a rejected cell, shown
    survey = f"nps {MD_RELATIVE_IMAGE}.csv"  # a file name is a label too (no slash: it stays whole)
    files = {"subscriptions.csv": subscriptions.encode(), "crm.csv": customers.to_csv(index=False).encode(),
             survey: nps.to_csv(index=False).encode()}
    mapping = {
        "subscriptions.csv": TableMapping("subscriptions", {"customer_id": "customer_id", "start_date": "start_date",
                                                            "end_date": "end_date", "amount": "amount",
                                                            "interval": "interval"}),
        "crm.csv": TableMapping("customers", {"customer_id": "customer_id", "name": "name", "segment": "segment"}),
        survey: TableMapping("nps", {"customer_id": "customer_id", "date": "date", "score": "score",
                                        "comment": "comment"}),
    }
    return files, mapping


HOSTILE_WORKSPACE_NAME = f"Board {XSS_SCRIPT} {MD_IMAGE}"


def saved_hostile_workspace(owner: str | None = None) -> int:
    files, mapping = hostile_files()
    with Store(default_url()) as store:
        return store.create_workspace(HOSTILE_WORKSPACE_NAME, owner=owner, files=files,
                                      mapping_json=mapping_to_json(mapping))


MARKDOWN_TYPES = {"markdown", "caption", "latex", "title", "header", "subheader", "error", "warning", "info",
                  "success", "toast"}


def markdown_strings(block) -> list[tuple[str, str]]:
    """Every string a block (`app.main`, `app.sidebar`) hands to Streamlit's Markdown renderer:
    Markdown, captions, headings and alerts, and the labels and help of widgets, expanders,
    tabs and metrics."""
    found = []
    for node in block:
        kind = getattr(node, "type", "?")
        if kind in MARKDOWN_TYPES:
            found.append((kind, str(getattr(node, "value", ""))))
        for attribute in ("label", "help"):
            value = getattr(node, attribute, None)
            if isinstance(value, str) and value:
                found.append((f"{kind}.{attribute}", value))
    return found


def html_elements(block) -> list[str]:
    """Elements that render raw HTML: st.html, and Markdown with unsafe_allow_html."""
    out = []
    for node in block:
        proto = getattr(node, "proto", None)
        if getattr(node, "type", "") == "html" or getattr(proto, "allow_html", False):
            out.append(str(getattr(node, "value", proto)))
    return out


def open_with(workspace_id: int, page: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params["ws"] = str(workspace_id)
    app.run()
    app.switch_page(page).run()
    assert not app.exception, f"{page}: {app.exception[0].message if app.exception else ''}"
    return app


def raw_payloads(strings: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(where, text) for where, text in strings
            if any(p in text for p in BROWSER_PAYLOADS) or "pixel.png" in text.replace("\\", "")
            and "](" in text and "\\]" not in text]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_hands_a_users_string_to_markdown_or_html_unescaped(page):
    app = open_with(saved_hostile_workspace(), page)
    assert app.session_state["workspace"].name == HOSTILE_WORKSPACE_NAME
    assert not [h for h in html_elements(app.main) if any(p in h for p in BROWSER_PAYLOADS)]
    unescaped = raw_payloads(markdown_strings(app.main))
    assert not unescaped, f"{page} renders a user's string as Markdown: {unescaped[:3]}"


def test_the_sidebar_hands_no_users_string_to_markdown_unescaped():
    """The sidebar runs on every page: the workspace's name, and a segment filter per customer
    attribute, labelled with the attribute's header from the user's file."""
    app = open_with(saved_hostile_workspace(), "app_pages/overview.py")
    assert any(w.label.startswith("Tier") for w in app.sidebar.multiselect), "the hostile attribute is a filter"
    assert not [h for h in html_elements(app.sidebar) if any(p in h for p in BROWSER_PAYLOADS)]
    unescaped = raw_payloads(markdown_strings(app.sidebar))
    assert not unescaped, f"the sidebar renders a user's string as Markdown: {unescaped[:3]}"


def test_the_satisfaction_pages_segment_filter_is_labelled_in_plain_words():
    """Without a mapped segment, the first customer attribute — here the hostile header — labels
    the comment filter of the Satisfaction page."""
    files, mapping = hostile_files()
    crm = pd.read_csv(io.BytesIO(files["crm.csv"]), dtype=str).drop(columns="segment")
    files["crm.csv"] = crm.to_csv(index=False).encode()
    customers = mapping["crm.csv"]
    mapping["crm.csv"] = TableMapping("customers", {k: v for k, v in customers.columns.items() if k != "segment"})
    with Store(default_url()) as store:
        workspace_id = store.create_workspace("No segment", files=files, mapping_json=mapping_to_json(mapping))
    app = open_with(workspace_id, "app_pages/satisfaction.py")
    labels = [w.label for w in app.main.multiselect]
    assert any(label.replace("\\", "").startswith("Tier") for label in labels), labels
    unescaped = raw_payloads(markdown_strings(app.main))
    assert not unescaped, f"the Satisfaction page renders a user's string as Markdown: {unescaped[:3]}"


def test_the_workspace_name_reads_literally_once_unescaped():
    app = open_with(saved_hostile_workspace(), "app_pages/overview.py")
    shown = [text for kind, text in markdown_strings(app._tree) if "Board" in text]
    assert shown
    for text in shown:
        unescaped = re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")
        assert HOSTILE_WORKSPACE_NAME in unescaped  # escaped, so shown as typed
        assert HOSTILE_WORKSPACE_NAME not in text


# ── the same through the upload, import and mapping widgets (AppTest) ──────────────────────


def start(page: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    return app


def test_upload_of_junk_under_a_hostile_name_says_so_in_plain_words():
    app = start("app_pages/upload.py")
    name = f"{MD_RELATIVE_IMAGE} {XSS_IMG}.csv"
    app.get("file_uploader")[0].upload(name, os.urandom(4096), "text/csv").run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "is not a text file" in errors[0]
    assert not raw_payloads([("error", errors[0])]), f"the file's name is rendered as Markdown: {errors[0]}"


def test_import_of_a_hostile_zip_on_the_workspaces_page_says_so_in_plain_words():
    app = start("app_pages/workspaces.py")
    uploader = next(u for u in app.get("file_uploader") if u.label == "Import a workspace (zip)")
    hostile = rebuilt_with_entry(f"files/../{MD_RELATIVE_IMAGE}.csv")
    uploader.upload(f"{MD_RELATIVE_IMAGE}.zip", hostile, "application/zip").run()
    assert not app.exception, app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "was not imported" in errors[0] and "unsafe entry name" in errors[0]
    assert not raw_payloads([("error", errors[0])]), f"the zip's names are rendered as Markdown: {errors[0]}"


def rebuilt_with_entry(entry: str) -> bytes:
    with Store("sqlite://") as scratch:
        return rebuilt(good_export(scratch), add={entry: b"x"})


def test_a_hostile_mapping_json_on_the_map_columns_page_is_refused_in_plain_words():
    workspace_id = saved_hostile_workspace()
    app = open_with(workspace_id, "app_pages/mapping.py")
    uploader = next(u for u in app.get("file_uploader") if u.label == "Load a mapping (JSON)")
    uploader.upload("mapping.json", HOSTILE_MAPPINGS["options that are a list"].encode(), "application/json").run()
    assert not app.exception, f"a hostile mapping crashed the page: {app.exception[0].message}"
    assert app.error and "mapping.json" in app.error[0].value.replace("\\", "")  # shown escaped, as text


# ── the browser's word: nothing a user wrote becomes an element (Chromium) ────────────────


PAGES_TO_VISIT = re.findall(r'st\.Page\("app_pages/([a-z_]+)\.py", title="([^"]+)"', (ROOT / "app.py").read_text())


def browse(url: str, workspace_id: int) -> tuple[dict, list[str], list[str]]:
    """Visit every page in Chromium (from the sidebar, as a user does) and collect what a user's
    string could have produced, every request the pages made and every dialog they opened.

    Runs in its own thread with its own Playwright (see `hostile_pages`)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, wait_for_app_run

    found: dict = {}
    requested: list[str] = []
    dialogs: list[str] = []

    def dialog(opened) -> None:
        dialogs.append(f"{opened.type}: {opened.message}")
        opened.dismiss()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1440, "height": 1500}).new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on("dialog", dialog)
            page.goto(f"{url}/?ws={workspace_id}")
            for slug, title in PAGES_TO_VISIT:
                page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
                page.get_by_test_id("stSidebarNav").locator('a[aria-current="page"]', has_text=title).wait_for(
                    timeout=90_000)
                page.get_by_role("heading", level=1).first.wait_for(timeout=90_000)
                page.get_by_test_id("stSidebarUserContent").get_by_text("Board").first.wait_for(timeout=90_000)
                wait_for_app_run(page)
                page.wait_for_timeout(1000)  # charts and tables draw
                found[slug] = page.evaluate("""() => ({
                    pwned: window.pwned === undefined ? null : window.pwned,
                    imgs: Array.from(document.querySelectorAll('img')).map(i => i.getAttribute('src')),
                    onerror: document.querySelectorAll('[onerror]').length,
                    scripts: Array.from(document.querySelectorAll('script'))
                        .filter(s => s.textContent.includes('pwned')).length,
                    links: Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))
                        .filter(h => h && (h.includes('127.0.0.1:9') || h.includes('phish'))),
                    text: document.body.innerText,
                })""")
            if os.environ.get("KPI_SECURITY_SCREENSHOT"):
                page.screenshot(path=str(ROOT / "tests" / "output" / "hostile_workspaces.png"), full_page=True)
        finally:
            browser.close()
    return found, requested, dialogs


_BROWSED: dict[str, tuple] = {}  # once per process: a worker that runs out of queued tests tears module fixtures down


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory):
    if "pages" not in _BROWSED:
        _BROWSED["pages"] = _browse_hostile_workspace(tmp_path_factory)
    return _BROWSED["pages"]


def _browse_hostile_workspace(tmp_path_factory) -> tuple:
    """The real server with the hostile workspace saved in its database, and what Chromium
    finds on each page that shows user strings: images, scripts run, links to our marker.

    Chromium is driven from a thread of its own, with its own Playwright: tests/e2e's session
    `browser` fixture (sync API, this thread) may be running in the same pytest process, and
    two sync Playwrights cannot share a thread."""
    from tests.e2e.conftest import Server, need_chromium

    need_chromium()
    home = tmp_path_factory.mktemp("hostile-home")
    files, mapping = hostile_files()
    with Store(f"sqlite:///{home / 'workbench.db'}") as store:
        workspace_id = store.create_workspace(HOSTILE_WORKSPACE_NAME, files=files,
                                              mapping_json=mapping_to_json(mapping))
    server = Server(home)
    url = server.start()
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = browse(url, workspace_id)
        except BaseException as error:  # noqa: BLE001 - re-raised below, on the test's thread
            outcome["error"] = error

    try:
        worker = threading.Thread(target=run, name="hostile-pages")
        worker.start()
        worker.join()
    finally:
        server.stop()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@pytest.mark.e2e
def test_chromium_runs_no_script_and_builds_no_element_from_hostile_strings(hostile_pages):
    found, _, _ = hostile_pages
    for page, facts in found.items():
        assert facts["pwned"] is None, f"{page}: a user's string ran as script"
        assert facts["onerror"] == 0 and facts["scripts"] == 0, page
        assert "x" not in facts["imgs"], f"{page}: <img src=x> from a user's string"
    # and the workspace's name is on every page as plain text, exactly as typed (customer names
    # and comments are in data frames, drawn on a canvas: never HTML)
    for page, facts in found.items():
        assert HOSTILE_WORKSPACE_NAME in facts["text"].replace("\u200b", ""), page  # shown as typed


@pytest.mark.e2e
def test_every_page_opens_no_dialog_and_asks_no_other_host(hostile_pages):
    """Every page registered in app.py, on a workspace whose strings include every markup payload
    of tests/security/payloads.py (an `alert(…)` in most): no dialog, and no request to a host
    other than the app's own (a payload's image, link target or script source would be one)."""
    found, requested, dialogs = hostile_pages
    own = urlsplit(requested[0]).netloc
    foreign = sorted({u for u in requested if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                      and urlsplit(u).netloc != own})
    print(f"\n{len(found)} pages, {len(MARKUP_PAYLOADS)} markup payloads + {len(BROWSER_PAYLOADS)} more in the "
          f"workspace: {len(requested)} requests, {len(foreign)} to another host, {len(dialogs)} dialogs")
    assert sorted(found) == sorted(slug for slug, _ in PAGES_TO_VISIT) and len(found) >= 16, sorted(found)
    assert not dialogs, f"dialogs opened by a user's string: {dialogs}"
    assert not foreign, f"requests to another host: {foreign}"


@pytest.mark.e2e
def test_chromium_renders_no_image_from_a_users_string(hostile_pages):
    """A Markdown image in a user's string (a header, a file name) must not become an <img>:
    every viewer's browser would fetch it, from anywhere."""
    found, requested, _ = hostile_pages
    images = {page: [src for src in facts["imgs"] if src and ("pixel.png" in src or "pix.png" in src)]
              for page, facts in found.items()}
    fetched = sorted({u for u in requested if "pixel.png" in u or "pix.png" in u})
    assert not (any(images.values()) or fetched), f"images from a user's string: {images}; fetched: {fetched}"


@pytest.mark.e2e
def test_chromium_makes_no_link_from_a_users_string(hostile_pages):
    """Nor a link: a Markdown link, or a bare URL, which Streamlit's Markdown turns into a link
    even after kpi.text.escape_markdown (it escapes punctuation; the autolink survives)."""
    found, _, _ = hostile_pages
    links = {page: facts["links"] for page, facts in found.items() if facts["links"]}
    assert not links, f"links from a user's string: {links}"
