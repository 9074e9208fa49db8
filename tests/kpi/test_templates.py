"""Every table's template reads back through our readers and is recognised without help."""

import pytest

from kpi.ingest.io import read_bytes
from kpi.ingest.mapping import apply_mapping
from kpi.ingest.recognise import recognise
from kpi.ingest.schema import TABLES
from kpi.ingest.templates import template_csv, template_label


@pytest.mark.parametrize("table", list(TABLES))
def test_template_is_recognised_and_all_its_rows_count(table):
    sheet = read_bytes(f"{table}_template.csv", template_csv(table))[0]
    proposal = recognise(sheet)
    assert proposal.table == table  # survey templates share columns: the file name tells them apart
    result = apply_mapping(sheet, proposal.mapping())
    assert result.quality.rows_used == 2, result.quality.rejected


def test_template_labels_keep_acronyms_in_capitals():
    assert template_label("mrr") == "MRR template (CSV)"
    assert template_label("nps") == "NPS template (CSV)"
    assert template_label("customers") == "Customers template (CSV)"
    assert template_label("churn_reasons") == "Churn reasons template (CSV)"
    assert all("_" not in template_label(table) and "Mrr" not in template_label(table) for table in TABLES)
