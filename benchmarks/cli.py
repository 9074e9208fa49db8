"""The CLI end to end against DuckDB: `python -m kpi report FILE --format json` as a user runs it,
and the same MRR report written as DuckDB SQL, each in a cold process, on one CSV per size.

    python -m benchmarks.cli                            # 10k and 100k customers
    python -m benchmarks.cli --sizes 1000000            # 1M
    python -m benchmarks.cli --before /path/to/old/checkout   # also time an older version, same run

For each size, the subscriptions of `benchmarks.engine.synthetic_subscriptions` (about two rows
per customer over 36 months) are written as a CSV with its mapping; then, one after the other,
each in its own subprocess: our CLI (and the `--before` checkout's, when given), and a Python
process that imports duckdb, reads the CSV and computes the month spine, every customer's
end-of-month MRR, the five movements and the report's revenue KPIs that SQL can do (MRR,
customers, ARPA, logo churn, gross MRR churn, NRR monthly) for the as-of month. Wall time is
from launch to exit; peak memory is the child's resident peak (`os.wait4`). The MRR and
customers of the as-of month must agree, or the run stops with both figures. The commands run in
`--repeat` rounds (default 2), each once a round, in an order that turns from one round to the
next, and the least time of each is kept: the machine is shared. CPU seconds
(user + system, all threads) are printed too: they vary less than wall time when other work
competes for the cores, but DuckDB's run on every core, so its CPU can exceed its wall time.

Before any run, each checkout's `kpi` package is compiled to bytecode (`compileall`, into its
`__pycache__`, ignored by git), as it is after a user's first run: in a shell with
PYTHONDONTWRITEBYTECODE set, every run would otherwise compile the whole package again (about
0.35 s of CPU). `imports s` is a cold process that only imports what a JSON report loads (pandas,
the engine's modules), and `import kpi s` one that runs `import kpi` (its names load on first use).

duckdb is a dev dependency (requirements-dev.txt); nothing in `kpi/` imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = {"customer_id": "customer_id", "start_date": "start_date", "end_date": "end_date",
           "amount": "amount", "interval": "interval"}

# Our definitions in SQL: a row counts in the months [month(start), month(end)) — end exclusive,
# open rows up to the last month with data; several rows of a customer in a month add up; a
# value within 1e-9 of the month before is no movement (kpi.metrics.revenue._TOLERANCE).
MRR_SQL = """
WITH rows AS (
    SELECT customer_id,
           year(start_date) * 12 + month(start_date) - 1 AS first,
           CASE WHEN end_date IS NULL THEN NULL ELSE year(end_date) * 12 + month(end_date) - 1 END AS stop,
           amount / coalesce(interval, 1.0) AS amount
    FROM read_csv('{path}', header = true,
                  types = {{'customer_id': 'VARCHAR', 'start_date': 'DATE', 'end_date': 'DATE',
                           'amount': 'DOUBLE', 'interval': 'DOUBLE'}})
),
horizon AS (SELECT greatest(max(first), coalesce(max(stop), 0)) AS last FROM rows),
counted AS (
    SELECT customer_id, first, least(coalesce(stop, last + 1), last + 1) AS stop, amount
    FROM rows, horizon
    WHERE amount > 0
),
kept AS (SELECT * FROM counted WHERE stop > first),
spine AS (SELECT unnest(range((SELECT min(first) FROM kept), (SELECT last FROM horizon) + 1)) AS month),
paid AS (  -- each row over its months, summed per customer and month
    SELECT customer_id, month, sum(amount) AS mrr
    FROM (SELECT customer_id, unnest(range(first, stop)) AS month, amount FROM kept)
    GROUP BY customer_id, month
),
customer_months AS (  -- every month of every customer from their first MRR on: zeros included
    SELECT c.customer_id, s.month, c.first
    FROM (SELECT customer_id, min(first) AS first FROM kept GROUP BY customer_id) c
    JOIN spine s ON s.month >= c.first
),
snapshot AS (  -- end-of-month MRR per customer and month
    SELECT cm.customer_id, cm.month, cm.first, coalesce(p.mrr, 0.0) AS mrr
    FROM customer_months cm LEFT JOIN paid p USING (customer_id, month)
),
clean AS (SELECT customer_id, month, first, CASE WHEN abs(mrr) < 1e-9 THEN 0.0 ELSE mrr END AS mrr FROM snapshot),
walked AS (
    SELECT customer_id, month, mrr,
           coalesce(lag(mrr) OVER (PARTITION BY customer_id ORDER BY month), 0.0) AS prev,
           month > first AS had_before  -- the first month of a customer always has MRR (amounts > 0)
    FROM clean
),
moved AS (
    SELECT month, mrr, prev,
           CASE WHEN prev = 0 AND mrr > 0 AND NOT had_before THEN 'new'
                WHEN prev = 0 AND mrr > 0 THEN 'reactivation'
                WHEN prev > 0 AND mrr > prev AND abs(mrr - prev) > 1e-9 THEN 'expansion'
                WHEN prev > 0 AND mrr > 0 AND mrr < prev AND abs(mrr - prev) > 1e-9 THEN 'contraction'
                WHEN prev > 0 AND mrr = 0 THEN 'churn' END AS movement
    FROM walked
),
series AS (
    SELECT month,
           sum(mrr) AS mrr,
           count(*) FILTER (WHERE mrr > 0) AS customers,
           coalesce(sum(mrr) FILTER (WHERE movement = 'new'), 0) AS new,
           coalesce(sum(mrr - prev) FILTER (WHERE movement = 'expansion'), 0) AS expansion,
           coalesce(sum(prev - mrr) FILTER (WHERE movement = 'contraction'), 0) AS contraction,
           coalesce(sum(prev) FILTER (WHERE movement = 'churn'), 0) AS churn,
           coalesce(sum(mrr) FILTER (WHERE movement = 'reactivation'), 0) AS reactivation,
           count(*) FILTER (WHERE movement = 'churn') AS churned_customers
    FROM moved GROUP BY month
),
kpis AS (
    SELECT month, mrr, customers,
           mrr / nullif(customers, 0) AS arpa,
           churned_customers / nullif(lag(customers) OVER (ORDER BY month), 0) AS logo_churn_rate,
           (churn + contraction) / nullif(lag(mrr) OVER (ORDER BY month), 0) AS gross_mrr_churn_rate,
           (lag(mrr) OVER (ORDER BY month) - churn - contraction + expansion)
               / nullif(lag(mrr) OVER (ORDER BY month), 0) AS nrr_monthly
    FROM series
)
SELECT month // 12 AS year, month % 12 + 1 AS month_of_year, mrr, customers, arpa, logo_churn_rate,
       gross_mrr_churn_rate, nrr_monthly
