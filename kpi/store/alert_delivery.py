"""Who receives a workspace's alerts, and which alert was sent to whom (migration 5).

A workspace's subscribers are e-mail addresses and webhook URLs (`Subscriber(kind, address)`).
The sent log holds one row per alert and recipient — (workspace, month, KPI, rule, kind,
address, sent_at), unique on everything but the time — written only after the delivery
succeeded (the SMTP server accepted the message, the webhook answered 2xx): `unsent` says what
a recipient has not received yet, `record_sent` records what it just did. So a second run sends
nothing twice, a failed delivery is tried again next run, and a subscriber added mid-month
still gets that month's alerts, once. SMTP settings (server, login, password) are never here:
they come from the environment of the process that sends (`kpi.hosted_alerts`).

Every method names who acts (`by=`, checked by `kpi.store.sharing.require`): a "can view" guest
reads the subscribers and the log; replacing the subscribers and recording a delivery are
writes, the owner's and the editors' (a viewer is refused with `ReadOnly`); the alerts command
acts as `SYSTEM`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, delete, insert, select

from kpi.errors import InputError
from kpi.store.model import MONTH, Actor
from kpi.store.sharing import actor_name, require
from kpi.store.tables import ALERTS_SENT, SUBSCRIBERS, _now

KINDS = ("email", "webhook")
EMAIL = re.compile(r"[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+")
WEBHOOK = re.compile(r"https?://[^\s/?#]+[^\s]*")
MAX_ADDRESS = 500


class Subscriber(NamedTuple):
    """One recipient of a workspace's alerts: kind "email" or "webhook", and its address or URL."""

    kind: str
    address: str


@dataclass(frozen=True)
class SentAlert:
    """One row of the sent log: the alert (month, KPI, rule) delivered to one recipient."""

    month: str
    kpi: str
    rule: str
    kind: str
    address: str
    sent_at: datetime


AlertKey = tuple[str, str]  # (kpi, rule): with the month, what makes an alert the same alert


def check_subscriber(kind: str, address: str) -> Subscriber:
    """The subscriber trimmed (an e-mail address in lower case); InputError naming the address
    when it is not an e-mail address or an http(s) URL, or the kind is not one of `KINDS`."""
    address = (address or "").strip()
    if kind == "email":
        address = address.lower()
        if not EMAIL.fullmatch(address) or len(address) > 254:
            raise InputError(f"'{address}' is not an e-mail address")
    elif kind == "webhook":
        if not WEBHOOK.fullmatch(address) or len(address) > MAX_ADDRESS:
            raise InputError(f"'{address}' is not an http:// or https:// URL")
    else:
        raise InputError(f"'{kind}' is not a kind of subscriber: use 'email' or 'webhook'")
    return Subscriber(kind, address)


def shown_address(subscriber: Subscriber) -> str:
    """How logs, outputs and read-only pages show a recipient: an e-mail address whole, a webhook
    by its scheme and host only (its path is often its secret, as Slack's are)."""
    if subscriber.kind != "webhook":
        return subscriber.address
    match = re.match(r"(https?://[^/?#]+)(.*)", subscriber.address)
    return match.group(1) + ("/…" if match.group(2) not in ("", "/") else "") if match else "(webhook)"


def _month(month: str) -> str:
    if not MONTH.match(str(month)):
        raise InputError(f"'{month}' is not a month: use YYYY-MM")
    return str(month)


