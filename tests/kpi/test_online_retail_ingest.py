"""The UCI Online Retail data (541,909 invoice lines), written out as a founder would have it —
a CSV (pandas' `to_csv`) and an XLSX (date cells and numeric customer IDs, as UCI published
it) — is read, recognised as an orders table and mapped with no help, and then gives the
published monthly cohort table (tests/fixtures/online_retail/README.md).

Rows without a CustomerID are rejected by the mapping (a required field): that is the cleaning
every public analysis does. Writing the XLSX takes ~35 s (openpyxl, write-only), so each file
is written and read once per module.
"""

from __future__ import annotations

import time
from pathlib import Path

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


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """The frame as one worksheet, with openpyxl's streaming writer. It declares the sheet's
    range up front as Excel does (write-only mode cannot know it, so we tell it)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Online Retail")
    sheet.calculate_dimension = lambda: f"A1:{openpyxl.utils.get_column_letter(frame.shape[1])}{len(frame) + 1}"
    sheet.append(list(frame.columns))
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
    for row in zip(*columns, strict=True):
        sheet.append(row)
    book.save(path)


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
