"""Alerts of stored workspaces, sent once: `python -m kpi alerts --workspace ID` and `--all-workspaces`.

For a hosted team (docs/hosting.md, "Alerts: schedule and delivery"). A workspace is read from
the database of `KPI_DATABASE_URL` as the app reads it — its files, mapping, settings, KPI
targets and alert rules — and its report built by the same functions (`read_bytes`,
`build_tables`, `build_report`, `evaluate_alerts`). Each subscriber (`kpi.store.alert_delivery`)
then receives, in one email or one webhook POST, the month's alerts the sent log says it has
not received; the send functions and their retries are those of files mode
(`kpi.exports.alerts`). A delivery is recorded only after it succeeded, so a failure is tried
again next run and nothing is reported sent that was not.

SMTP comes from the environment only — `KPI_SMTP_HOST`, `KPI_SMTP_PORT`, `KPI_SMTP_STARTTLS`,
`KPI_SMTP_FROM`, `KPI_SMTP_USER`, `KPI_SMTP_PASSWORD` — never from the database; the flags of
files mode (`--smtp HOST:PORT`, `--smtp-starttls`, `--from`) override it (`smtp_settings`).

Each attempt, success and failure is logged (Python logging, logger `kpi.alerts`, to stderr).
Exit status: 0 when no alert fires, 3 when one does (sent now or before), 2 on bad input (an
unknown workspace, files that do not read), 4 when a delivery failed — 4 first, then 2, then 3.

It is a trusted operator process, not a user of the workspaces it reads: every store call names
it as the acting user with `by=SYSTEM` (`kpi.store.model.SYSTEM`, the owner's rights on every
workspace, recorded as "system"), the one way the store lets anyone but a workspace's owner and
guests in (docs/security.md, "Ownership in the store").

This module is the command line's, like `kpi/__main__.py`: it may import every room of `kpi`,
and imports the heavy ones (store, report, exports) only when a command runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kpi.errors import InputError

DEFAULT_SMTP = ("localhost", 25)
DEFAULT_SENDER = "kpi-workbench@localhost"
SMTP_VARIABLES = ("KPI_SMTP_HOST", "KPI_SMTP_PORT", "KPI_SMTP_STARTTLS", "KPI_SMTP_FROM", "KPI_SMTP_USER",
                  "KPI_SMTP_PASSWORD")
TRUE_WORDS = ("1", "true", "yes", "on")
EXIT_NONE, EXIT_FIRED, EXIT_INPUT, EXIT_DELIVERY = 0, 3, 2, 4

log = logging.getLogger("kpi.alerts")


class _Stderr(logging.Handler):
    """'kpi: message' on the stderr of the moment (a test's capture, a cron job's log)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"kpi: {self.format(record)}", file=sys.stderr)


def _log_to_stderr() -> None:
    if not any(isinstance(handler, _Stderr) for handler in log.handlers):
        log.addHandler(_Stderr())
    log.setLevel(logging.INFO)


# ── SMTP settings: the environment, overridden by the flags ──────────────────────────────


@dataclass(frozen=True)
class SmtpSettings:
    """Where emails leave from. `configured`: KPI_SMTP_HOST or --smtp was given (else localhost:25)."""

    host: str
    port: int
    starttls: bool
    sender: str
    user: str | None
    password: str | None = field(default=None, repr=False)
    configured: bool = False

    def describe(self) -> str:
        """One sentence for people; never the password, only whether there is one."""
        if not self.configured:
            return (f"not configured (KPI_SMTP_HOST is not set): emails would go to {self.host}:{self.port}, "
                    f"from {self.sender}")
        login = (f", login as {self.user} ({'password set' if self.password else 'KPI_SMTP_PASSWORD not set here'})"
                 if self.user else ", no login")
        return (f"{self.host}:{self.port}{' with STARTTLS' if self.starttls else ''}, from {self.sender}{login}")


