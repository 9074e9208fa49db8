"""kpi.ingest.layouts: a mapping confirmed once is used again for the same headers."""

from kpi.ingest.io import read_bytes
from kpi.ingest.layouts import LayoutMemory, layout_signature
from kpi.ingest.mapping import TableMapping


def sheet(text: str, name: str = "export.csv"):
    return read_bytes(name, text.encode("utf-8"))[0]


MAPPING = TableMapping("subscriptions", {"customer_id": "Client", "start_date": "Début", "amount": "Prix"})


def test_same_headers_in_another_order_case_or_accents_share_a_layout():
    assert layout_signature(sheet("Client,Début,Prix\n")) == layout_signature(sheet("prix;DEBUT;client\n"))
    assert layout_signature(sheet("Client,Début,Prix\n")) != layout_signature(sheet("Client,Début,Prix,Fin\n"))


def test_a_remembered_mapping_is_recalled_for_next_months_file(tmp_path):
    memory = LayoutMemory(tmp_path / "layouts.json")
    memory.remember(sheet("Client,Début,Prix\nA,2024-01-01,10\n", "octobre.csv"), MAPPING)
    recalled = LayoutMemory(tmp_path / "layouts.json").recall(sheet("Client,Début,Prix\nB,2024-02-01,12\n", "novembre.csv"))
    assert recalled == MAPPING


def test_nothing_is_recalled_for_an_unknown_layout_or_an_unreadable_store(tmp_path):
    store = tmp_path / "layouts.json"
    store.write_text("{broken")
    memory = LayoutMemory(store)
    assert memory.recall(sheet("Client,Début,Prix\n")) is None
    memory.remember(sheet("Client,Début,Prix\n"), MAPPING)  # replaces the broken file
    assert memory.recall(sheet("Other,Headers\n")) is None
    assert memory.recall(sheet("Client,Début,Prix\n")) == MAPPING
