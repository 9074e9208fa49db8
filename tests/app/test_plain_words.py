"""Plain words only: every page of the demo and every export speaks to a founder, not to us.

Each registered page is rendered once with AppTest on the demo (through app.py, sidebar included),
and every export is built once on the demo (XLSX cells, PPTX text, HTML report text, email body,
Markdown, the CLI's `md` and `text` output). What is read on a page: titles, headers, markdown,
captions, alerts, plain text, metric labels / values / deltas / help, widget labels, help,
placeholders and options, download-button labels, expander, popover and tab labels (a popover's
content is rendered by the script like any other element, so it is read too), dataframes' shown
column labels (from their column configuration) and cell values, and charts' words (trace names,
bar labels, string categories, titles, annotations; not their JSON, hover templates or numbers).

The scan fails on:
- the word "seed" or "seeds" (our internal source articles: a user reads a plain source or none);
- "../" or an absolute path ("/work", "/home", "/tmp", "C:\\");
- raw JSON or a Python dict (`{"` or `':`);
- a bare "None", "nan", "NaN", "NaT" or "null" — a text that is only that word, a word of a text
  outside a code span, or a dataframe cell that is missing while the table sets no placeholder
  (Streamlit then writes "None" in the cell);
- "Mrr" (MRR is written in capitals);
- a snake_case identifier ("logo_churn_rate") shown as words.

The rule for snake_case: an identifier may be shown only where it is meant as a key the user
types or reads in a file — inside a Markdown code span (`revenue.nrr_monthly`, the definitions'
"JSON key" column, a settings table, a template's column list), or when it is the user's own data
(a header, sheet or event name of the uploaded files, such as the demo's `schedule_published`),
or a file name (`stripe_subscriptions.csv`), or a cell of the XLSX workbook under a "Key" or
"Section" header (the JSON report's keys, listed there to reconcile the two). Anywhere else it is
a label and must be words.
"""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from kpi.demo import DEMO_DIR, demo_mapping, load_demo
from kpi.exports import markdown as render
from kpi.exports.html import to_email_html, to_html, to_markdown
from kpi.exports.pptx import to_pptx
from kpi.exports.xlsx import to_xlsx
from kpi.ingest.io import read_path
from kpi.report.build import build_report
from kpi.report.update import investor_update
from ui.state import Workspace

