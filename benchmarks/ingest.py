"""How fast is our whole ingest next to a bare read? `python benchmarks/ingest.py` from the root.

Our ingest is what an upload costs before any KPI: read + recognise + parse + map + validate,
i.e. `kpi.ingest.io.read_path` (workbooks in the sandbox, as for an upload), `kpi.ingest.recognise.recognise`
(no mapping given) and `kpi.ingest.mapping.apply_mapping`. It is timed, stage by stage, on a
200 000-row XLSX and a 1 000 000-row CSV of subscription-like data (Stripe-like headers, IDs,
dates as text in the CSV and as date cells in the XLSX, amounts with decimals, intervals and
statuses as text; the generator of benchmarks/ingest_read.py), and printed as a ratio to the
bare `pd.read_excel(engine="calamine")` / `pd.read_csv` of the same file and to
`pd.read_excel(engine="openpyxl")`.

Targets (the ingest issue): XLSX within 1.5× of the bare calamine read and at least 4× faster
than openpyxl; peak memory under 1.5 GB for the 1M-row CSV.

Every measurement runs in a fresh process (peak memory = `ru_maxrss` of that process, plus the
sandbox child's for a workbook); readers are interleaved and the best of N runs is kept, so the
ratios printed come from the same run on this shared machine.

    python benchmarks/ingest.py             # everything (~3 min)
    python benchmarks/ingest.py --quick     # one run each
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ingest_read import subscriptions, write_xlsx  # noqa: E402  (after the path is set)

XLSX_ROWS = 200_000
CSV_ROWS = 1_000_000
TARGET_CALAMINE_RATIO = 1.5
TARGET_OPENPYXL_SPEEDUP = 4.0
TARGET_CSV_PEAK_BYTES = 1.5e9
EXPECTED_COLUMNS = {"customer_id": "Customer ID", "plan": "Plan", "amount": "Amount", "currency": "Currency",
                    "interval": "Interval", "quantity": "Quantity", "start_date": "Start Date", "status": "Status"}


def data_files(directory: Path) -> dict[str, Path]:
    return {"xlsx": directory / "subscriptions_200k.xlsx", "csv": directory / "subscriptions_1m.csv"}


def generate(directory: Path) -> None:
    files = data_files(directory)
    write_xlsx(files["xlsx"], XLSX_ROWS)
    subscriptions(CSV_ROWS, seed=1).to_csv(files["csv"], index=False, date_format="%Y-%m-%d")


# ── one measurement, in its own process ──────────────────────────────────────────────────

def ingest(path: str) -> dict[str, float]:
    """Our ingest of one file, stage by stage (seconds)."""
    from kpi.ingest.io import read_path
    from kpi.ingest.mapping import apply_mapping
    from kpi.ingest.recognise import recognise

    stages = {}
    started = time.perf_counter()
    sheets = read_path(path)
    stages["read"] = time.perf_counter() - started
    proposals, tables = [], []
    started = time.perf_counter()
    proposals = [recognise(sheet) for sheet in sheets]
    stages["recognise"] = time.perf_counter() - started
    started = time.perf_counter()
    tables = [apply_mapping(sheet, proposal.mapping()) for sheet, proposal in zip(sheets, proposals, strict=True)]
    stages["map"] = time.perf_counter() - started
    proposal, table = proposals[0], tables[0]
    if proposal.table != "subscriptions" or proposal.columns != EXPECTED_COLUMNS:
        raise SystemExit(f"recognised {proposal.table} {proposal.columns}, not the subscriptions expected")
    if table.quality.rows_used != table.quality.rows_read:
        raise SystemExit(f"{table.quality.rows_read - table.quality.rows_used} rows rejected: "
                         f"{table.quality.rejected.head().to_dict('records')}")
    return stages


def readers():
    import pandas as pd

    return {
        "calamine": lambda p: pd.read_excel(p, sheet_name=None, header=None, engine="calamine"),
        "openpyxl": lambda p: pd.read_excel(p, sheet_name=None, header=None, engine="openpyxl"),
        "read_csv": lambda p: pd.read_csv(p),
        "ours": ingest,
    }


def measure(names: list[str], path: str, runs: int) -> dict:
    """Interleaved runs of the named readers on one file: the best time of each (and, for ours,
    the stages of its best run); the process's peak memory; the sandbox child's peak."""
    from kpi.ingest import sandbox

    table = readers()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    best = {name: float("inf") for name in names}
    stages: dict[str, float] = {}
    for _ in range(runs):
        for name in names:
            started = time.perf_counter()
            result = table[name](path)
            elapsed = time.perf_counter() - started
            if elapsed < best[name]:
                best[name] = elapsed
                if name == "ours":
                    stages = result
    return {"best": best, "stages": stages, "baseline_rss": baseline,
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "child_peak_rss": sandbox.last_sandbox_peak_rss()}


def run(names: list[str], path: Path, runs: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", ",".join(names), str(path), str(runs)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"measuring {names} on {path.name} failed:\n{out.stderr}{out.stdout}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def mb(n: float | None) -> str:
    return "—" if n is None else f"{n / 1e6:,.0f} MB"


def verdict(ok: bool) -> str:
    return "meets the target" if ok else "MISSES the target"


def stage_line(stages: dict[str, float]) -> str:
    return " + ".join(f"{name} {seconds:.2f}" for name, seconds in stages.items())


def main(quick: bool) -> None:
    runs = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as tmp:
        started = time.perf_counter()
        # generated in another process: ru_maxrss survives fork and exec, so the measuring
        # processes must descend from a small one
        subprocess.run([sys.executable, __file__, "--generate", tmp], check=True, cwd=ROOT)
        files = data_files(Path(tmp))
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in files.values())
        print(f"generated in {time.perf_counter() - started:.0f} s: {sizes}\n")

        print(f"time: best of {runs}, readers interleaved (ours = read + recognise + map, in seconds)")
        xlsx = run(["calamine", "ours"], files["xlsx"], runs)
        openpyxl = run(["openpyxl"], files["xlsx"], 1)
        ours, calamine, slow = xlsx["best"]["ours"], xlsx["best"]["calamine"], openpyxl["best"]["openpyxl"]
        print(f"  200k-row XLSX  calamine {calamine:.2f} · openpyxl {slow:.2f} · ours {ours:.2f} "
              f"({stage_line(xlsx['stages'])})")
        print(f"                 ours ÷ calamine = {ours / calamine:.2f} "
              f"({verdict(ours / calamine <= TARGET_CALAMINE_RATIO)} ≤ {TARGET_CALAMINE_RATIO})")
        print(f"                 openpyxl ÷ ours = {slow / ours:.1f}× faster "
              f"({verdict(slow / ours >= TARGET_OPENPYXL_SPEEDUP)} ≥ {TARGET_OPENPYXL_SPEEDUP:.0f}×)")
        csv = run(["read_csv", "ours"], files["csv"], runs + 2)
        ours_csv, bare_csv = csv["best"]["ours"], csv["best"]["read_csv"]
        print(f"  1M-row CSV     pd.read_csv {bare_csv:.2f} · ours {ours_csv:.2f} ({stage_line(csv['stages'])})")
        print(f"                 ours ÷ pd.read_csv = {ours_csv / bare_csv:.2f}")

        print("\npeak resident memory (each alone in a fresh process; baseline = after imports)")
        for name, path in (("calamine", "xlsx"), ("ours", "xlsx"), ("read_csv", "csv"), ("ours", "csv")):
            result = run([name], files[path], 1)
            child = f", sandbox child {mb(result['child_peak_rss'])}" if name == "ours" and path == "xlsx" else ""
            line = (f"  {path.upper():4s} {name:9s} process {mb(result['peak_rss'])} "
                    f"(baseline {mb(result['baseline_rss'])}){child}")
            if name == "ours" and path == "csv":
                line += f" — {verdict(result['peak_rss'] < TARGET_CSV_PEAK_BYTES)} < {mb(TARGET_CSV_PEAK_BYTES)}"
            print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each reader instead of the best of 3")
    parser.add_argument("--measure", nargs=3, metavar=("READERS", "PATH", "RUNS"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", metavar="DIRECTORY", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.generate:
        generate(Path(arguments.generate))
    elif arguments.measure:
        names, path, runs = arguments.measure
        print(json.dumps(measure(names.split(","), path, int(runs))))
    else:
        main(arguments.quick)
