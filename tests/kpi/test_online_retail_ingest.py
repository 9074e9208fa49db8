"""The UCI Online Retail data (541,909 invoice lines), written out as a founder would have it —
a CSV (pandas' `to_csv`) and an XLSX (date cells and numeric customer IDs, as UCI published
it) — is read, recognised as an orders table and mapped with no help, and then gives the
published monthly cohort table (tests/fixtures/online_retail/README.md).

Rows without a CustomerID are rejected by the mapping (a required field): that is the cleaning
every public analysis does. Each file is written and read once per test process.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pandas as pd
import pytest

from kpi.ingest.io import Sheet, read_path
from kpi.ingest.mapping import CanonicalTable, apply_mapping
from kpi.ingest.recognise import Proposal, recognise
from kpi.metrics.cohorts import order_cohorts
from tests.datasets import ONLINE_RETAIL

ROOT = Path(__file__).resolve().parents[2]
RETAIL = ONLINE_RETAIL
pytestmark = pytest.mark.slow
LINES = 541_909
COHORT_SIZES = [885, 417, 380, 452, 300, 284, 242, 188, 169, 299, 358, 323, 41]
FIRST_COHORT_ACTIVE = [885, 324, 286, 340, 321, 352, 321, 309, 313, 350, 331, 445, 235]


def _sheet_xml(frame: pd.DataFrame, strings: dict[str, int]) -> str:
    """The worksheet XML Excel writes: text as shared-string indices (t="s"), numbers as
    themselves, dates as serial days with the date-time style (s="1"), an empty cell left out,
    and the sheet's range declared up front in <dimension>."""
    letters = [openpyxl.utils.get_column_letter(i + 1) for i in range(frame.shape[1])]
    columns = []
    for letter, name in zip(letters, frame.columns, strict=True):
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):  # days since 1899-12-30, as openpyxl's to_excel
            since = values - pd.Timestamp("1899-12-30")
            serial = since.dt.days + since.dt.seconds / 86_400
            cells = [f'<c r="{letter}{{row}}" s="1"><v>{v!r}</v></c>' for v in serial.tolist()]
        elif pd.api.types.is_numeric_dtype(values):
            cells = ["" if v != v else f'<c r="{letter}{{row}}"><v>{v!r}</v></c>' for v in values.tolist()]
        else:
            cells = ["" if v is None or v != v else f'<c r="{letter}{{row}}" t="s"><v>{strings[v]}</v></c>'
                     for v in values.astype(object).tolist()]
        columns.append(cells)
    header = "".join(f'<c r="{letter}1" t="s"><v>{strings[str(name)]}</v></c>'
                     for letter, name in zip(letters, frame.columns, strict=True))
    rows = [f'<row r="1">{header}</row>']
    rows += [f'<row r="{n}">' + "".join(row).replace("{row}", str(n)) + "</row>"
             for n, row in enumerate(zip(*columns, strict=True), start=2)]
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
            f'<dimension ref="A1:{letters[-1]}{len(frame) + 1}"/><sheetData>{"".join(rows)}</sheetData></worksheet>')


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """The frame as one worksheet named "Online Retail", the parts written as Excel writes them
    (shared strings, a date-time number format, the range declared up front). Written directly
    rather than cell by cell through openpyxl, which took 35–110 s for these 4.3 million cells."""
    texts = [str(c) for c in frame.columns]
    for name in frame.columns:
        if not (pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_datetime64_any_dtype(frame[name])):
            texts += frame[name].dropna().astype(str).tolist()
    strings = {text: i for i, text in enumerate(dict.fromkeys(texts))}
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
            '<sheets><sheet name="Online Retail" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/styles.xml": (  # style 1: Excel's built-in date-time format 22 (m/d/yyyy h:mm)
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>'),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{shared}</sst>'),
        "xl/worksheets/sheet1.xml": _sheet_xml(frame, strings),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml.encode("utf-8"))


