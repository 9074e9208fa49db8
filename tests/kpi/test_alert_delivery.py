"""Alerts of a stored workspace, sent once (kpi.store.alert_delivery, kpi.hosted_alerts,
`python -m kpi alerts --workspace ID`): subscribers and the sent log on SQLite and PostgreSQL, a
real SMTP server (aiosmtpd) and an HTTP receiver on the loopback, two runs, a server down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import inspect, select, text

from kpi.__main__ import main
from kpi.errors import InputError
from kpi.exports import alerts as delivery
from kpi.hosted_alerts import smtp_settings
from kpi.store import migrations
from kpi.store.alert_delivery import Subscriber, shown_address
from kpi.store.model import ReadOnly
from kpi.store.workspaces import Store
from tests.kpi.conftest_store import store as store  # noqa: F401
from tests.kpi.conftest_store import store_url as store_url  # noqa: F401  (fixtures)
from tests.kpi.test_cli_alerts import Inbox, Receiver, free_port
from tests.kpi.test_store import new_workspace

ROOT = Path(__file__).resolve().parents[2]
ALICE, BOB, CAROL = "alice@acme.io", "bob@acme.io", "carol@acme.io"
NRR = ("nrr_monthly", "nrr_below")  # what fires on the demo's last month (NRR 98.8 % < 100 %)
PASSWORD = "s3cret-Passw0rd-never-stored"


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(delivery, "RETRY_WAITS", (0.01, 0.01))
    monkeypatch.setattr(delivery, "TIMEOUT", 5.0)
    for name in ("KPI_SMTP_HOST", "KPI_SMTP_PORT", "KPI_SMTP_STARTTLS", "KPI_SMTP_FROM", "KPI_SMTP_USER",
                 "KPI_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


# ── The store: subscribers and the sent log ──────────────────────────────────────────────


@pytest.fixture
def shared(store):
    """Alice's workspace; Bob can view it, Carol can edit it."""
    workspace_id = new_workspace(store, "Alice's", owner=ALICE, by=ALICE)
    store.share(workspace_id, BOB, "view", by=ALICE)
    store.share(workspace_id, CAROL, "edit", by=ALICE)
    return workspace_id


def test_subscribers_are_replaced_checked_and_listed_emails_first(store, shared):
    kept = store.set_subscribers(shared, [("webhook", " https://hooks.example.com/T0/B1/xyz "),
                                          ("email", "CS@Acme.io"), ("email", "cs@acme.io")], by=ALICE)
    assert kept == store.subscribers(shared, by=ALICE) == [Subscriber("email", "cs@acme.io"),
                                                 Subscriber("webhook", "https://hooks.example.com/T0/B1/xyz")]
    store.set_subscribers(shared, [("email", "ops@acme.io")], by=CAROL)  # an editor may
    assert store.subscribers(shared, by=ALICE) == [("email", "ops@acme.io")]
    entry = store.audit_log(shared, limit=1, by=ALICE)[0]
    assert (entry.action, entry.who, entry.detail) == ("alert_subscribers", CAROL, {"email": 1, "webhook": 0})
    with pytest.raises(InputError, match="'not-an-address' is not an e-mail address"):
        store.set_subscribers(shared, [("email", "not-an-address")], by=ALICE)
    with pytest.raises(InputError, match="not an http:// or https:// URL"):
        store.set_subscribers(shared, [("webhook", "ftp://example.com/x")], by=ALICE)
    assert store.subscribers(shared, by=ALICE) == [("email", "ops@acme.io")]  # a refused list writes nothing


def test_a_viewer_cannot_change_the_subscribers_and_nothing_is_written(store, shared):
    store.set_subscribers(shared, [("email", "cs@acme.io")], by=ALICE)
    entries = len(store.audit_log(shared, by=ALICE))
    with pytest.raises(ReadOnly, match=f"^{BOB} can view this workspace but not change it$"):
        store.set_subscribers(shared, [("email", "bob@acme.io")], by=BOB)
    assert store.subscribers(shared, by=ALICE) == [("email", "cs@acme.io")]
    assert len(store.audit_log(shared, by=ALICE)) == entries