def smtp_settings(environ: Mapping[str, str] | None = None, *, smtp: str | None = None, starttls: bool = False,
                  sender: str | None = None) -> SmtpSettings:
    """The SMTP settings from `environ` (default os.environ) — KPI_SMTP_HOST, KPI_SMTP_PORT (587
    with KPI_SMTP_STARTTLS, else 25), KPI_SMTP_STARTTLS (1/true/yes/on), KPI_SMTP_FROM,
    KPI_SMTP_USER, KPI_SMTP_PASSWORD — with the flags `--smtp HOST:PORT`, `--smtp-starttls`
    and `--from` in their place when given. InputError for a port that is not a number."""
    env = os.environ if environ is None else environ
    use_tls = starttls or env.get("KPI_SMTP_STARTTLS", "").strip().lower() in TRUE_WORDS
    if smtp:
        host, port = smtp_address(smtp)
    elif env.get("KPI_SMTP_HOST", "").strip():
        host = env["KPI_SMTP_HOST"].strip()
        text = env.get("KPI_SMTP_PORT", "").strip() or ("587" if use_tls else "25")
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise InputError(f"KPI_SMTP_PORT '{text}' is not a port number (e.g. 587)")
        port = int(text)
    else:
        host, port = DEFAULT_SMTP
    configured = bool(smtp) or bool(env.get("KPI_SMTP_HOST", "").strip())
    return SmtpSettings(host, port, use_tls, sender or env.get("KPI_SMTP_FROM", "").strip() or DEFAULT_SENDER,
                        env.get("KPI_SMTP_USER") or None, env.get("KPI_SMTP_PASSWORD") or None, configured)


def smtp_address(text: str) -> tuple[str, int]:
    """'smtp.example.com:587' → ('smtp.example.com', 587); InputError otherwise."""
    match = re.fullmatch(r"\[?([^\s\[\]]+?)\]?:(\d{1,5})", text.strip())
    if not match or not 0 < int(match.group(2)) < 65536:
        raise InputError(f"--smtp '{text}' is not HOST:PORT (e.g. smtp.example.com:587)")
    return match.group(1), int(match.group(2))


def fill_smtp_from_environment(args: argparse.Namespace) -> None:
    """Files mode reads the same environment: `--smtp` and `--from` not given take KPI_SMTP_HOST
    and KPI_SMTP_PORT, KPI_SMTP_FROM (else the defaults); KPI_SMTP_STARTTLS turns STARTTLS on."""
    env = smtp_settings(starttls=args.smtp_starttls)
    if args.smtp is None:
        args.smtp = f"{env.host}:{env.port}"
    if args.sender is None:
        args.sender = env.sender
    args.smtp_starttls = env.starttls


# ── One workspace: its report, its alerts, each subscriber's unsent ones ──────────────────


@dataclass(frozen=True)
class Delivery:
    """What happened for one subscriber: status "sent", "already sent" or "failed" (with its reason)."""

    kind: str
    to: str  # as shown: a webhook by its host only
    status: str
    alerts: int  # alerts in the message sent (or that failed); 0 when already sent
    reason: str | None = None

    def to_json(self) -> dict:
        return {"kind": self.kind, "to": self.to, "status": self.status, "alerts": self.alerts,
                **({"reason": self.reason} if self.reason else {})}


