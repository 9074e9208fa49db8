"""Every table's template reads back through our readers and is recognised without help."""

import pytest

from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import apply_mapping
from kpi.ingest.recognise import recognise
from kpi.ingest.schema import TABLES
from kpi.ingest.templates import template_csv


@pytest.mark.parametrize("table", list(TABLES))
def test_template_is_recognised_and_all_its_rows_count(table):
    sheet = read_bytes(f"{table}_template.csv", template_csv(table))[0]
    proposal = recognise(sheet)
    assert proposal.table == table  # survey templates share columns: the file name tells them apart
    result = apply_mapping(sheet, proposal.mapping())
    assert result.quality.rows_used == 2, result.quality.rejected