@pytest.fixture(scope="module")
def retail() -> pd.DataFrame:
    return pd.read_parquet(RETAIL)


_INGESTED: dict[str, tuple] = {}  # once per process: a worker that runs out of queued tests tears module fixtures down


@pytest.fixture(scope="module", params=["csv", "xlsx"])
def ingested(request, retail, tmp_path_factory) -> tuple[Sheet, Proposal, CanonicalTable, dict[str, float]]:
    """(sheet, recognised proposal, mapped table, seconds per stage) for one file format."""
    if request.param not in _INGESTED:
        _INGESTED[request.param] = _ingest(request.param, retail, tmp_path_factory)
    return _INGESTED[request.param]


def _ingest(file_format: str, retail: pd.DataFrame, tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("online_retail")
    timings = {}
    start = time.perf_counter()
    if file_format == "csv":
        path = folder / "online_retail.csv"
        retail.to_csv(path, index=False)  # InvoiceDate as written in the data, CustomerID as 17850.0
    else:
        path = folder / "Online Retail.xlsx"
        write_xlsx(retail.assign(InvoiceDate=pd.to_datetime(retail["InvoiceDate"])), path)
    timings["write"] = time.perf_counter() - start
    start = time.perf_counter()
    sheets = read_path(path)  # as an upload: workbooks are parsed in the sandbox
    timings["read"] = time.perf_counter() - start
    assert len(sheets) == 1
    start = time.perf_counter()
    proposal = recognise(sheets[0])
    timings["recognise"] = time.perf_counter() - start
    start = time.perf_counter()
    table = apply_mapping(sheets[0], proposal.mapping())
    timings["map"] = time.perf_counter() - start
    print(f"\nOnline Retail {file_format}: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return sheets[0], proposal, table, timings


def test_every_line_is_read(ingested):
    sheet, *_ = ingested
    assert len(sheet.frame) == LINES
    assert list(sheet.frame.columns) == ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                                         "UnitPrice", "CustomerID", "Country"]


def test_it_is_recognised_as_orders_with_no_mapping_given(ingested):
    _, proposal, _, _ = ingested
    assert proposal.table == "orders"
    assert proposal.layout == "long"
    assert {field: proposal.columns.get(field) for field in
            ("customer_id", "date", "quantity", "unit_price", "order_id")} == {
        "customer_id": "CustomerID", "date": "InvoiceDate", "quantity": "Quantity", "unit_price": "UnitPrice",
        "order_id": "InvoiceNo"}
    assert "amount" not in proposal.columns  # amount = quantity × unit_price
    assert proposal.confidence >= 0.8


def test_lines_without_a_customer_are_the_only_rejections(ingested):
    _, _, table, _ = ingested
    rejected = table.quality.rejected
    assert set(rejected["column"]) == {"CustomerID"}
    assert set(rejected["reason"]) == {"is empty (required)"}
    assert (table.quality.rows_read, table.quality.rows_used) == (LINES, 406_829)


def test_mapped_orders_keep_ids_dates_and_amounts_as_written(ingested):
    _, _, table, _ = ingested
    first = table.frame.iloc[0]
    assert (first["customer_id"], first["order_id"], first["product"]) == ("17850", "536365", "85123A")
    assert first["date"] == pd.Timestamp("2010-12-01 08:26")
    assert first["amount"] == pytest.approx(6 * 2.55)
    assert table.frame["customer_id"].nunique() == 4_372
    assert table.frame["amount"].sum() == pytest.approx(8_300_065.81, abs=0.5)


def test_it_gives_the_published_cohort_table(ingested):
    _, _, table, _ = ingested
    cohorts = order_cohorts(table.frame)
    assert [str(c) for c in cohorts.sizes.index] == [str(m) for m in pd.period_range("2010-12", "2011-12", freq="M")]
    assert cohorts.sizes.tolist() == COHORT_SIZES
    assert cohorts.counts.iloc[0].tolist() == FIRST_COHORT_ACTIVE
    assert int(cohorts.sizes.sum()) == 4_338
