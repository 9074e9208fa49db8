"""Formulas and markup through every export, with the figures to show it (issue 17, items 8 and 10).

Every payload of tests/security/payloads.py is placed where a user controls a string — cell
VALUES (customer names, segments, attribute values, NPS comments), HEADERS (a customer attribute
per payload), SHEET names (one sheet of the customers workbook per payload), FILE names (one NPS
file per payload) and the WORKSPACE name (the update's company, with title and commentary) — then
the app's files are built from it: every CSV download (MRR per customer, the six retention
matrices, the templates), the XLSX workbook, the PPTX deck (its slides and the workbooks behind its
charts), the HTML report, the HTML email and the Markdown summary. Each test prints its figures
(`pytest -s`); docs/security.md ("Formulas and markup") quotes them.

Chromium's side of the markup (every page of the app, the HTML export opened in a browser) is in
test_hostile_inputs.py, on its one server. The hosted configuration (item 10) is checked at the end.
"""

from __future__ import annotations

import csv
import html.parser
import io
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpi.exports.cells import safe_cell_text, starts_a_formula
from kpi.exports.html import to_email_html, to_html, to_markdown
from kpi.exports.pptx import to_pptx
from kpi.exports.xlsx import to_xlsx
from kpi.ingest import safety
from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import TableMapping, build_tables
from kpi.ingest.schema import TABLES
from kpi.ingest.templates import template_csv
from kpi.metrics import cohorts as cohort_analysis
from kpi.report.build import build_report
from kpi.report.update import investor_update
from kpi.text import clean_text
from tests.security.payloads import EVIL_MARKERS, FORMULA_PAYLOADS, MARKUP_PAYLOADS

ROOT = Path(__file__).resolve().parents[2]
PLACES = ("value", "header", "sheet", "file", "workspace")
AS_OF = "2025-05"
# Our own signed figures ("+11.6 %", "-2.0 pp", "+1.00") start with a sign: they are the one kind
# of text allowed to, and never hold a user's character.
OUR_SIGNED_FIGURE = re.compile(r"^[+\-−]\d[\d.,\u00a0\u202f ]*(%|pp|pts?|×)?$")
PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


def test_there_are_enough_payloads():
    assert len(FORMULA_PAYLOADS) >= 30 and len(set(FORMULA_PAYLOADS)) == len(FORMULA_PAYLOADS)
    assert len(MARKUP_PAYLOADS) >= 20 and len(set(MARKUP_PAYLOADS)) == len(MARKUP_PAYLOADS)


# ── the shared rule ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_safe_cell_text_neutralises_every_formula_payload(payload):
    cell = safe_cell_text(payload)
    if payload.startswith("'"):
        assert cell == payload  # already text for a spreadsheet
    else:
        assert cell.startswith("'") and cell[1:] == clean_text(payload), repr(cell)


def test_a_number_is_never_neutralised_but_text_that_looks_like_one_starting_with_a_sign_is():
    assert [safe_cell_text(v) for v in (-120.5, -1, 0, 3.25)] == ["-120.5", "-1", "0", "3.25"]
    assert safe_cell_text("Acme = best") == "Acme = best" and safe_cell_text("a@b.c") == "a@b.c"
    assert safe_cell_text("{curly} brace") == "'{curly} brace"  # LibreOffice reads {= … } as an array formula


# ── one workspace, every payload in every place ─────────────────────────────────────────────


def _sheet_title(payload: str, used: set[str]) -> str:
    """An Excel-valid sheet name made from the payload (no []:*?/\\, ≤ 31 characters, unique,
    no leading or trailing apostrophe), keeping its first characters when it can."""
    title = re.sub(r"[\[\]:*?/\\]", "_", clean_text(payload)).strip("'")[:28] or "sheet"
    while title in used:
        title = f"{title[:26]}_{len(used)}"
    used.add(title)
    return title


def _xlsx_text(value: str) -> str:
    return clean_text(value).replace("\x0b", "")  # what XML (so an xlsx cell) can hold


