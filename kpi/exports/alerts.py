"""Alerts delivered: one email (plain text and HTML) and one Slack-compatible webhook POST.

`email_message` and `webhook_payload` write the alerts of `kpi.report.alerts` (with the customers
behind a churn spike); `send_email` (smtplib: STARTTLS and login when asked) and `post_webhook`
(urllib) deliver them, retrying a failed attempt `ATTEMPTS` times in all with the waits of
`RETRY_WAITS`, each failure logged through `log`; after the last one they raise `DeliveryError`
with a one-line reason. Nothing is said sent that was not: success is the function returning.

Every user value in the HTML (customer names above all: hostile markup or spreadsheet formulas)
is escaped with `html.escape`, so nothing in it is markup; the plain-text part is text.
"""

from __future__ import annotations

import html
import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage

from kpi.report.alerts import KIND, Alert, alert_label, alert_text, customer_facts
from kpi.report.narrative import Numbers, month_label

ATTEMPTS = 3
RETRY_WAITS = (2.0, 8.0)  # seconds before the 2nd and the 3rd attempt
TIMEOUT = 20.0  # seconds per connection
RULE_WORDS = {"churn_spike": "churn spike", "mrr_drop": "MRR below the previous month", "nrr_below": "NRR floor",
              "nps_drop": "NPS drop beyond its margins", "runway_short": "short runway",
              "target_missed": "target missed"}


class DeliveryError(Exception):
    """An email or a webhook that could not be delivered after every attempt (one-line reason)."""


def subject(alerts: tuple[Alert, ...]) -> str:
    """'KPI alerts — October 2026: 2 rules crossed'."""
    months = sorted({alert.month for alert in alerts})
    when = ", ".join(month_label(month, "en") for month in months)
    count = len(alerts)
    return f"KPI alerts — {when}: {count} rule{'' if count == 1 else 's'} crossed"


def plain_text(alerts: tuple[Alert, ...]) -> str:
    """The alerts one per paragraph, each churn spike followed by every customer behind it."""
    numbers = Numbers("en", alerts[0].currency if alerts else None)
    lines = [subject(alerts), ""]
    for alert in alerts:
        lines.append(f"- {alert_text(alert, 'en')}")
        lines += [f"    {customer_facts(customer, numbers)}" for customer in alert.customers]
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    return f"<td>{html.escape(str(value), quote=True)}</td>"


def html_body(alerts: tuple[Alert, ...]) -> str:
    """The alerts as an HTML table, and under each churn spike the table of its customers."""
    parts = [f"<h2>{html.escape(subject(alerts))}</h2>",
             "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">",
             "<tr><th>KPI</th><th>Month</th><th>Value</th><th>Rule</th><th>Alert</th></tr>"]
    for alert in alerts:
        numbers = Numbers("en", alert.currency)
        parts.append("<tr>" + "".join(_cell(v) for v in (
            alert_label(alert.kpi), month_label(alert.month, "en"), numbers.value(KIND.get(alert.kpi, "rate"),
                                                                                  alert.value),
            RULE_WORDS.get(alert.rule, alert.rule), alert_text(alert, "en"))) + "</tr>")
    parts.append("</table>")
    for alert in alerts:
        if not alert.customers:
            continue
        numbers = Numbers("en", alert.currency)
        parts.append(f"<h3>{html.escape(alert_label(alert.kpi))}, {html.escape(month_label(alert.month, 'en'))}: "
                     "the customers behind it</h3>")
        parts.append("<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th>Customer</th><th>Movement</th>"
                     "<th>MRR before</th><th>MRR lost</th><th>Last NPS</th><th>Open tickets</th></tr>")
        for c in alert.customers:
            parts.append("<tr>" + "".join(_cell(v) for v in (
                c.name, c.movement, numbers.money_full(c.mrr_before), numbers.money_full(c.mrr_lost),
                "—" if c.last_nps is None else f"{c.last_nps:.0f}",
                "unknown" if c.open_tickets is None else c.open_tickets)) + "</tr>")
        parts.append("</table>")
    return "<!doctype html><html><body>" + "\n".join(parts) + "</body></html>"


def email_message(alerts: tuple[Alert, ...], *, sender: str, recipients: list[str]) -> EmailMessage:
    """One email listing every alert: a plain-text part and an HTML alternative."""
    message = EmailMessage()
    message["Subject"] = subject(alerts)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(plain_text(alerts))
    message.add_alternative(html_body(alerts), subtype="html")
    return message


def webhook_payload(alerts: tuple[Alert, ...]) -> dict:
    """Slack-compatible: {"text": the plain-text email, "alerts": the JSON report's alerts}."""
    return {"text": plain_text(alerts), "alerts": [alert.to_json() for alert in alerts]}


Log = Callable[[str], None]


def _with_retries(what: str, attempt: Callable[[], None], log: Log, sleep: Callable[[float], None]) -> None:
    """Run `attempt` until it succeeds, at most ATTEMPTS times; each failure is logged; the last raises."""
    for number in range(1, ATTEMPTS + 1):
        try:
            attempt()
            return
        except (OSError, smtplib.SMTPException, DeliveryError) as error:
            reason = _reason(error)
            if number == ATTEMPTS:
                raise DeliveryError(f"{what} not sent after {ATTEMPTS} attempts: {reason}") from error
            wait = RETRY_WAITS[min(number - 1, len(RETRY_WAITS) - 1)]
            log(f"{what}: attempt {number} of {ATTEMPTS} failed ({reason}); retrying in {wait:g} s")
            sleep(wait)


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:300]


def send_email(message: EmailMessage, host: str, port: int, *, starttls: bool = False, user: str | None = None,
               password: str | None = None, log: Log = lambda line: None,
               sleep: Callable[[float], None] = time.sleep) -> None:
    """Send `message` through the SMTP server host:port (STARTTLS first when asked, then login when a
    user is given); raises DeliveryError after ATTEMPTS failed attempts."""
    def attempt() -> None:
        with smtplib.SMTP(host, port, timeout=TIMEOUT) as server:
            if starttls:
                server.starttls()
            if user:
                server.login(user, password or "")
            refused = server.send_message(message)
            if refused:
                raise DeliveryError(f"refused recipients: {', '.join(sorted(refused))}")

    _with_retries("email", attempt, log, sleep)


def post_webhook(url: str, payload: dict, *, log: Log = lambda line: None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
    """POST `payload` as JSON to `url`; a status outside 2xx is a failure; raises DeliveryError
    after ATTEMPTS failed attempts."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def attempt() -> None:
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http(s) checked)
                response.read()
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"HTTP {error.code} {error.reason}") from error

    _with_retries("webhook", attempt, log, sleep)