@dataclass(frozen=True)
class WorkspaceRun:
    """The outcome of one workspace: its alerts for `month` and one `Delivery` per subscriber."""

    workspace_id: int
    name: str
    month: str | None
    alerts: tuple = ()
    deliveries: tuple[Delivery, ...] = ()
    error: str | None = None  # the workspace could not be read (InputError)

    @property
    def exit_code(self) -> int:
        if any(d.status == "failed" for d in self.deliveries):
            return EXIT_DELIVERY
        if self.error is not None:
            return EXIT_INPUT
        return EXIT_FIRED if self.alerts else EXIT_NONE

    def to_json(self) -> dict:
        return {"workspace": self.workspace_id, "name": self.name, "month": self.month,
                "alerts": [alert.to_json() for alert in self.alerts],
                "deliveries": [d.to_json() for d in self.deliveries], **({"error": self.error} if self.error else {})}

    def to_text(self) -> str:
        from kpi.report.alerts import alert_text

        head = f"{self.name} (workspace {self.workspace_id})"
        if self.error:
            return f"{head}: not read: {self.error}"
        if not self.alerts:
            return f"{head}: no alert for {self.month}" if self.month else f"{head}: no alert: no month with data"
        lines = [f"{head}, {self.month}: {len(self.alerts)} alert{'' if len(self.alerts) == 1 else 's'}"]
        lines += [f"- {alert_text(alert)}" for alert in self.alerts]
        lines += [f"  {d.kind} to {d.to}: {d.status}" + (f" ({d.alerts} alert{'' if d.alerts == 1 else 's'})"
                                                         if d.alerts else "") + (f": {d.reason}" if d.reason else "")
                  for d in self.deliveries] or ["  no subscriber: nothing to send"]
        return "\n".join(lines)


def workspace_report(store: Any, workspace_id: int, as_of: str | None):
    """The stored workspace's report and KPI targets, as the app builds them: its files read
    (the bundled demo's trusted, as the app does), its mapping, settings and targets.
    NotFound when there is no such workspace; InputError when its files do not read."""
    import hashlib

    from kpi.demo import demo_files
    from kpi.ingest.io import read_bytes
    from kpi.ingest.mapping import build_tables
    from kpi.report.build import build_report
    from kpi.report.settings_json import settings_from_json, targets_from_json
    from kpi.store.model import SYSTEM

    stored = store.load(workspace_id, by=SYSTEM)
    bundled = {hashlib.sha256(path.read_bytes()).hexdigest() for path in demo_files()}
    sheets = [sheet for name, data in stored.files.items()
              for sheet in read_bytes(name, data, trusted=hashlib.sha256(data).hexdigest() in bundled)]
    report = build_report(build_tables(sheets, stored.mapping), as_of, settings_from_json(stored.settings_json))
    return stored, report, targets_from_json(stored.settings_json)


def deliver_once(store: Any, workspace_id: int, month: str, alerts: tuple, smtp: SmtpSettings) -> tuple[Delivery, ...]:
    """Send each subscriber the alerts of `month` the sent log says it has not received (one
    email or one POST with all of them), then record them; a failure is logged, not recorded."""
    from kpi.exports.alerts import DeliveryError, email_message, post_webhook, send_email, webhook_payload
    from kpi.store.alert_delivery import shown_address
    from kpi.store.model import SYSTEM

    out = []
    for subscriber in store.subscribers(workspace_id, by=SYSTEM):
        to = shown_address(subscriber)
        keys = store.unsent(workspace_id, month, [(a.kpi, a.rule) for a in alerts], subscriber, by=SYSTEM)
        if not keys:
            log.info(f"workspace {workspace_id}: {subscriber.kind} to {to}: already sent for {month}")
            out.append(Delivery(subscriber.kind, to, "already sent", 0))
            continue
        pending = tuple(alert for alert in alerts if (alert.kpi, alert.rule) in keys)
        try:
            if subscriber.kind == "email":
                send_email(email_message(pending, sender=smtp.sender, recipients=[subscriber.address]), smtp.host,
                           smtp.port, starttls=smtp.starttls, user=smtp.user, password=smtp.password,
                           log=log.warning)
            else:
                post_webhook(subscriber.address, webhook_payload(pending), log=log.warning)
        except DeliveryError as error:
            reason = str(error).replace(subscriber.address, to) if subscriber.kind == "webhook" else str(error)
            log.error(f"workspace {workspace_id}: {subscriber.kind} to {to}: {reason}")
            out.append(Delivery(subscriber.kind, to, "failed", len(pending), reason))
            continue
        store.record_sent(workspace_id, month, keys, subscriber, by=SYSTEM)
        log.info(f"workspace {workspace_id}: {subscriber.kind} to {to}: sent ({len(pending)} alert"
                 f"{'' if len(pending) == 1 else 's'} of {month})")
        out.append(Delivery(subscriber.kind, to, "sent", len(pending)))
    return tuple(out)


