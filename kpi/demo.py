"""The bundled demo company (Plumeo, a French B2B SaaS): its files, their mapping, its tables.

`data/demo/` holds exports shaped like a founder's (Stripe, HubSpot, Delighted, Zendesk,
product events, a French finance workbook with the 2026 budget, a Qonto bank export); `data/demo/mapping.json` maps them to the schema
in the JSON format of docs/cli.md. `python -m data.make_demo` regenerates the files.

Reading and parsing the demo's files (seven, with the bank export) takes a few seconds, most of a
cold start's first Overview (docs/performance.md). `cached_demo_tables` keeps the result in the app's home folder,
keyed by the files, the mapping and the version of the code that parses them, so a restarted
server reads the same tables back in a few milliseconds.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from kpi.ingest.io import read_path
from kpi.ingest.mapping import Mapping, Tables, build_tables, load_mapping

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
MAPPING_FILE = DEMO_DIR / "mapping.json"
CACHE_PREFIX = "demo-tables-"
_KPI = Path(__file__).resolve().parent


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


def code_version() -> str:
    """A hash of what turns files into tables: the source of kpi/ingest and of the shared
    vocabulary it uses (kpi/*.py: errors, ids, text, formatting…), and the versions of Python,
    pandas, NumPy and Arrow. Another value means cached tables may differ: rebuild."""
    import numpy
    import pandas
    import pyarrow

    digest = hashlib.sha256(f"{sys.version}\0{pandas.__version__}\0{numpy.__version__}\0{pyarrow.__version__}".encode())
    for source in sorted([*_KPI.glob("*.py"), *(_KPI / "ingest").glob("*.py")]):
        digest.update(source.relative_to(_KPI).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def cached_demo_tables(folder: Path, content_key: str, build: Callable[[], Tables]) -> Tables:
    """The demo workspace's tables: read from `folder` when built before from the same content
    (`content_key`: a hash of the files and the mapping) by the same code, else `build()`, kept
    there for the next start (one file; an older one is removed).

    The file is ours (written by this function in the app's own home, next to its database); a
    file that cannot be read back is rebuilt, never trusted half-way."""
    key = hashlib.sha256(f"{content_key}\0{code_version()}".encode()).hexdigest()[:32]
    path = folder / f"{CACHE_PREFIX}{key}.pickle"
    try:
        with path.open("rb") as cached:
            tables = pickle.load(cached)
        if isinstance(tables, Tables):
            return tables
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        pass  # not there yet, or written by something else: build it again
    tables = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for older in folder.glob(f"{CACHE_PREFIX}*.pickle"):
            older.unlink(missing_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".demo-tables-", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(tables, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # whole or absent, even with two servers starting at once
    except OSError:
        pass  # a read-only home: the tables are right, only the next start is slower
    return tables