def hostile_files(payloads: tuple[str, ...]) -> tuple[list, dict[str, TableMapping]]:
    """Sheets and mapping of a company whose customers, segments, attribute headers and values,
    sheet names, file names and comments are the payloads (customer i is named after payload i)."""
    count = len(payloads)
    headers = ["customer_id", "name", "segment", *[f"{_xlsx_text(p)} {i}" for i, p in enumerate(payloads)]]
    book = openpyxl.Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for i, payload in enumerate(payloads):
        sheet = book.create_sheet(_sheet_title(payload, used))
        row = [f"c{i}", _xlsx_text(payload), _xlsx_text(payloads[(i + 1) % count]),
               *[_xlsx_text(p) for p in payloads]]
        for r, values in enumerate((headers, row), start=1):
            for c, value in enumerate(values, start=1):
                cell = sheet.cell(r, c)
                cell.value = value
                cell.data_type = "s"  # openpyxl would store "=…" as a formula: the file holds text
    workbook = io.BytesIO()
    book.save(workbook)
    # our own bytes: parsed in this process (no sandboxed child) to keep the test within its budget
    sheets = read_bytes(f"{payloads[0]} customers.xlsx", workbook.getvalue(), trusted=True)
    mapping = {s.key: TableMapping("customers", {"customer_id": "customer_id", "name": "name", "segment": "segment"})
               for s in sheets}
    subscriptions = pd.DataFrame({"customer_id": [f"c{i}" for i in range(count)],
                                  "start_date": [f"2024-{i % 12 + 1:02d}-05" for i in range(count)],
                                  "end_date": [f"2025-0{i % 5 + 1}-20" if i % 4 == 0 else "" for i in range(count)],
                                  "amount": [100 + 10 * i for i in range(count)], "interval": "month"})
    sheets += read_bytes("subscriptions.csv", subscriptions.to_csv(index=False).encode())
    mapping["subscriptions.csv"] = TableMapping("subscriptions", {c: c for c in subscriptions.columns})
    for i, payload in enumerate(payloads):  # a file per answer, named after its payload
        answer = pd.DataFrame({"customer_id": [f"c{i}", f"c{i}"], "date": ["2025-04-10", "2025-05-10"],
                               "score": [[0, 2, 5, 9, 10][i % 5], 3],
                               "comment": [payload.replace("\x00", ""), "ok"]})  # a NUL makes a CSV "binary": refused
        (sheet,) = read_bytes(f"{payload} answers.csv", answer.to_csv(index=False).encode())
        sheets.append(sheet)
        mapping[sheet.key] = TableMapping("nps", {c: c for c in answer.columns})
    return sheets, mapping


@dataclass
class Exports:
    """The files built from one hostile workspace, and what a payload could reach."""

    payloads: tuple[str, ...]
    keys: list[str]
    csv: dict[str, bytes] = field(default_factory=dict)
    xlsx: bytes = b""
    pptx: bytes = b""
    xlsx_more: list[bytes] = field(default_factory=list)  # the other updates' workbooks
    html: dict[str, str] = field(default_factory=dict)
    markdown: str = ""


def build_exports(payloads: tuple[str, ...]) -> Exports:
    """Every file the app offers for a workspace named after the payloads (in groups of five:
    company, title and the three commentary fields of one update; an update per group)."""
    from ui import data  # the Revenue and Settings pages' CSV

    sheets, mapping = hostile_files(payloads)
    report = build_report(build_tables(sheets, mapping), as_of=AS_OF)
    out = Exports(payloads, [s.key for s in sheets])
    out.csv["mrr_by_customer.csv"] = data.mrr_csv(report)
    cohorts = report.cohorts
    for kind, start, amounts in (("logo", cohorts.logo, cohorts.counts), ("revenue", cohorts.revenue, cohorts.amounts)):
        for cells, matrix in (("start", start), ("previous", cohort_analysis.period_over_period(amounts if kind ==
                                                                                               "revenue" else start)),
                              ("values", amounts)):
            out.csv[f"{kind}_retention_{cells}.csv"] = matrix.to_csv().encode()
    for table in TABLES:
        out.csv[f"{table}_template.csv"] = template_csv(table)
    group = 5
    first = True
    for start in range(0, len(payloads), group):
        chunk = [payloads[(start + k) % len(payloads)] for k in range(group)]
        update = investor_update(report, company=chunk[0], title=chunk[1],
                                 commentary={"product": chunk[2], "hires": chunk[3], "asks": chunk[4]})
        if first:  # the full set once (the customers, segments and comments are the same in each)
            out.xlsx, out.pptx = to_xlsx(update, report), to_pptx(update, report)
            out.html["report.html"], out.html["email.html"] = to_html(update, report), to_email_html(update, report)
            out.markdown = to_markdown(update, report)
            first = False
        else:  # the workspace's, title's and commentary's payloads: the files that hold those
            out.html[f"email-{start}.html"] = to_email_html(update, report)
            out.markdown += "\n" + to_markdown(update, report)
    return out