FROM kpis WHERE month = {as_of}
"""

DUCKDB_PROGRAM = """
import json, sys
import duckdb
duckdb.execute("SET enable_progress_bar = false")
row = duckdb.sql(sys.argv[2].format(path=sys.argv[1], as_of=sys.argv[3])).fetchall()[0]
keys = ["year", "month", "mrr", "customers", "arpa", "logo_churn_rate", "gross_mrr_churn_rate", "nrr_monthly"]
print(json.dumps(dict(zip(keys, row))))
"""


SQL_KPIS = ("mrr", "customers", "arpa", "logo_churn_rate", "gross_mrr_churn_rate", "nrr_monthly")


@dataclass(frozen=True)
class Run:
    """One cold process: its wall seconds, CPU seconds (user + system), resident peak in MB and
    standard output."""
    seconds: float
    cpu: float
    peak_mb: float
    stdout: str


def run_cold(command: list[str], cwd: Path) -> Run:
    """Run a command to its end; wall time from launch to exit, the child's peak RSS (os.wait4)."""
    with tempfile.TemporaryFile(mode="w+") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(command)} exited with {child.returncode}")
        out.seek(0)
        return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read())


REPORT_IMPORTS = "import kpi.__main__, kpi.ingest.io, kpi.ingest.mapping, kpi.report.build, kpi.report.alerts"


def compile_bytecode(checkout: Path) -> None:
    """Write the bytecode cache of `checkout`'s kpi package, as a user's first run leaves it."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "kpi")], check=True,
                   stdout=subprocess.DEVNULL)


def best(runs: list[Run]) -> Run:
    """The least wall and the least CPU time of several runs of one command (a shared machine only
    ever adds time), with the resident peak of the run of least wall time."""
    fastest = min(runs, key=lambda run: run.seconds)
    return Run(fastest.seconds, min(run.cpu for run in runs), fastest.peak_mb, fastest.stdout)


def write_input(customers: int, folder: Path) -> tuple[Path, Path, str]:
    """The synthetic subscriptions of `customers` customers as CSV, the mapping that reads them,
    and the month reported on: the month of the last start (later months only see end dates)."""
    from benchmarks.engine import synthetic_subscriptions

    subscriptions = synthetic_subscriptions(customers)
    path = folder / f"subscriptions_{customers}.csv"
    subscriptions.to_csv(path, index=False, date_format="%Y-%m-%d")
    mapping = folder / f"mapping_{customers}.json"
    mapping.write_text(json.dumps({path.name: {"table": "subscriptions", "columns": COLUMNS}}), encoding="utf-8")
    return path, mapping, str(subscriptions["start_date"].max().to_period("M"))


def ours(checkout: Path, path: Path, mapping: Path, as_of: str) -> tuple[Run, dict]:
    """Our CLI from `checkout`, cold: the run, and the as-of month's figures of its report."""
    run = run_cold([sys.executable, "-m", "kpi", "report", str(path), "--mapping", str(mapping), "--as-of", as_of,
                    "--format", "json"], checkout)
    report = json.loads(run.stdout)
    return run, {"as_of": report["as_of"], **{key: report["revenue"][key] for key in SQL_KPIS}}


