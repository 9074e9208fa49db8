"""How fast and how big is reading an upload? `python benchmarks/ingest_read.py` from the root.

Generates, into a temporary directory, a 200 000-row XLSX (what Excel writes: shared strings,
date-formatted cells, a declared dimension) and a 1 000 000-row CSV of subscription-like data
(plus the same CSV with every field quoted, which costs pyarrow its fastest mode). Then, each
in a fresh process so peak memory is its own:

- time of `kpi.ingest.io.read_path` (sandboxed, and `trusted=True` in-process) as a ratio to bare
  `pd.read_excel(engine="calamine")` / `pd.read_csv`, and to `pd.read_excel(engine="openpyxl")`;
- peak resident memory of the process (`ru_maxrss`) and, for the sandbox, of its child;
- the sandbox's overhead on data/demo/finance.xlsx: first call (starts the helper) and later.

Timings are the minimum of several runs, readers interleaved, because this machine is shared.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

XLSX_ROWS = 200_000
CSV_ROWS = 1_000_000
HEADER = ["Customer ID", "Plan", "Amount", "Currency", "Interval", "Quantity", "Start Date", "Status"]


def subscriptions(n: int, seed: int = 0):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "Customer ID": np.char.add("cus_", rng.integers(10**8, 10**9, n).astype(str)),
        "Plan": rng.choice(["Starter", "Pro", "Business"], n),
        "Amount": rng.integers(900, 50_000, n) / 100,
        "Currency": "eur",
        "Interval": rng.choice(["month", "year"], n),
        "Quantity": rng.integers(1, 20, n),
        "Start Date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), "D"),
        "Status": rng.choice(["active", "canceled", "trialing"], n),
    })


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_xlsx(path: Path, n: int) -> None:
    """An XLSX as Excel writes it (shared strings, dates as serials with a date style), written
    directly: openpyxl takes ~15 s for 200 000 rows."""
    import pandas as pd

    frame = subscriptions(n)
    strings: dict[str, int] = {}

    def shared(text: str) -> str:
        return str(strings.setdefault(text, len(strings)))

    serial = (frame["Start Date"] - pd.Timestamp("1899-12-30")).dt.days.astype(str).tolist()
    letters = [column_letter(i) for i in range(len(HEADER))]
    header = "".join(f'<c r="{c}1" t="s"><v>{shared(h)}</v></c>' for c, h in zip(letters, HEADER, strict=True))
    rows = [f'<row r="1">{header}</row>']
    columns = [frame[h].astype(str).tolist() for h in HEADER]
    for i in range(n):
        r = i + 2
        cells = []
        for j, c in enumerate(letters):
            if HEADER[j] in ("Amount", "Quantity"):
                cells.append(f'<c r="{c}{r}"><v>{columns[j][i]}</v></c>')
            elif HEADER[j] == "Start Date":
                cells.append(f'<c r="{c}{r}" s="1"><v>{serial[i]}</v></c>')
            else:
                cells.append(f'<c r="{c}{r}" t="s"><v>{shared(columns[j][i])}</v></c>')
        rows.append(f'<row r="{r}">' + "".join(cells) + "</row>")
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1:{letters[-1]}{n + 1}"/><sheetData>' + "".join(rows) + "</sheetData></worksheet>")
    shared_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
                  f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(t)}</t></si>" for t in strings)
                  + "</sst>")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ml}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ml}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ml}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{ml}.styles+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="Subscriptions" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'),
        "xl/sharedStrings.xml": shared_xml,
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


def data_files(directory: Path) -> dict[str, Path]:
    return {"xlsx": directory / "subscriptions_200k.xlsx", "csv": directory / "subscriptions_1m.csv",
            "csv_quoted": directory / "subscriptions_1m_quoted.csv"}


def generate(directory: Path) -> None:
    import csv

    files = data_files(directory)
    write_xlsx(files["xlsx"], XLSX_ROWS)
    frame = subscriptions(CSV_ROWS, seed=1)
    frame.to_csv(files["csv"], index=False, date_format="%Y-%m-%d")
    frame.to_csv(files["csv_quoted"], index=False, date_format="%Y-%m-%d", quoting=csv.QUOTE_ALL)


# ── one measurement, in its own process ──────────────────────────────────────────────────

def readers():
    import pandas as pd

    from kpi.ingest import io as kio

    return {
        "calamine": lambda p: pd.read_excel(p, sheet_name=None, header=None, engine="calamine"),
        "openpyxl": lambda p: pd.read_excel(p, sheet_name=None, header=None, engine="openpyxl"),
        "read_csv": lambda p: pd.read_csv(p),
        "ours": lambda p: kio.read_path(p),
        "ours_trusted": lambda p: kio.read_path(p, trusted=True),
    }


def measure(names: list[str], path: str, runs: int) -> dict:
    """Interleaved runs of the named readers on one file: their best times; the process's peak
    memory (meaningful when one reader is named); the sandbox child's peak."""
    from kpi.ingest import sandbox

    table = readers()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    best = {name: float("inf") for name in names}
    first = {}
    for _ in range(runs):
        for name in names:
            started = time.perf_counter()
            table[name](path)
            elapsed = time.perf_counter() - started
            first.setdefault(name, elapsed)
            best[name] = min(best[name], elapsed)
    return {"best": best, "first": first, "baseline_rss": baseline,
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "child_peak_rss": sandbox.last_sandbox_peak_rss()}


