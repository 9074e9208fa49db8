"""The bundled demo company (Plumeo, a French B2B SaaS): its files and their mapping.

`data/demo/` holds exports shaped like a founder's (Stripe, HubSpot, Delighted, Zendesk,
product events, a French finance workbook); `data/demo/mapping.json` maps them to the schema
in the JSON format of docs/cli.md. `python -m data.make_demo` regenerates the files.
"""

from __future__ import annotations

from pathlib import Path

from kpi.ingest.io import read_path
from kpi.ingest.mapping import Mapping, Tables, build_tables, load_mapping

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
MAPPING_FILE = DEMO_DIR / "mapping.json"


def demo_mapping() -> Mapping:
    return load_mapping(MAPPING_FILE)


def demo_files() -> list[Path]:
    """The demo's data files, in the order of its mapping."""
    names = dict.fromkeys(key.split(":")[0] for key in demo_mapping())
    return [DEMO_DIR / name for name in names]


def load_demo() -> Tables:
    """The demo company's canonical tables, read and mapped like any user's files."""
    sheets = [sheet for path in demo_files() for sheet in read_path(path, trusted=True)]  # our own files
    return build_tables(sheets, demo_mapping())
