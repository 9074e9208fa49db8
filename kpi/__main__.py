"""The command line: `python -m kpi report PATH... [--mapping] [--save-mapping] [--as-of] [--format] [--out]
[--events-sql URL --events-table T | --events-query SQL] [--events-columns F=C,...]`,
`python -m kpi recognise PATH... [--format text|json]` and `python -m kpi alerts PATH... [--mapping]
[--as-of] [--format json|text] [--email-to ADDR...] [--smtp HOST:PORT] [--smtp-starttls] [--from ADDR]
[--webhook URL]` (or `alerts --workspace ID | --all-workspaces`: stored workspaces, `kpi.hosted_alerts`).

The engine without the UI (docs/cli.md): same readers, same mapping, same report object
as the app. A user's mistake exits 2 with one line on stderr naming the file, sheet, row and
column at fault — never a traceback. `alerts` exits 0 when no rule fires, 3 when one does (for
cron) and 4 when a delivery failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from kpi.errors import InputError

# Each command imports the stages it uses when it runs (a JSON report loads no exporter and no
# plotting library), so `--help` and a first error answer at once.
STAGES = """stages of the engine, one package each:
  kpi.ingest   files → canonical tables: safety checks, readers, recognition, mapping
  kpi.metrics  one module per KPI family: revenue, cohorts, economics, surveys, support…
  kpi.report   the report of one month, the investor update and its narrative
  kpi.exports  the investor update as XLSX, PPTX, HTML and Markdown
  kpi.store    workspaces kept in a database (the app's; read by alerts --workspace)
docs/cli.md describes every command, docs/definitions.md every KPI."""

FORMATS = ("json", "md", "text", "html", "xlsx", "pptx")
BINARY_FORMATS = ("xlsx", "pptx")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other input error
        self.exit(2, f"kpi: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m kpi", description="SaaS and customer-success KPIs from spreadsheets.",
                     epilog=STAGES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    report = commands.add_parser("report", help="compute the KPI report of one or more files")
    report.add_argument("paths", nargs="+", metavar="PATH", help="CSV, TSV, TXT, XLSX, XLSM, XLS, ODS or Parquet files")
    report.add_argument("--mapping", metavar="MAPPING.json", help="which table and columns each file[:sheet] is")
    report.add_argument("--save-mapping", metavar="FILE", help="write the mapping used (given or recognised)")
    report.add_argument("--as-of", metavar="YYYY-MM", help="month reported on (default: last month with data)")
    report.add_argument("--format", choices=FORMATS, default="json")
    report.add_argument("--out", metavar="FILE", help="write the report here instead of stdout")
    _events_options(report)
    recognise = commands.add_parser("recognise", help="say what each file or sheet is recognised as, and why")
    recognise.add_argument("paths", nargs="+", metavar="PATH", help="files, read as `report` reads them")
    recognise.add_argument("--format", choices=("text", "json"), default="text")
    alerts = commands.add_parser("alerts", help="evaluate the alert rules for one month; exit 3 when one fires")
    alerts.add_argument("paths", nargs="*", metavar="PATH", help="files, read as `report` reads them")
    alerts.add_argument("--mapping", metavar="MAPPING.json", help="which table and columns each file[:sheet] is")
    alerts.add_argument("--as-of", metavar="YYYY-MM", help="month evaluated (default: last month with data)")
    alerts.add_argument("--format", choices=("json", "text"), default="json")
    alerts.add_argument("--email-to", nargs="+", action="extend", metavar="ADDR", help="email the alerts to these")
    alerts.add_argument("--smtp", metavar="HOST:PORT", default="localhost:25",
                        help="SMTP server (default localhost:25)")
    alerts.add_argument("--smtp-starttls", action="store_true", help="STARTTLS before sending (and before login)")
    alerts.add_argument("--from", dest="sender", metavar="ADDR", default="kpi-workbench@localhost",
                        help="the email's sender")
    alerts.add_argument("--webhook", metavar="URL", help="POST {text, alerts} as JSON here (Slack-compatible)")
    alerts.add_argument("--workspace", type=int, metavar="ID", help="a stored workspace of KPI_DATABASE_URL, sent "
                        "to its subscribers once (kpi.hosted_alerts)")
    alerts.add_argument("--all-workspaces", action="store_true", help="every stored workspace with subscribers")
    _events_options(alerts)
    alerts.set_defaults(smtp=None, sender=None)  # not given: KPI_SMTP_HOST/PORT and KPI_SMTP_FROM, else the defaults
    return parser


def _events_options(command: argparse.ArgumentParser) -> None:
    """Product events counted by a database instead of read from a file (kpi.ingest.sql_events)."""
    group = command.add_argument_group("product events in a database (docs/cli.md)")
    group.add_argument("--events-sql", metavar="URL", help="SQLAlchemy URL of the events database "
                       "(default: KPI_EVENTS_DATABASE_URL)")
    source = group.add_mutually_exclusive_group()
    source.add_argument("--events-table", metavar="TABLE", help="the events table ([schema.]table)")
    source.add_argument("--events-query", metavar="SQL", help="a SELECT whose rows are the events")
    group.add_argument("--events-columns", metavar="FIELD=COLUMN,...",
                       help="columns of user_id, timestamp, customer_id, event (default: recognised by name)")


def _events_from_database(args: argparse.Namespace):
    """The events' aggregates counted by the database the options name (None without one); what
    was read is one stderr line, the URL's password hidden."""
    url = args.events_sql or os.environ.get("KPI_EVENTS_DATABASE_URL")
    asked = args.events_sql or args.events_table or args.events_query or args.events_columns
    if not asked:
        return None
    if not url:
        raise InputError("--events-table, --events-query and --events-columns need --events-sql URL "
                         "(or KPI_EVENTS_DATABASE_URL)")
    from kpi.ingest.sql_events import EventsSource, aggregate, parse_columns
    from kpi.metrics.event_aggregates import from_tables
    from kpi.report.build import Settings

    source = EventsSource(url, table=args.events_table, query=args.events_query,
                          columns=parse_columns(args.events_columns))
    value_event = Settings().value_event
    counted = aggregate(source, value_event=value_event)
    print(f"kpi: events: {counted.rows:,} aggregate rows ({counted.bytes / 1e3:,.0f} kB) counted by the "
          f"{counted.source} in {counted.seconds:.1f} s", file=sys.stderr)
    return from_tables(counted.tables, value_event=value_event, source=counted.source)


def run_recognise(args: argparse.Namespace) -> int:
    from kpi.ingest import explain

    print(explain.render(explain.recognise_paths(args.paths), args.format))
    return 0


def _read_tables(args: argparse.Namespace):
    """The files' tables, through `--mapping` or recognised (notes and warnings on stderr);
    `--save-mapping` written when the command has it."""
    from kpi.ingest.empty_sheets import NO_DATA_ROWS, split_empty
    from kpi.ingest.io import read_path
    from kpi.ingest.mapping import build_tables, load_mapping, mapping_to_json

    sheets, empty = split_empty([sheet for path in args.paths for sheet in read_path(path)])
    if not sheets:  # nothing but headers: an empty report would pass for a quiet month
        if len(empty) == 1:
            raise empty[0]
        raise InputError(f"no data rows in any file given ({', '.join(error.where() for error in empty)})",
                         code=NO_DATA_ROWS)
    for error in empty:
        print(f"kpi: {error.where()}: skipped, {error.message}", file=sys.stderr)
    if args.mapping:
        mapping = load_mapping(args.mapping)
        mapping = {key: value for key, value in mapping.items() if key not in {e.where() for e in empty}}
    else:  # recognition (and its fuzzy matching of headers) is loaded only when there is no mapping
        from kpi.ingest.recognise import auto_mapping

        mapping, notes = auto_mapping(sheets)
        for note in notes:
            print(f"kpi: {note}", file=sys.stderr)
        print(f"kpi: mapping used:\n{mapping_to_json(mapping)}", file=sys.stderr)
        if not mapping:
            raise InputError("no file or sheet was recognised as a table of the schema; pass --mapping")
    if getattr(args, "save_mapping", None):
        Path(args.save_mapping).write_text(mapping_to_json(mapping) + "\n", encoding="utf-8")
    tables = build_tables(sheets, mapping)
    for key, quality in tables.quality.items():
        for warning in quality.warnings:
            print(f"kpi: {key}: warning: {warning}", file=sys.stderr)
    return tables


def run_report(args: argparse.Namespace) -> int:
    from kpi.report.build import build_report, parse_as_of

    parse_as_of(args.as_of)  # a bad month fails before any file is read
    if args.format in BINARY_FORMATS and not args.out:
        raise InputError(f"--format {args.format} writes a binary file: give --out FILE")
    tables = _read_tables(args)
    report = build_report(tables, args.as_of, events=_events_from_database(args))
    if args.format in ("html", "xlsx", "pptx"):  # the investor update: the same files as the app's buttons
        _write_update(report, args.format, args.out)
        return 0
    if args.format == "json":
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=2)
    else:
        from kpi.exports import markdown as render

        text = render.markdown(report) if args.format == "md" else render.text(report)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def _write_update(report, fmt: str, out: str | None) -> None:
    """The investor update of the as-of month as HTML (stdout without --out), XLSX or PPTX."""
    from kpi.report.update import investor_update

    update = investor_update(report)
    if fmt == "html":
        from kpi.exports.html import to_html

        page = to_html(update, report)
        if out:
            Path(out).write_text(page, encoding="utf-8")
        else:
            sys.stdout.write(page)
    elif fmt == "xlsx":
        from kpi.exports.xlsx import to_xlsx

        Path(out).write_bytes(to_xlsx(update, report))
    else:
        from kpi.exports.pptx import to_pptx

        Path(out).write_bytes(to_pptx(update, report))