def run(names: list[str], path: Path, runs: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", ",".join(names), str(path), str(runs)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def mb(n: float | None) -> str:
    return "—" if n is None else f"{n / 1e6:,.0f} MB"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as tmp:
        started = time.perf_counter()
        # generated in another process: ru_maxrss survives fork and exec, so the measuring
        # processes must descend from a small one
        subprocess.run([sys.executable, __file__, "--generate", tmp], check=True, cwd=ROOT)
        files = data_files(Path(tmp))
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in files.values())
        print(f"generated in {time.perf_counter() - started:.0f} s: {sizes}\n")

        print("time (best of N, interleaved)")
        xlsx = run(["calamine", "ours", "ours_trusted"], files["xlsx"], 3)
        openpyxl = run(["openpyxl"], files["xlsx"], 1)
        b = xlsx["best"]
        print(f"  200k-row XLSX  calamine {b['calamine']:.2f} s · openpyxl {openpyxl['best']['openpyxl']:.2f} s · "
              f"ours (sandbox) {b['ours']:.2f} s · ours (trusted) {b['ours_trusted']:.2f} s")
        print(f"                 ours ÷ calamine = {b['ours'] / b['calamine']:.2f} "
              f"(trusted {b['ours_trusted'] / b['calamine']:.2f}); "
              f"ours ÷ openpyxl = {b['ours'] / openpyxl['best']['openpyxl']:.2f}")
        for label, key in (("1M-row CSV", "csv"), ("1M-row CSV, all quoted", "csv_quoted")):
            csv = run(["read_csv", "ours"], files[key], 7)["best"]
            print(f"  {label:22s} pd.read_csv {csv['read_csv']:.3f} s · ours {csv['ours']:.3f} s · "
                  f"ratio {csv['ours'] / csv['read_csv']:.2f}")

        print("\npeak resident memory (each reader alone in a fresh process; baseline = after imports)")
        for name in ("calamine", "openpyxl", "ours", "ours_trusted"):
            result = openpyxl if name == "openpyxl" else run([name], files["xlsx"], 1)
            child = f", sandbox child {mb(result['child_peak_rss'])}" if name == "ours" else ""
            print(f"  XLSX {name:13s} process {mb(result['peak_rss'])} (baseline {mb(result['baseline_rss'])}){child}")
        for name in ("read_csv", "ours"):
            result = run([name], files["csv"], 1)
            print(f"  CSV  {name:13s} process {mb(result['peak_rss'])} (baseline {mb(result['baseline_rss'])})")

        print("\nsandbox overhead on data/demo/finance.xlsx (3 sheets, 36 KB)")
        demo = ROOT / "data" / "demo" / "finance.xlsx"
        cold = run(["ours"], demo, 5)
        trusted = run(["ours_trusted"], demo, 5)
        print(f"  first call (starts the helper) {cold['first']['ours'] * 1000:.0f} ms · later calls "
              f"{cold['best']['ours'] * 1000:.0f} ms · "
              f"in-process (trusted) {trusted['best']['ours_trusted'] * 1000:.0f} ms")
        print(f"  on the 200k-row XLSX: sandbox {b['ours']:.2f} s vs in-process {b['ours_trusted']:.2f} s "
              f"({(b['ours'] - b['ours_trusted']) * 1000:+.0f} ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", nargs=3, metavar=("READERS", "PATH", "RUNS"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", metavar="DIRECTORY", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.generate:
        generate(Path(arguments.generate))
    elif arguments.measure:
        names, path, runs = arguments.measure
        print(json.dumps(measure(names.split(","), path, int(runs))))
    else:
        main()