def test_the_sent_log_is_per_recipient_and_records_each_alert_once(store, shared):
    email, hook = Subscriber("email", "cs@acme.io"), Subscriber("webhook", "https://hooks.example.com/x")
    churn = ("logo_churn_rate", "churn_spike")
    assert store.unsent(shared, "2026-10", [NRR, churn], email, by=ALICE) == [NRR, churn]
    assert store.record_sent(shared, "2026-10", [NRR], email, by=ALICE) == 1
    assert store.record_sent(shared, "2026-10", [NRR], email, by=ALICE) == 0  # a second record writes nothing
    assert store.unsent(shared, "2026-10", [NRR, churn], email, by=ALICE) == [churn]
    assert store.unsent(shared, "2026-10", [NRR, churn], hook, by=ALICE) == [NRR, churn]  # another recipient: its own
    assert store.unsent(shared, "2026-11", [NRR], email, by=ALICE) == [NRR]  # another month: another alert
    [row] = store.sent_log(shared, by=ALICE)
    assert (row.month, row.kpi, row.rule, row.kind, row.address) == ("2026-10", *NRR, "email", "cs@acme.io")
    with store.engine.begin() as conn, pytest.raises(Exception, match="(?i)unique|duplicate"):
        conn.execute(text("INSERT INTO alerts_sent (workspace_id, month, kpi, rule, kind, address, sent_at) VALUES "
                          f"({shared}, '2026-10', 'nrr_monthly', 'nrr_below', 'email', 'cs@acme.io', "
                          "'2026-11-01 00:00:00')"))


def test_deleting_a_workspace_deletes_its_subscribers_and_sent_log(store, shared):
    store.set_subscribers(shared, [("email", "cs@acme.io")], by=ALICE)
    store.record_sent(shared, "2026-10", [NRR], Subscriber("email", "cs@acme.io"), by=ALICE)
    store.delete(shared, by=ALICE)
    with store.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alert_subscribers")) == 0
        assert conn.scalar(text("SELECT count(*) FROM alerts_sent")) == 0
    assert store.workspaces_with_subscribers() == []


def test_migration_5_applied_on_a_database_at_version_4_keeps_its_data(store_url):
    with Store(store_url, migrate=False) as old:
        assert old.migrate(target=4) == 4
        with old.engine.begin() as conn:
            assert not old.engine.dialect.has_table(conn, "alert_subscribers")
        workspace_id = new_workspace(old, "Old", owner=ALICE, by=ALICE, settings_json='{"gross_margin": 0.7}')
        old.share(workspace_id, BOB, "view", by=ALICE)
    with Store(store_url) as new:
        assert new.schema_version() == migrations.LATEST == 5
        loaded = new.load(workspace_id, by=ALICE)
        assert (loaded.name, loaded.settings_json, new.shared_with(workspace_id, by=ALICE)) == (
            "Old", '{"gross_margin": 0.7}', [(BOB, "view")])
        assert new.subscribers(workspace_id, by=ALICE) == [] and new.sent_log(workspace_id, by=ALICE) == []
        new.set_subscribers(workspace_id, [("email", "cs@acme.io")], by=ALICE)
        columns = {c["name"] for c in inspect(new.engine).get_columns("alerts_sent")}
        assert columns == {"workspace_id", "month", "kpi", "rule", "kind", "address", "sent_at"}


def test_a_webhook_is_shown_by_its_host_only():
    assert shown_address(Subscriber("webhook", "https://hooks.slack.com/services/T0/B1/secret")) == \
        "https://hooks.slack.com/…"
    assert shown_address(Subscriber("email", "cs@acme.io")) == "cs@acme.io"


def test_smtp_settings_come_from_the_environment_and_the_flags_override_it():
    env = {"KPI_SMTP_HOST": "smtp.acme.io", "KPI_SMTP_STARTTLS": "true", "KPI_SMTP_FROM": "kpi@acme.io",
           "KPI_SMTP_USER": "bot", "KPI_SMTP_PASSWORD": PASSWORD}
    found = smtp_settings(env)
    assert (found.host, found.port, found.starttls, found.sender, found.user, found.configured) == (
        "smtp.acme.io", 587, True, "kpi@acme.io", "bot", True)
    assert PASSWORD not in found.describe() and PASSWORD not in repr(found) and "password set" in found.describe()
    flagged = smtp_settings(env, smtp="mail.other.io:2525", sender="ops@acme.io")
    assert (flagged.host, flagged.port, flagged.sender) == ("mail.other.io", 2525, "ops@acme.io")
    assert not smtp_settings({}).configured and smtp_settings({}).port == 25
    with pytest.raises(InputError, match="KPI_SMTP_PORT 'x'"):
        smtp_settings({"KPI_SMTP_HOST": "h", "KPI_SMTP_PORT": "x"})