def _check_delivery(args: argparse.Namespace) -> None:
    """Delivery options are checked before any file is read: a typo is exit 2, not a failed send."""
    for address in args.email_to or ():
        if not re.fullmatch(r"[^@\s,<>]+@[^@\s,<>]+", address):
            raise InputError(f"--email-to '{address}' is not an email address")
    if args.email_to:
        from kpi.hosted_alerts import smtp_address

        smtp_address(args.smtp)
        if not re.fullmatch(r"[^@\s,<>]+@[^@\s,<>]+", args.sender):
            raise InputError(f"--from '{args.sender}' is not an email address")
    if args.webhook is not None and not re.match(r"https?://[^\s/]+", args.webhook):
        raise InputError(f"--webhook '{args.webhook}' is not an http:// or https:// URL")


def run_alerts(args: argparse.Namespace) -> int:
    """Evaluate the alert rules on the files for the as-of month, print them and deliver them:
    0 when none fires, 3 when one does, 4 when a delivery failed (docs/cli.md)."""
    from kpi.hosted_alerts import fill_smtp_from_environment, run_stored

    if args.workspace is not None or args.all_workspaces:
        return run_stored(args)
    if not args.paths:
        raise InputError("alerts needs the files to read (PATH…), or --workspace ID, or --all-workspaces")
    fill_smtp_from_environment(args)
    from kpi.report.alerts import alert_text, alerts_json, evaluate_alerts
    from kpi.report.build import build_report, parse_as_of

    parse_as_of(args.as_of)
    _check_delivery(args)
    report = build_report(_read_tables(args), args.as_of, events=_events_from_database(args))
    alerts = evaluate_alerts(report)
    if args.format == "json":
        print(json.dumps(alerts_json(alerts), ensure_ascii=False, indent=2))
    else:
        print("\n".join(alert_text(alert) for alert in alerts) if alerts else
              f"no alert for {report.as_of}" if report.as_of is not None else "no alert: no month with data")
    if not alerts:
        return 0
    return 3 if deliver(alerts, args) else 4