def duckdb_report(path: Path, as_of: str) -> tuple[Run, dict]:
    """The MRR report in DuckDB SQL, cold: the run and its figures for the as-of month."""
    year, month = (int(part) for part in as_of.split("-"))
    run = run_cold([sys.executable, "-c", DUCKDB_PROGRAM, str(path), MRR_SQL, str(year * 12 + month - 1)], ROOT)
    return run, json.loads(run.stdout.strip().splitlines()[-1])


def check_same(mine: dict, sql: dict, label: str) -> None:
    """Every KPI of the as-of month both compute must agree with DuckDB's, to 1e-9 relative
    (MRR and customers first of all; a KPI null in one must be null in the other)."""
    as_of = f"{sql['year']:04d}-{sql['month']:02d}"

    def close(a: float | None, b: float | None) -> bool:
        return (a is None) == (b is None) and (a is None or abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b))))

    same = mine["as_of"] == as_of and all(close(mine[key], sql[key]) for key in SQL_KPIS)
    if not same:
        raise SystemExit(f"{label}: the reports disagree: ours {mine}, DuckDB {sql}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cli", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=2, help="rounds of cold runs, each command once a round; the least time is kept")
    parser.add_argument("--before", type=Path, help="a checkout of an older version, timed in the same run")
    args = parser.parse_args(argv)
    versions = [("ours", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    for _, checkout in versions:
        compile_bytecode(checkout)
    for label, checkout in versions:  # the imports alone, cold, the least of `--repeat` rounds
        imports = best([run_cold([sys.executable, "-c", REPORT_IMPORTS], checkout) for _ in range(args.repeat)])
        light = best([run_cold([sys.executable, "-c", "import kpi"], checkout) for _ in range(args.repeat)])
        print(f"{label}: imports s {imports.seconds:.2f} (CPU {imports.cpu:.2f}), "
              f"import kpi s {light.seconds:.2f} (CPU {light.cpu:.2f})", flush=True)
    print(f"{'customers':>10} {'rows':>10} {'version':>8} {'ours s':>7} {'DuckDB s':>9} {'ratio':>6} "
          f"{'ours CPU':>9} {'DuckDB CPU':>11} {'ratio':>6} {'peak MB':>8} {'DuckDB MB':>10}  as-of MRR / customers")
    with tempfile.TemporaryDirectory(prefix="kpi-cli-bench-") as folder:
        for size in args.sizes:
            path, mapping, as_of = write_input(size, Path(folder))
            rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
            runs: dict[str, list[Run]] = {"duckdb": [], **{label: [] for label, _ in versions}}
            sql_run, sql = duckdb_report(path, as_of)  # the figures every version must agree with
            runs["duckdb"].append(sql_run)
            commands = ["duckdb", *(label for label, _ in versions)]
            for round_ in range(args.repeat):  # rounds, each command once a round: all see the same load
                # the order turns each round, so no command always runs right after DuckDB's run on
                # every core (its memory freed, its threads winding down)
                for command in commands[round_ % len(commands):] + commands[:round_ % len(commands)]:
                    if command == "duckdb":
                        if round_:  # the first round's DuckDB run is the one above
                            runs["duckdb"].append(duckdb_report(path, as_of)[0])
                        continue
                    run, mine = ours(dict(versions)[command], path, mapping, as_of)
                    check_same(mine, sql, f"{command} at {size:,}")
                    runs[command].append(run)
            sql_run = best(runs["duckdb"])
            for label, _ in versions:
                run = best(runs[label])
                print(f"{size:>10,} {rows:>10,} {label:>8} {run.seconds:>7.2f} {sql_run.seconds:>9.2f} "
                      f"{run.seconds / sql_run.seconds:>6.2f} {run.cpu:>9.2f} {sql_run.cpu:>11.2f} "
                      f"{run.cpu / sql_run.cpu:>6.2f} {run.peak_mb:>8.0f} {sql_run.peak_mb:>10.0f}  "
                      f"{sql['mrr']:,.2f} / {sql['customers']:,}", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