class AlertDeliveryMethods:
    """The `Store`'s methods about alert delivery (mixed into `kpi.store.workspaces.Store`, whose
    `_reading`, `_writing` and `_audit` they use)."""

    _reading: Callable[[], AbstractContextManager[Connection]]
    _writing: Callable[[], AbstractContextManager[Connection]]
    _audit: Callable[..., None]

    def subscribers(self, workspace_id: int, *, by: Actor) -> list[Subscriber]:
        """The workspace's recipients, e-mails first, each kind by address; NotFound if no such workspace."""
        with self._reading() as conn:
            require(conn, workspace_id, by, "view")
            rows = conn.execute(select(SUBSCRIBERS.c.kind, SUBSCRIBERS.c.address)
                                .where(SUBSCRIBERS.c.workspace_id == workspace_id)).all()
        return sorted((Subscriber(r.kind, r.address) for r in rows), key=lambda s: (KINDS.index(s.kind), s.address))

    def set_subscribers(self, workspace_id: int, subscribers: Iterable[tuple[str, str]], *,
                        by: Actor) -> list[Subscriber]:
        """Replace the workspace's recipients with `subscribers` ((kind, address) pairs, checked by
        `check_subscriber`, duplicates dropped); what is kept. A viewer gets ReadOnly and nothing is
        written; the audit trail counts them (a webhook URL is a secret, it is not written there)."""
        wanted = sorted({check_subscriber(kind, address) for kind, address in subscribers},
                        key=lambda s: (KINDS.index(s.kind), s.address))
        with self._writing() as conn:
            require(conn, workspace_id, by, "edit")
            stored = {Subscriber(r.kind, r.address) for r in conn.execute(
                select(SUBSCRIBERS.c.kind, SUBSCRIBERS.c.address).where(SUBSCRIBERS.c.workspace_id == workspace_id))}
            if stored == set(wanted):
                return wanted
            conn.execute(delete(SUBSCRIBERS).where(SUBSCRIBERS.c.workspace_id == workspace_id))
            if wanted:
                conn.execute(insert(SUBSCRIBERS), [{"workspace_id": workspace_id, "kind": s.kind, "address": s.address,
                                                    "added_at": _now(), "added_by": actor_name(by)} for s in wanted])
            self._audit(conn, actor_name(by), "alert_subscribers", workspace_id, None,
                        {kind: sum(s.kind == kind for s in wanted) for kind in KINDS})
        return wanted

    def unsent(self, workspace_id: int, month: str, alerts: Sequence[AlertKey],
               subscriber: Subscriber, *, by: Actor) -> list[AlertKey]:
        """Of `alerts` ((kpi, rule) of `month`), those the sent log has not yet delivered to
        `subscriber`, in the order given."""
        month = _month(month)
        with self._reading() as conn:
            require(conn, workspace_id, by, "view")
            sent = {(r.kpi, r.rule) for r in conn.execute(
                select(ALERTS_SENT.c.kpi, ALERTS_SENT.c.rule).where(
                    ALERTS_SENT.c.workspace_id == workspace_id, ALERTS_SENT.c.month == month,
                    ALERTS_SENT.c.kind == subscriber.kind, ALERTS_SENT.c.address == subscriber.address))}
        return [key for key in dict.fromkeys(alerts) if key not in sent]

    def record_sent(self, workspace_id: int, month: str, alerts: Sequence[AlertKey], subscriber: Subscriber, *,
                    by: Actor) -> int:
        """Record that `alerts` of `month` were delivered to `subscriber` — call it only after the
        delivery succeeded. A row already there is kept (another run recorded it first); returns
        the number of rows written. NotFound when the workspace was deleted meanwhile."""
        month = _month(month)
        with self._writing() as conn:
            require(conn, workspace_id, by, "edit")  # locked: runs of one workspace record one after the other
            done = {(r.kpi, r.rule) for r in conn.execute(
                select(ALERTS_SENT.c.kpi, ALERTS_SENT.c.rule).where(
                    ALERTS_SENT.c.workspace_id == workspace_id, ALERTS_SENT.c.month == month,
                    ALERTS_SENT.c.kind == subscriber.kind, ALERTS_SENT.c.address == subscriber.address))}
            rows = [{"workspace_id": workspace_id, "month": month, "kpi": kpi, "rule": rule, "kind": subscriber.kind,
                     "address": subscriber.address, "sent_at": _now()}
                    for kpi, rule in dict.fromkeys(alerts) if (kpi, rule) not in done]
            if rows:
                conn.execute(insert(ALERTS_SENT), rows)
        return len(rows)

    def sent_log(self, workspace_id: int, limit: int = 50, *, by: Actor) -> list[SentAlert]:
        """The latest rows of the workspace's sent log, newest first."""
        query = (select(ALERTS_SENT).where(ALERTS_SENT.c.workspace_id == workspace_id)
                 .order_by(ALERTS_SENT.c.sent_at.desc(), ALERTS_SENT.c.kind, ALERTS_SENT.c.address).limit(limit))
        with self._reading() as conn:
            require(conn, workspace_id, by, "view")
            rows = conn.execute(query).all()
        return [SentAlert(r.month, r.kpi, r.rule, r.kind, r.address, r.sent_at) for r in rows]

    def workspaces_with_subscribers(self) -> list[int]:
        """The ids of every workspace that has at least one subscriber (what a scheduled run visits)."""
        with self._reading() as conn:
            return list(conn.scalars(select(SUBSCRIBERS.c.workspace_id).distinct()
                                     .order_by(SUBSCRIBERS.c.workspace_id)))
