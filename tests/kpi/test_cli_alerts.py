"""`python -m kpi alerts` (docs/cli.md): exit 0 / 3 / 2, one email through a real SMTP server
(aiosmtpd on the loopback) and one webhook POST (http.server in a thread), failures retried,
logged and exit 4 — never reported as sent."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kpi.__main__ import main
from kpi.exports import alerts as delivery

HOSTILE = '<script>alert(1)</script>=HYPERLINK("http://evil")'


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[str]:
    """A company whose logo churn spikes in August 2025 (two of eight customers leave), one of them
    with a hostile name; July is quiet."""
    folder = tmp_path_factory.mktemp("alerts")
    rows, names = ["customer_id,start_date,end_date,amount,currency"], ["customer_id,name"]
    for number in range(8):
        end = "2025-08-10" if number < 2 else ""
        name = HOSTILE.replace('"', '""') if number == 1 else f"Customer {number}"
        rows.append(f"C{number},2025-01-05,{end},{100 + number},EUR")
        names.append(f'C{number},"{name}"')
    rows.append("C9,2025-08-01,,50,EUR")
    (folder / "billing.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "crm.csv").write_text("\n".join(names) + "\n", encoding="utf-8")
    mapping = {"billing.csv": {"table": "subscriptions", "columns": {
        "customer_id": "customer_id", "start_date": "start_date", "end_date": "end_date", "amount": "amount",
        "currency": "currency"}},
        "crm.csv": {"table": "customers", "columns": {"customer_id": "customer_id", "name": "name"}}}
    (folder / "mapping.json").write_text(json.dumps(mapping), encoding="utf-8")
    return [str(folder / "billing.csv"), str(folder / "crm.csv"), "--mapping", str(folder / "mapping.json")]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(delivery, "RETRY_WAITS", (0.01, 0.01))
    monkeypatch.setattr(delivery, "TIMEOUT", 5.0)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())  # aiosmtpd probes its own port
    controller.start()
    yield inbox, f"127.0.0.1:{controller.port}"
    controller.stop()


class Receiver:
    def __init__(self, status: int) -> None:
        self.status, self.bodies = status, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                receiver.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver():
    made = []

    def make(status: int = 200) -> Receiver:
        made.append(Receiver(status))
        return made[-1]

    yield make
    for r in made:
        r.server.shutdown()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_quiet_month_exits_0_with_an_empty_list(files, capsys):
    assert main(["alerts", *files, "--as-of", "2025-07"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_month_with_alerts_exits_3_and_prints_them_in_the_json_report_format(files, capsys):
    assert main(["alerts", *files, "--as-of", "2025-08"]) == 3
    alerts = json.loads(capsys.readouterr().out)
    assert {a["rule"] for a in alerts} >= {"churn_spike", "mrr_drop"}
    assert all(set(a) == {"kpi", "month", "value", "rule", "message"} and a["month"] == "2025-08" for a in alerts)


def test_text_format_prints_one_line_per_alert(files, capsys):
    assert main(["alerts", *files, "--as-of", "2025-08", "--format", "text"]) == 3
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Logo churn 25.0") and any(line.startswith("MRR ") for line in lines)


@pytest.mark.parametrize("args, words", [
    (["--as-of", "2025-13"], "not a month"),
    (["--email-to", "nobody"], "not an email address"),
    (["--email-to", "a@b.c", "--smtp", "localhost"], "not HOST:PORT"),
    (["--webhook", "file:///etc/passwd"], "not an http"),
])
def test_bad_input_exits_2_with_one_line(files, capsys, args, words):
    assert main(["alerts", *files, *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0]


def test_one_email_with_text_and_html_lists_the_alerts_and_the_customers_behind_them(files, smtp, capsys):
    inbox, address = smtp
    code = main(["alerts", *files, "--as-of", "2025-08", "--email-to", "team@example.com", "cs@example.com",
                 "--smtp", address, "--from", "kpi@example.com"])
    assert code == 3
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "team@example.com, cs@example.com" and "August 2025" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert "Logo churn 25.0" in text and "Customer 0" in text and HOSTILE in text
    assert "MRR below the previous month" in page and "Customer 0" in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # escaped, never markup
    assert "kpi: email sent to team@example.com, cs@example.com" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_when_the_server_asks_for_it(files, monkeypatch, capsys):
    """Login over plain SMTP (aiosmtpd with auth_require_tls=False): STARTTLS needs a certificate,
    so this test covers the login path, not the TLS handshake."""
    seen = []

    def authenticate(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"founder", b"s3cret")
        seen.append(ok)
        return AuthResult(success=ok)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        port = controller.port
        monkeypatch.setenv("KPI_SMTP_USER", "founder")
        monkeypatch.setenv("KPI_SMTP_PASSWORD", "s3cret")
        assert main(["alerts", *files, "--as-of", "2025-08", "--email-to", "a@b.c", "--smtp", f"127.0.0.1:{port}"]) == 3
        assert seen == [True] and len(inbox.messages) == 1
        monkeypatch.setenv("KPI_SMTP_PASSWORD", "wrong")
        assert main(["alerts", *files, "--as-of", "2025-08", "--email-to", "a@b.c", "--smtp", f"127.0.0.1:{port}"]) == 4
        assert len(inbox.messages) == 1 and "email not sent after 3 attempts" in capsys.readouterr().err
    finally:
        controller.stop()


def test_starttls_asked_of_a_server_without_it_fails_and_is_not_reported_sent(files, smtp, capsys):
    inbox, address = smtp
    assert main(["alerts", *files, "--as-of", "2025-08", "--email-to", "a@b.c", "--smtp", address,
                 "--smtp-starttls"]) == 4
    err = capsys.readouterr().err
    assert not inbox.messages and "email sent" not in err and "STARTTLS" in err


def test_a_down_smtp_server_exits_4_after_three_logged_attempts(files, capsys):
    code = main(["alerts", *files, "--as-of", "2025-08", "--email-to", "a@b.c", "--smtp", f"127.0.0.1:{free_port()}"])
    assert code == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert [line for line in err if "attempt" in line and "retrying" in line] == err[-3:-1]
    assert err[-1].startswith("kpi: email not sent after 3 attempts: ConnectionRefusedError")
    assert not any("email sent" in line for line in err)


def test_one_webhook_post_with_text_and_alerts(files, receiver, capsys):
    hook = receiver(200)
    assert main(["alerts", *files, "--as-of", "2025-08", "--webhook", hook.url]) == 3
    assert len(hook.bodies) == 1
    body = hook.bodies[0]
    assert set(body) == {"text", "alerts"} and body["alerts"] == json.loads(capsys.readouterr().out)
    assert "Logo churn 25.0" in body["text"]


def test_a_webhook_answering_500_is_retried_then_exits_4(files, receiver, capsys):
    hook = receiver(500)
    assert main(["alerts", *files, "--as-of", "2025-08", "--webhook", hook.url]) == 4
    assert len(hook.bodies) == 3  # the attempts, each one POST
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "kpi: webhook not sent after 3 attempts: DeliveryError: HTTP 500 Internal Server Error"
    assert not any("webhook posted" in line for line in err)


def test_no_delivery_when_nothing_fires(files, smtp, receiver):
    inbox, address = smtp
    hook = receiver(200)
    assert main(["alerts", *files, "--as-of", "2025-07", "--email-to", "a@b.c", "--smtp", address,
                 "--webhook", hook.url]) == 0
    assert not inbox.messages and not hook.bodies


def test_the_alerts_of_the_demo_month(capsys):
    from kpi.demo import demo_files

    assert main(["alerts", *map(str, demo_files()), "--as-of", "2026-10", "--format", "text"]) == 3
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["NRR (monthly) 98.8\u00a0% in October 2026 is below 100\u00a0%"]