ROOT = Path(__file__).resolve().parents[2]
PAGES = re.findall(r'st\.Page\("(app_pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text())

SEED = re.compile(r"\bseeds?\b", re.I)
PATHS = ("../", "/work", "/home", "/tmp", "C:\\")
JSON = ('{"', "':")
MISSING = ("None", "nan", "NaN", "NaT", "null")
MISSING_WORD = re.compile(r"(?<![\w.])(None|nan|NaN|NaT|null)(?![\w(])")
MRR = re.compile(r"\bMrr")
CODE_SPAN = re.compile(r"`[^`]*`")
FILE_NAME = re.compile(r"[\w\-. ]+\.(?:csv|xlsx|xls|ods|parquet|json|zip|pptx|html|md|txt)\b", re.I)
KEY_HEADERS = ("Key", "Section", "JSON key")  # XLSX columns that list the JSON report's keys
SNAKE = re.compile(r"(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])")


def demo_vocabulary() -> set[str]:
    """The user's own words in the demo files: headers, sheet names and event names."""
    words: set[str] = set()
    for path in DEMO_DIR.iterdir():
        if path.suffix in (".csv", ".xlsx"):
            for sheet in read_path(path):
                words.update(str(c) for c in sheet.frame.columns)
                words.add(str(sheet.sheet or ""))
    tables = load_demo()
    for table, columns in (("events", ("event", "user_id", "customer_id")), ("customers", ("customer_id",)),
                           ("tickets", ("ticket_id",))):
        for column in columns:
            words.update(tables.get(table)[column].dropna().astype(str).unique())
    return words


LINK = re.compile(r"[\w/.-]*\?[\w=&%.,+-]+")


def problems(text: object, allowed: set[str]) -> list[str]:
    """What is wrong with one shown text (empty when it reads as plain words)."""
    if text is None:
        return []
    text = str(text)
    if LINK.fullmatch(text):  # a link column's URL: the table shows its display text (the customer id), not the URL
        return []
    found = []
    if text.strip() in MISSING:
        return [f"bare {text.strip()!r}"]
    prose = CODE_SPAN.sub(" ", text)
    if SEED.search(prose):
        found.append("the word seed(s)")
    found += [f"path {p!r}" for p in PATHS if p in text]
    found += [f"raw JSON {j!r}" for j in JSON if j in prose]
    for word in MISSING_WORD.finditer(prose):
        if word.group(1) == "None" and re.match(r" [a-z]", prose[word.end():]):
            continue  # English: "None of the answers…"
        found.append(f"bare {word.group(1)!r} in a text")
    if MRR.search(text):
        found.append("'Mrr' in the wrong case")
    without_files = FILE_NAME.sub(" ", prose)
    found += [f"snake_case {name!r} shown as a label" for name in SNAKE.findall(without_files)
              if name not in allowed]
    return found


# ── pages ────────────────────────────────────────────────────────────────────────────────────

TEXT_TYPES = {"markdown", "caption", "text", "title", "header", "subheader", "error", "warning", "info",
              "success", "exception", "code", "latex"}


def _cells(element) -> list[tuple[str, object]]:
    """A dataframe's shown column labels and cells, and a marker for missing cells without a placeholder."""
    frame = element.value
    config = json.loads(element.proto.columns) if element.proto.columns else {}
    order = list(element.proto.column_order) or [str(c) for c in frame.columns]
    out: list[tuple[str, object]] = []
    for column in order:
        if column not in frame.columns and not (column.isdigit() and int(column) < len(frame.columns)):
            continue
        spec = config.get(column) or config.get(f"col:{column}") or {}
        if spec.get("hidden"):
            continue
        out.append(("column label", spec.get("label") or column))
        values = frame[column] if column in frame.columns else frame.iloc[:, int(column)]
        if values.isna().any() and not element.proto.placeholder:
            out.append(("cell", f"None (missing cell of column {spec.get('label') or column})"))
        out += [("cell", v) for v in values.dropna().astype(str).unique()[:200]]
    if element.proto.placeholder:
        out.append(("placeholder of missing cells", element.proto.placeholder))
    return out


def _figure_texts(figure: dict) -> list[tuple[str, object]]:
    """A chart's words: trace names, bar and marker labels, string categories, axis, legend and
    figure titles and annotations (hover templates and numbers are left out)."""
    out: list[tuple[str, object]] = []
    for trace in figure.get("data", []):
        out.append(("chart trace name", trace.get("name")))
        for axis in ("x", "y", "text"):
            values = trace.get(axis)
            if isinstance(values, list):
                out += [(f"chart {axis} label", v) for v in values if isinstance(v, str)]
    layout = figure.get("layout", {})
    for key, value in layout.items():
        if isinstance(value, dict) and isinstance(value.get("title"), dict):
            out.append((f"chart {key} title", value["title"].get("text")))
    out += [("chart annotation", a.get("text")) for a in layout.get("annotations", [])]
    return [(where, text) for where, text in out if text]


def _texts(node, where: str) -> list[tuple[str, object]]:
    """Every text a person reads in this element or block, with where it was found."""
    out: list[tuple[str, object]] = []
    kind = getattr(node, "type", "")
    proto = getattr(node, "proto", None)
    if hasattr(node, "children"):  # a block: expander, popover, tab… carry a label (and a help)
        for attribute in ("label", "help"):
            value = getattr(node, attribute, None) or getattr(proto, attribute, None)
            if isinstance(value, str) and value:
                out.append((f"{kind} {attribute}", value))
        if kind == "popover":  # a generic block in AppTest: its label is in the proto's popover part
            out += [("popover label", proto.popover.label), ("popover help", proto.popover.help)]
        for child in node.children.values():
            out += _texts(child, where)
        return out
    if kind == "dataframe":
        return out + _cells(node)
    if kind == "plotly_chart":
        return out + _figure_texts(json.loads(proto.spec))
    if kind in TEXT_TYPES:
        out.append((kind, node.value))
    if kind == "metric":
        out += [("metric label", proto.label), ("metric value", proto.body), ("metric delta", proto.delta),
                ("metric help", proto.help)]
        return out
    for attribute in ("label", "help", "placeholder"):
        value = getattr(node, attribute, None)
        if isinstance(value, str):
            out.append((f"{kind} {attribute}", value))
    options = getattr(node, "options", None)
    if isinstance(options, (list, tuple)):
        out += [(f"{kind} option", option) for option in options]
    return out


@pytest.fixture(scope="module")
def allowed() -> set[str]:
    return demo_vocabulary()


def render_every_page(workspace: Workspace | None = None) -> dict[str, list[tuple[str, object]]]:
    """Every page rendered once (on the demo without a workspace): page → [(where, text)].

    Each page is opened directly, as a link to it opens it (app.py runs with that page): no
    first run of the default page, which doubled the scan's cost and is not what is read. The
    pages are registered by file name (no custom `url_path`), so AppTest finds them before any
    run; the texts read are the same as with a first run of Overview."""
    assert "url_path" not in (ROOT / "app.py").read_text(), "a page with a url_path: run app.py once before switching"
    shown = {}
    for page in PAGES:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
        if workspace is not None:
            app.session_state["workspace"] = workspace
        app.switch_page(page).run()
        mark = [b for b in app.button if b.label.startswith("Mark ")]
        if page == "app_pages/workspaces.py" and mark:  # a reported month fills the activity log and its table
            mark[0].click().run()
        assert not app.exception, f"{page}: {app.exception[0].message if app.exception else ''}"
        shown[page] = _texts(app._tree, page)
    return shown


@pytest.fixture(scope="module")
def pages() -> dict[str, list[tuple[str, object]]]:
    """Every page of the demo, rendered once."""
    return render_every_page()


@pytest.fixture(scope="module")
def tickets_only_pages() -> dict[str, list[tuple[str, object]]]:
    """Every page of a workspace with the demo's tickets alone: the empty states, with the
    templates each page offers (subscriptions, invoices, MRR…), rendered once."""
    mapping = {key: value for key, value in demo_mapping().items() if key == "helpdesk_tickets.csv"}
    return render_every_page(Workspace("Tickets only", {"helpdesk_tickets.csv":
                                                        (DEMO_DIR / "helpdesk_tickets.csv").read_bytes()}, mapping))


# Findings of this scan that a change in progress must fix first: (page, where, the start of the
# text). `test_findings_owned_elsewhere_are_still_there` fails once one is fixed, so the list only
# shrinks; it is empty now that every page speaks plain words.
OWNED_ELSEWHERE: set[tuple[str, str, str]] = {  # findings another change must fix first (none left)
}


def owned_elsewhere(page: str, where: str, text: object) -> bool:
    return any(page == p and where == w and str(text).startswith(start) for p, w, start in OWNED_ELSEWHERE)


def findings(page: str, shown: list[tuple[str, object]], allowed: set[str]) -> list[str]:
    return [f"{where}: {problem} in {str(text)[:160]!r}" for where, text in shown
            for problem in problems(text, allowed) if not owned_elsewhere(page, where, text)]


@pytest.mark.parametrize("page", PAGES)
def test_page_speaks_plain_words(page, pages, allowed):
    found = findings(page, pages[page], allowed)
    assert not found, f"{page}:\n" + "\n".join(found)


@pytest.mark.parametrize("page", PAGES)
def test_page_speaks_plain_words_with_tickets_alone(page, tickets_only_pages, allowed):
    found = findings(page, tickets_only_pages[page], allowed)
    assert not found, f"{page}:\n" + "\n".join(found)


def test_templates_offered_by_empty_pages_keep_acronyms(tickets_only_pages):
    labels = {t for page in tickets_only_pages.values() for w, t in page if w == "download_button label"}
    assert "MRR template (CSV)" in labels and "Subscriptions template (CSV)" in labels, labels


def test_findings_owned_elsewhere_are_still_there(pages, allowed):
    for page, where, start in OWNED_ELSEWHERE:
        assert any(w == where and str(t).startswith(start) and problems(t, allowed) for w, t in pages[page]), \
            f"fixed in {page} ({where}: {start!r}): remove it from OWNED_ELSEWHERE"


def test_the_scan_reads_popovers_tables_and_cards(pages):
    overview = [text for where, text in pages["app_pages/overview.py"]]
    assert "Formula" in overview and any(str(t).startswith("**MRR** = ") for t in overview)
    support = dict(pages["app_pages/support.py"])
    assert "Customer ID" in [t for w, t in pages["app_pages/support.py"] if w == "column label"]
    assert support.get("placeholder of missing cells") == "n/a"
    assert support.get("chart trace name") and "First-contact resolution" in [
        t for w, t in pages["app_pages/support.py"] if w == "chart trace name"]
    activity = [t for w, t in pages["app_pages/workspaces.py"] if w == "cell"]
    assert any(str(t).startswith("marked ") and str(t).endswith(" as reported") for t in activity), activity


@pytest.mark.parametrize("text, problem", [
    ("LTV:CAC above 3 is healthy (seeds 000, 001).", "seed"), ("see ../README.md", "path"),
    (f"/{'work'}/main/docs", "path"), ("{\"month\": \"2026-10\"}", "JSON"), ("{'month': '2026-10'}", "JSON"),
    ("None", "bare"), ("nan", "bare"), ("FCR nan %", "bare"), ("Mrr template (CSV)", "Mrr"),
    ("Logo churn: logo_churn_rate", "snake_case")])
def test_the_scan_catches_each_kind_of_jargon(text, problem):
    assert any(problem in found for found in problems(text, set())), problems(text, set())


@pytest.mark.parametrize("text", [
    "MRR template (CSV)", "Its key is `revenue.nrr_monthly`.", "stripe_subscriptions.csv: 1 433 rows",
    "None of the answers is older than 90 days.", "value event: “schedule_published”"])
def test_the_scan_lets_plain_words_and_allowed_keys_pass(text):
    assert problems(text, {"schedule_published"}) == []


# ── exports ──────────────────────────────────────────────────────────────────────────────────


def _visible_html(page: str) -> str:
    """The text of an HTML page as a reader sees it: no scripts, styles or tags."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html_lib.unescape(re.sub(r"<[^>]+>", "\n", page))


@pytest.fixture(scope="module")
def exports() -> dict[str, list[str]]:
    """Every export of the demo, built once, as the texts a reader sees: export → [text]."""
    report = build_report(load_demo())
    update = investor_update(report, company="Plumeo")
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx(update, report)))
    cells = [sheet.title for sheet in workbook.worksheets]
    for sheet in workbook.worksheets:
        keys: set[int] = set()  # columns under a "Key" / "Section" header: JSON keys, meant as such
        for row in sheet.iter_rows():
            values = [cell.value for cell in row]
            if all(value is None for value in values):
                keys = set()
            elif "Key" in values:
                keys = {i for i, value in enumerate(values) if value in KEY_HEADERS}
            cells += [f"`{cell.value}`" if i in keys and cell.value not in KEY_HEADERS else str(cell.value)
                      for i, cell in enumerate(row) if isinstance(cell.value, str)]
    deck = Presentation(io.BytesIO(to_pptx(update, report)))
    slides = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                slides.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                slides += [cell.text for row in shape.table.rows for cell in row.cells]
            if getattr(shape, "has_chart", False) and shape.has_chart:
                chart = shape.chart
                slides += [str(c) for plot in chart.plots for c in plot.categories]
                slides += [series.name for plot in chart.plots for series in plot.series]
    lines = lambda text: [line for line in text.splitlines() if line.strip()]  # noqa: E731
    return {
        "XLSX": cells,
        "PPTX": slides,
        "HTML report": lines(_visible_html(to_html(update, report))),
        "email body": lines(_visible_html(to_email_html(update, report))),
        "Markdown": lines(to_markdown(update, report)),
        "CLI md": lines(render.markdown(report)),
        "CLI text": lines(render.text(report)),
    }


@pytest.mark.parametrize("export", ["XLSX", "PPTX", "HTML report", "email body", "Markdown", "CLI md", "CLI text"])
def test_export_speaks_plain_words(export, exports, allowed):
    texts = exports[export]
    assert texts, f"{export} has no text"
    found = [f"{problem} in {text[:160]!r}" for text in texts for problem in problems(text, allowed)]
    assert not found, f"{export}:\n" + "\n".join(found)

