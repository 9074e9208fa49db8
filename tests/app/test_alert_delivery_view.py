"""Definitions & settings, "Alert delivery": subscribers saved through the store, a viewer's form
disabled, the last alerts sent, SMTP from the environment (never its password), and the laptop
without a team database sent to the command line's flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.store.alert_delivery import Subscriber
from kpi.store.model import SYSTEM
from kpi.store.workspaces import Store

ROOT = Path(__file__).resolve().parents[2]
ALICE, BOB = "alice@acme.io", "bob@acme.io"
PASSWORD = "s3cret-Passw0rd-never-shown"


@pytest.fixture
def team_database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    monkeypatch.setenv("KPI_DATABASE_URL", url)
    for name in ("KPI_SMTP_HOST", "KPI_SMTP_PORT", "KPI_SMTP_STARTTLS", "KPI_SMTP_FROM", "KPI_SMTP_USER",
                 "KPI_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return url


def settings_page() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.run()
    app.switch_page("app_pages/settings.py").run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> str:
    return " ".join([m.value for m in app.markdown] + [c.value for c in app.caption] + [i.value for i in app.info]
                    + [s.value for s in app.success] + [e.value for e in app.error])


def test_subscribers_are_saved_through_the_store_under_the_alert_rules(team_database):
    app = settings_page()
    headers = [h.value for h in app.subheader]
    assert headers.index("Alert delivery") == headers.index("Alert rules") + 1
    app.text_area(key="delivery::emails").set_value("CS@acme.io\nceo@acme.io")
    app.text_area(key="delivery::webhooks").set_value("https://hooks.example.com/services/T0/B1/x")
    next(b for b in app.button if b.label == "Save the alert subscribers").click().run()
    assert not app.exception, app.exception
    assert "Saved: 2 email addresses, 1 webhook." in texts(app)
    with Store(team_database) as store:
        [info] = store.list_workspaces(None)
        assert store.subscribers(info.id, by=None) == [("email", "ceo@acme.io"), ("email", "cs@acme.io"),
                                              ("webhook", "https://hooks.example.com/services/T0/B1/x")]
    assert "KPI_SMTP_HOST" in texts(app) and "not configured" in texts(app)
    assert "Last sent: nothing yet." in texts(app)


def test_a_bad_address_saves_nothing_and_says_which(team_database):
    app = settings_page()
    app.text_area(key="delivery::emails").set_value("cs@acme.io, not-an-address")
    next(b for b in app.button if b.label == "Save the alert subscribers").click().run()
    assert "Nothing was saved: 'not-an-address' is not an e-mail address." in texts(app)
    with Store(team_database) as store:
        assert store.workspaces_with_subscribers() == []


def test_a_laptop_without_a_team_database_is_sent_to_the_command_line(monkeypatch):
    monkeypatch.delenv("KPI_DATABASE_URL", raising=False)
    app = settings_page()
    assert "Alert delivery" in [h.value for h in app.subheader]
    assert "--email-to ADDRESS --smtp HOST:PORT --webhook URL" in texts(app)
    assert not [b for b in app.button if b.label == "Save the alert subscribers"]


def delivery_section(user: str) -> AppTest:
    def section(workspace_id: int, user: str) -> None:
        import streamlit as st

        from ui import alert_delivery_view

        st.session_state["user"] = user
        alert_delivery_view.show(workspace_id)

    return AppTest.from_function(section, args=(WORKSPACE[0], user), default_timeout=30)


WORKSPACE: list[int] = []


@pytest.fixture
def shared(team_database, monkeypatch) -> Store:
    """Alice's workspace with two subscribers and one alert sent; Bob can view it. SMTP configured
    in the environment, with a password."""
    monkeypatch.setenv("KPI_SMTP_HOST", "smtp.acme.io")
    monkeypatch.setenv("KPI_SMTP_STARTTLS", "1")
    monkeypatch.setenv("KPI_SMTP_USER", "bot@acme.io")
    monkeypatch.setenv("KPI_SMTP_PASSWORD", PASSWORD)
    with Store(team_database) as store:
        workspace_id = store.create_workspace("Acme", owner=ALICE, by=ALICE)
        store.share(workspace_id, BOB, "view", by=ALICE)
        store.set_subscribers(workspace_id, [("email", "cs@acme.io"),
                                             ("webhook", "https://hooks.slack.com/services/T0/B1/secret")], by=ALICE)
        store.record_sent(workspace_id, "2026-10", [("nrr_monthly", "nrr_below")], Subscriber("email", "cs@acme.io"),
                          by=SYSTEM)  # as the alerts command records it
    WORKSPACE[:] = [workspace_id]
    return workspace_id


def test_a_viewer_sees_the_form_disabled_and_webhooks_by_their_host(shared):
    app = delivery_section(BOB).run()
    assert not app.exception, app.exception
    emails, hooks = app.text_area
    assert (emails.disabled, hooks.disabled) == (True, True)
    assert (emails.value, hooks.value) == ("cs@acme.io", "https://hooks.slack.com/…")
    assert "only its owner and its editors change who receives its alerts" in texts(app)


def test_the_owner_sees_the_last_sent_and_the_smtp_in_force_never_its_password(shared):
    app = delivery_section(ALICE).run()
    assert not app.exception, app.exception
    assert app.text_area[1].value == "https://hooks.slack.com/services/T0/B1/secret" and not app.text_area[0].disabled
    [sent] = app.dataframe
    row = sent.value.iloc[0]
    assert (row["Month"], row["KPI"], row["Rule"], row["Channel"], row["To"]) == (
        "October 2026", "NRR (monthly)", "NRR floor", "email", "cs@acme.io")
    shown = texts(app)
    assert "smtp.acme.io:587 with STARTTLS" in shown and "login as bot@acme.io (password set)" in shown
    assert PASSWORD not in shown