@pytest.fixture(scope="module")
def formula_exports() -> Exports:
    return build_exports(FORMULA_PAYLOADS)


@pytest.fixture(scope="module")
def markup_exports() -> Exports:
    return build_exports(MARKUP_PAYLOADS)


# ── spreadsheets: XLSX, the deck's chart workbooks, CSV ─────────────────────────────────────


def workbook_cells(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]


def live_formulas(data: bytes) -> list[str]:
    """Cells holding a formula: openpyxl's data_type "f", or an <f> element in the sheet XML."""
    found = [f"{c.parent.title}!{c.coordinate}" for c in workbook_cells(data) if c.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        found += [name for name in archive.namelist()
                  if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", archive.read(name))]
    return found


def risky(text: str) -> bool:
    """Text a spreadsheet would evaluate: starts a formula, is not quoted, is not our own figure."""
    return starts_a_formula(text) and not OUR_SIGNED_FIGURE.match(text.strip())


def embedded_workbooks(pptx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(pptx)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.endswith(".xlsx")}


def spreadsheet_figures(exports: Exports) -> dict[str, dict[str, int]]:
    """Per file: cells checked, live formulas, risky texts, hyperlinks, payload cells found."""
    books = {"investor_update.xlsx": exports.xlsx,
             **{f"investor_update_{i + 2}.xlsx": b for i, b in enumerate(exports.xlsx_more)},
             **{f"deck.pptx/{Path(name).name}": data for name, data in embedded_workbooks(exports.pptx).items()}}
    figures = {}
    bodies = [clean_text(p).strip()[1:8] for p in exports.payloads if len(clean_text(p).strip()) > 4]
    for name, data in books.items():
        cells = workbook_cells(data)
        texts = [c.value for c in cells if isinstance(c.value, str)]
        figures[name] = {"cells": len(cells), "formulas": len(live_formulas(data)),
                         "risky": sum(risky(t) for t in texts),
                         "hyperlinks": sum(c.hyperlink is not None for c in cells),
                         "payloads": sum(any(b in t for b in bodies) for t in texts)}
    for name, data in exports.csv.items():
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        values = [v for row in rows for v in row if v != ""]
        figures[name] = {"cells": len(values), "formulas": 0,
                         "risky": sum(risky(v) and not PLAIN_NUMBER.match(v) for v in values), "hyperlinks": 0,
                         "payloads": sum(any(b in v for b in bodies) for v in values)}
    return figures


def print_table(title: str, rows: dict[str, dict[str, int]]) -> None:
    columns = list(next(iter(rows.values())))
    print(f"\n{title}\n{'file':<40}" + "".join(f"{c:>11}" for c in columns))
    for name, values in rows.items():
        print(f"{name[:40]:<40}" + "".join(f"{values[c]:>11,}" for c in columns))


def test_no_spreadsheet_file_holds_a_formula_or_a_link_from_a_users_string(formula_exports):
    figures = spreadsheet_figures(formula_exports)
    print_table(f"{len(FORMULA_PAYLOADS)} formula payloads × {len(PLACES)} places ({', '.join(PLACES)})", figures)
    checked = sum(f["cells"] for f in figures.values())
    formulas = sum(f["formulas"] + f["risky"] for f in figures.values())
    links = sum(f["hyperlinks"] for f in figures.values())
    print(f"formula cells: {formulas} of {checked:,} checked; hyperlinks: {links}; "
          f"payload cells found: {sum(f['payloads'] for f in figures.values()):,}")
    assert formulas == 0 and links == 0, {name: f for name, f in figures.items() if f["formulas"] or f["risky"]
                                          or f["hyperlinks"]}
    # the payloads did reach the files: the check is not vacuous
    assert figures["investor_update.xlsx"]["payloads"] >= 15
    assert figures["mrr_by_customer.csv"]["cells"] > len(FORMULA_PAYLOADS)
    assert any(f["payloads"] for name, f in figures.items() if name.startswith("deck.pptx/")), figures


def test_every_payload_found_in_the_workbook_is_neutralised(formula_exports):
    """Customers of the period's movements and segments (values), title, company (the workspace)
    and commentary reach the workbook; headers, sheet names and file names do not. Every cell
    holding a payload holds it quoted."""
    texts = [c.value for c in workbook_cells(formula_exports.xlsx) if isinstance(c.value, str)]
    found, unquoted = 0, []
    for payload in FORMULA_PAYLOADS:
        visible = clean_text(payload).strip(" \t\r\n\u00a0\u200b\ufeff\x0b")
        cells = [t for t in texts if visible in t and len(t) <= len(payload) + 2]
        found += bool(cells)
        unquoted += [t for t in cells if not t.startswith("'")]
    print(f"\nformula payloads found in the workbook: {found} of {len(FORMULA_PAYLOADS)}; unquoted: {len(unquoted)}")
    assert not unquoted, unquoted
    assert found >= 15


def test_negative_numbers_stay_numbers(formula_exports):
    """A genuine negative figure is a number in the workbook and plain in a CSV: only text is
    neutralised."""
    book = openpyxl.load_workbook(io.BytesIO(formula_exports.xlsx))
    negatives = [c for sheet in book for row in sheet.iter_rows() for c in row
                 if isinstance(c.value, (int, float)) and c.value < 0]
    assert negatives and all(c.data_type == "n" for c in negatives)
    quoted = [c.value for sheet in book for row in sheet.iter_rows() for c in row
              if isinstance(c.value, str) and PLAIN_NUMBER.match(c.value.lstrip("'")) and c.value.startswith("'")]
    assert not quoted, quoted
    with_negative = pd.DataFrame({"customer_id": ["c1", "c2"], "start_date": ["2025-01-05", "2025-01-05"],
                                  "end_date": "", "amount": [-120.5, 300.0]})
    tables = build_tables(read_bytes("s.csv", with_negative.to_csv(index=False).encode()),
                          {"s.csv": TableMapping("subscriptions", {c: c for c in with_negative.columns})})
    from ui import data

    text = data.mrr_csv(build_report(tables)).decode()
    amounts = [v for row in csv.reader(io.StringIO(text)) for v in row[1:]]
    print(f"\nnegative numbers: {len(negatives)} numeric cells < 0 in the workbook (data_type 'n'); "
          f"MRR CSV amounts: {sorted(set(amounts))[:6]}")
    assert not any(v.startswith("'") for v in amounts)
    if "-120.5" not in amounts:  # a negative line may be refused by the reader: then it is not in the file at all
        assert all(PLAIN_NUMBER.match(v) for v in amounts[2:]), amounts


# ── the deck: text only ─────────────────────────────────────────────────────────────────────


def deck_runs(pptx: bytes) -> list:
    from pptx import Presentation

    runs = []

    def shapes_of(container):
        for shape in container:
            if shape.shape_type == 6:  # a group
                yield from shapes_of(shape.shapes)
            else:
                yield shape

    deck = Presentation(io.BytesIO(pptx))
    for slide in deck.slides:
        for shape in shapes_of(slide.shapes):
            frames = [shape.text_frame] if shape.has_text_frame else []
            if getattr(shape, "has_table", False) and shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
            runs += [run for frame in frames for paragraph in frame.paragraphs for run in paragraph.runs]
        if slide.has_notes_slide:
            runs += [run for p in slide.notes_slide.notes_text_frame.paragraphs for run in p.runs]
    return runs


@pytest.mark.parametrize("kind", ["formula", "markup"])
def test_the_deck_is_text_only_with_no_link_from_a_users_string(kind, formula_exports, markup_exports):
    exports = formula_exports if kind == "formula" else markup_exports
    runs = deck_runs(exports.pptx)
    links = [r.text for r in runs if r.hyperlink.address is not None]
    with zipfile.ZipFile(io.BytesIO(exports.pptx)) as archive:
        rels = [n for n in archive.namelist() if n.endswith(".rels")
                and re.search(rb'TargetMode="External"', archive.read(n))]
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    print(f"\ndeck ({kind} payloads): hyperlinks 0 expected, found {len(links)} of {len(runs):,} text runs; "
          f"external relationships {len(rels)}")
    assert not links and not rels and b"hlinkClick" not in xml
    assert sum(any(clean_text(p)[:12] in r.text for p in exports.payloads) for r in runs) >= 5  # they are there


# ── HTML and Markdown: no element, no link from a user's string ─────────────────────────────


class _Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def html_figures(document: str, payloads: tuple[str, ...]) -> dict[str, int]:
    parser = _Elements()
    parser.feed(document)
    tags = parser.tags
    urls = [v for _, attrs in tags for k, v in attrs.items() if k in ("href", "src", "action", "data") and v]
    handlers = [k for _, attrs in tags for k in attrs if k.startswith("on")]
    scripts = [attrs.get("type", "") for tag, attrs in tags if tag == "script"]
    raw = [p for p in payloads if "<" in p and p in document]  # our own <style> is in the head: a user's is raw
    return {"elements": len(tags), "anchors": sum(tag == "a" for tag, _ in tags),
            "evil urls": sum(any(m in u for m in EVIL_MARKERS) for u in urls),
            "handlers": len(handlers), "scripts": len(scripts),
            "unknown scripts": sum(t not in ("application/gzip;base64", "text/javascript", "text/x-plotly-figure")
                                   for t in scripts),
            "raw payloads": len(raw), "forbidden tags": sum(tag in ("iframe", "object", "embed", "svg", "math",
                                                                    "link", "base", "input", "marquee",
                                                                    "details", "img") for tag, _ in tags)}


@pytest.mark.parametrize("kind", ["formula", "markup"])
def test_html_exports_build_no_element_link_or_script_from_a_users_string(kind, formula_exports, markup_exports):
    exports = formula_exports if kind == "formula" else markup_exports
    figures = {name: html_figures(document, exports.payloads) for name, document in exports.html.items()}
    print_table(f"HTML exports, {len(exports.payloads)} {kind} payloads", figures)
    for name, f in figures.items():
        assert f["anchors"] == 0 and f["evil urls"] == 0 and f["handlers"] == 0, (name, f)
        assert f["raw payloads"] == 0 and f["forbidden tags"] == 0 and f["unknown scripts"] == 0, (name, f)


def test_the_markdown_summary_makes_no_link_or_image_from_a_users_string(markup_exports, formula_exports):
    for exports in (markup_exports, formula_exports):
        text = exports.markdown
        links = re.findall(r"(?<!\\)\]\((?!\s)", text)
        raw_tags = re.findall(r"(?<!\\)<(script|img|svg|iframe|a |style|object|link|input|details|math)", text)
        assert not links and not raw_tags, (links[:3], raw_tags[:3])
    print(f"\nMarkdown summary: 0 links, 0 raw tags in {len(markup_exports.markdown):,} + "
          f"{len(formula_exports.markdown):,} characters")


# ── hosted configuration (item 10) ──────────────────────────────────────────────────────────


def compose_environment(service: str) -> dict[str, str]:
    """The `environment:` mapping of one service of compose.yaml (a reader for its simple shape:
    `KEY: value` lines indented under `environment:`)."""
    lines = (ROOT / "compose.yaml").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  {service}:")
    env, inside = {}, False
    for line in lines[start + 1:]:
        if re.match(r"^  \S", line) or re.match(r"^\S", line):
            break
        if re.match(r"^    environment:\s*$", line):
            inside = True
            continue
        if inside:
            match = re.match(r"^      ([A-Z][A-Z0-9_]*):\s*(.*?)\s*(#.*)?$", line)
            if match:
                env[match[1]] = match[2].strip('"\'')
            elif not line.startswith("      "):
                inside = False
    return env


def test_the_hosted_configuration_hides_error_details_and_keeps_the_protections():
    from streamlit import config as streamlit_config

    options = streamlit_config.get_config_options()
    assert "client.showErrorDetails" in options  # the setting's name in the installed Streamlit
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    hosted = compose_environment("app")
    error_details = hosted.get("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", config.get("client", {}).get("showErrorDetails"))
    xsrf = str(hosted.get("STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION", config["server"]["enableXsrfProtection"]))
    cors = str(hosted.get("STREAMLIT_SERVER_ENABLE_CORS", config["server"]["enableCORS"]))
    upload_mib = int(hosted.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", config["server"]["maxUploadSize"]))
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    rows = [("client.showErrorDetails", error_details, '"none" (generic message, details in the log)'),
            ("server.enableXsrfProtection", xsrf, "true"), ("server.enableCORS", cors, "true"),
            ("server.maxUploadSize", f"{upload_mib} MiB = {upload_mib * 1024 * 1024:,} bytes",
             f"≤ {safety.DEFAULT_LIMITS.max_bytes:,} bytes (kpi.ingest.safety)")]
    print("\nhosted configuration (compose.yaml over .streamlit/config.toml)")
    for name, value, wanted in rows:
        print(f"  {name:<30} {value!s:<36} wanted: {wanted}")
    assert error_details == "none", "a hosted app must not show tracebacks to its users"
    assert xsrf.lower() == "true" and cors.lower() == "true"
    assert upload_mib * 1024 * 1024 <= safety.DEFAULT_LIMITS.max_bytes
    for flag in ("showErrorDetails", "enableXsrfProtection", "enableCORS", "maxUploadSize"):
        assert flag not in dockerfile, f"the image's command line overrides {flag}"
    assert "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS" in (ROOT / "docs" / "hosting.md").read_text(encoding="utf-8")