def deliver(alerts: tuple, args: argparse.Namespace) -> bool:
    """Email and POST the alerts as `args` asks; each success and each failure is one stderr line.
    True when everything asked for was delivered."""
    if not args.email_to and not args.webhook:
        return True
    from kpi.exports.alerts import DeliveryError, email_message, post_webhook, send_email, webhook_payload

    def log(line: str) -> None:
        print(f"kpi: {line}", file=sys.stderr)

    delivered = True
    if args.email_to:
        from kpi.hosted_alerts import smtp_address

        host, port = smtp_address(args.smtp)
        message = email_message(alerts, sender=args.sender, recipients=args.email_to)
        try:
            send_email(message, host, port, starttls=args.smtp_starttls, user=os.environ.get("KPI_SMTP_USER"),
                       password=os.environ.get("KPI_SMTP_PASSWORD"), log=log)
            log(f"email sent to {', '.join(args.email_to)} ({_count(alerts)})")
        except DeliveryError as error:
            log(str(error))
            delivered = False
    if args.webhook:
        try:
            post_webhook(args.webhook, webhook_payload(alerts), log=log)
            log(f"webhook posted ({_count(alerts)})")
        except DeliveryError as error:
            log(str(error))
            delivered = False
    return delivered


def _count(alerts: tuple) -> str:
    return f"{len(alerts)} alert{'' if len(alerts) == 1 else 's'}"


COMMANDS = {"recognise": run_recognise, "report": run_report, "alerts": run_alerts}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as error:
        print(f"kpi: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"kpi: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