# ── The command: a stored demo workspace, a real SMTP server and an HTTP receiver ─────────


class Authenticator:
    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=Authenticator(),
                            auth_require_tls=False)
    controller.start()
    yield inbox, controller
    controller.stop()


@pytest.fixture
def receiver():
    made = Receiver(200)
    yield made
    made.server.shutdown()


@pytest.fixture
def hosted(tmp_path, monkeypatch, smtp, receiver):
    """The demo company stored in a SQLite database named by KPI_DATABASE_URL, with one email and
    one webhook subscriber; SMTP from the environment, with a login."""
    url = f"sqlite:///{tmp_path / 'team.db'}"
    monkeypatch.setenv("KPI_DATABASE_URL", url)
    monkeypatch.setenv("KPI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KPI_SMTP_PORT", str(smtp[1].port))
    monkeypatch.setenv("KPI_SMTP_FROM", "kpi@acme.io")
    monkeypatch.setenv("KPI_SMTP_USER", "bot")
    monkeypatch.setenv("KPI_SMTP_PASSWORD", PASSWORD)
    with Store(url) as db:
        workspace_id = db.ensure_demo(owner=ALICE)
        db.set_subscribers(workspace_id, [("email", "cs@acme.io"), ("webhook", receiver.url)], by=ALICE)
    return url, workspace_id


def run(*args: str) -> int:
    return main(["alerts", *args])


def test_first_run_sends_one_email_and_one_post_the_second_sends_nothing(hosted, smtp, receiver, capsys):
    url, workspace_id = hosted
    assert run("--workspace", str(workspace_id)) == 3
    first = capsys.readouterr()
    [message] = smtp[0].messages
    assert message["To"] == "cs@acme.io" and message["From"] == "kpi@acme.io"
    assert "NRR (monthly) 98.8\u00a0% in October 2026 is below 100\u00a0%" in message.get_body(("plain",)).get_content()
    [body] = receiver.bodies
    assert [(a["kpi"], a["rule"], a["month"]) for a in body["alerts"]] == [(*NRR, "2026-10")]
    shown = json.loads(first.out)
    assert (shown["workspace"], shown["month"], [a["kpi"] for a in shown["alerts"]]) == (
        workspace_id, "2026-10", ["nrr_monthly"])
    assert [(d["kind"], d["status"], d["alerts"]) for d in shown["deliveries"]] == [("email", "sent", 1),
                                                                                   ("webhook", "sent", 1)]
    assert "email to cs@acme.io: sent (1 alert of 2026-10)" in first.err
    assert receiver.url not in first.out + first.err  # a webhook's URL is its secret: shown by host only

    assert run("--workspace", str(workspace_id), "--format", "text") == 3  # the alert still fires…
    second = capsys.readouterr()
    assert len(smtp[0].messages) == 1 and len(receiver.bodies) == 1  # …but nothing is sent twice
    assert "email to cs@acme.io: already sent" in second.out and "webhook to http://127.0.0.1:" in second.out
    assert second.out.count("already sent") == 2 and "NRR (monthly) 98.8\u00a0%" in second.out
    with Store(url) as db:
        assert sorted((r.kind, r.kpi) for r in db.sent_log(workspace_id, by=ALICE)) == [("email", "nrr_monthly"),
                                                                                   ("webhook", "nrr_monthly")]