def run_workspace(store: Any, workspace_id: int, as_of: str | None, smtp: SmtpSettings) -> WorkspaceRun:
    """Evaluate one stored workspace's alerts (its rules and targets) and deliver them once."""
    from kpi.report.alerts import evaluate_alerts
    from kpi.store.model import SYSTEM

    try:
        stored, report, targets = workspace_report(store, workspace_id, as_of)
    except InputError as error:
        name = store.load(workspace_id, by=SYSTEM).name
        log.error(f"workspace {workspace_id}: {error}")
        return WorkspaceRun(workspace_id, name, as_of, error=str(error))
    month = None if report.as_of is None else str(report.as_of)
    alerts = evaluate_alerts(report, targets=targets) if month else ()
    log.info(f"workspace {workspace_id} ({stored.name}): {len(alerts)} alert{'' if len(alerts) == 1 else 's'} "
             f"for {month or 'no month with data'}")
    deliveries = deliver_once(store, workspace_id, month, alerts, smtp) if alerts else ()
    return WorkspaceRun(workspace_id, stored.name, month, alerts, deliveries)


# ── The command ───────────────────────────────────────────────────────────────────────────


def _where() -> str:
    return ("the database of KPI_DATABASE_URL" if os.environ.get("KPI_DATABASE_URL")
            else "the local database (KPI_DATABASE_URL is not set)")


def _open_store():
    from sqlalchemy.exc import SQLAlchemyError

    from kpi.store.workspaces import Store

    try:
        return Store.from_environment()
    except SQLAlchemyError as error:
        first = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]
        raise InputError(f"cannot open {_where()}: {first}") from None


def run_stored(args: argparse.Namespace) -> int:
    """`alerts --workspace ID` or `--all-workspaces`: print each workspace's alerts and deliveries
    (JSON: one object, or a list for --all-workspaces), return the exit status."""
    from kpi.report.build import parse_as_of
    from kpi.store.model import SYSTEM, NotFound

    if args.paths or args.mapping or args.email_to or args.webhook:
        raise InputError("--workspace and --all-workspaces read the files, mapping and subscribers from the "
                         "database: give no PATH, --mapping, --email-to or --webhook")
    if args.workspace is not None and args.all_workspaces:
        raise InputError("give --workspace ID or --all-workspaces, not both")
    parse_as_of(args.as_of)
    smtp = smtp_settings(smtp=args.smtp, starttls=args.smtp_starttls, sender=args.sender)
    _log_to_stderr()
    store = _open_store()
    try:
        if args.workspace is not None:
            try:
                store.version(args.workspace, by=SYSTEM)  # a cheap "does it exist?"
            except NotFound:
                raise InputError(f"workspace {args.workspace} does not exist in {_where()}") from None
            ids = [args.workspace]
        else:
            ids = store.workspaces_with_subscribers()
            log.info(f"{len(ids)} workspace{'' if len(ids) == 1 else 's'} with subscribers")
        runs = [run_workspace(store, workspace_id, args.as_of, smtp) for workspace_id in ids]
    finally:
        store.close()
    if args.format == "json":
        shown = [run.to_json() for run in runs]
        print(json.dumps(shown if args.all_workspaces else shown[0], ensure_ascii=False, indent=2))
    else:
        print("\n".join(run.to_text() for run in runs) if runs else "no workspace has alert subscribers")
    codes = {run.exit_code for run in runs}
    return next((code for code in (EXIT_DELIVERY, EXIT_INPUT, EXIT_FIRED) if code in codes), EXIT_NONE)