def test_no_table_holds_the_smtp_password_after_a_run(hosted, smtp, capsys):
    url, workspace_id = hosted
    assert run("--workspace", str(workspace_id)) == 3
    assert len(smtp[0].messages) == 1  # it logged in with the password…
    output = capsys.readouterr()
    assert PASSWORD not in output.out + output.err
    with Store(url) as db, db.engine.connect() as conn:  # …and no cell of any table holds it
        for table in inspect(db.engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    cell = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    assert PASSWORD not in cell, table


def test_a_new_subscriber_gets_the_month_alerts_once(hosted, smtp, receiver, capsys):
    url, workspace_id = hosted
    assert run("--workspace", str(workspace_id)) == 3
    with Store(url) as db:
        db.set_subscribers(workspace_id, [*db.subscribers(workspace_id, by=ALICE), ("email", "ceo@acme.io")], by=ALICE)
    assert run("--workspace", str(workspace_id)) == 3
    assert [m["To"] for m in smtp[0].messages] == ["cs@acme.io", "ceo@acme.io"] and len(receiver.bodies) == 1
    capsys.readouterr()


def test_smtp_down_exits_4_logs_why_records_nothing_then_sends_once_when_up(hosted, smtp, receiver, capsys,
                                                                              monkeypatch):
    url, workspace_id = hosted
    monkeypatch.setenv("KPI_SMTP_PORT", str(free_port()))  # nobody listens there
    assert run("--workspace", str(workspace_id)) == 4
    down = capsys.readouterr()
    assert "email: attempt 1 of 3 failed (ConnectionRefusedError" in down.err
    assert "email to cs@acme.io: email not sent after 3 attempts: ConnectionRefusedError" in down.err
    shown = json.loads(down.out)
    assert [(d["kind"], d["status"]) for d in shown["deliveries"]] == [("email", "failed"), ("webhook", "sent")]
    with Store(url) as db:
        assert [r.kind for r in db.sent_log(workspace_id, by=ALICE)] == ["webhook"]  # the failed email is not recorded
    monkeypatch.setenv("KPI_SMTP_PORT", str(smtp[1].port))  # up again
    assert run("--workspace", str(workspace_id)) == 3
    assert len(smtp[0].messages) == 1 and len(receiver.bodies) == 1
    assert [d["status"] for d in json.loads(capsys.readouterr().out)["deliveries"]] == ["sent", "already sent"]


def test_a_webhook_answering_500_is_retried_and_not_recorded(hosted, receiver, capsys):
    url, workspace_id = hosted
    receiver.status = 500
    assert run("--workspace", str(workspace_id)) == 4
    assert len(receiver.bodies) == 3  # every attempt reached it; none was accepted
    err = capsys.readouterr().err
    assert "webhook not sent after 3 attempts: DeliveryError: HTTP 500" in err
    with Store(url) as db:
        assert [r.kind for r in db.sent_log(workspace_id, by=ALICE)] == ["email"]


def test_an_unknown_workspace_exits_2_with_one_sentence(hosted, capsys):
    assert run("--workspace", "999") == 2
    err = capsys.readouterr().err.strip()
    assert err == "kpi: workspace 999 does not exist in the database of KPI_DATABASE_URL"


@pytest.mark.parametrize("args, words", [
    (["--workspace", "1", "data/demo/nps_survey.csv"], "give no PATH"),
    (["--workspace", "1", "--webhook", "http://x.io/h"], "give no PATH, --mapping, --email-to or --webhook"),
    (["--workspace", "1", "--all-workspaces"], "not both"),
    (["--workspace", "1", "--as-of", "2026-13"], "not a month"),
    ([], "needs the files to read"),
])
def test_bad_options_exit_2(hosted, capsys, args, words):
    assert run(*args) == 2
    assert words in capsys.readouterr().err


def test_all_workspaces_visits_those_with_subscribers_and_a_quiet_month_exits_0(hosted, smtp, capsys):
    url, workspace_id = hosted
    with Store(url) as db:
        db.create_workspace("No subscribers", owner=ALICE)
    assert run("--all-workspaces", "--as-of", "2026-10") == 3
    assert [w["workspace"] for w in json.loads(capsys.readouterr().out)] == [workspace_id]
    quiet = "2026-04"
    assert run("--workspace", str(workspace_id), "--as-of", quiet, "--format", "text") == 0
    assert f"no alert for {quiet}" in capsys.readouterr().out
    assert len(smtp[0].messages) == 1


def test_the_command_runs_as_cron_runs_it(hosted, smtp, receiver):
    url, workspace_id = hosted
    done = subprocess.run([sys.executable, "-m", "kpi", "alerts", "--all-workspaces", "--format", "text"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 3, done.stderr
    assert "email to cs@acme.io: sent" in done.stdout and len(smtp[0].messages) == 1 and len(receiver.bodies) == 1
    assert "Traceback" not in done.stderr
    with Store(url) as db, db.engine.connect() as conn:
        assert conn.scalar(select(text("count(*)")).select_from(text("alerts_sent"))) == 2
