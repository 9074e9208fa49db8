"""The "Alert delivery" form of Definitions & settings: who receives the workspace's alerts.

The subscribers (e-mail addresses, webhook URLs) are kept by the store (`kpi.store.alert_delivery`)
and read by the scheduled `python -m kpi alerts --all-workspaces`, which sends each alert once;
the "last sent" list is its sent log. SMTP comes from the server's environment
(`kpi.hosted_alerts.SMTP_VARIABLES`), never from the database: this form says whether it is
configured, never the password. A viewer sees the form disabled; on a laptop without a team
database (no `KPI_DATABASE_URL`) the form is replaced by the command line's flags.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from kpi.errors import InputError
from kpi.exports.alerts import RULE_WORDS
from kpi.hosted_alerts import SMTP_VARIABLES, smtp_settings
from kpi.report.narrative import kpi_label
from kpi.store.alert_delivery import Subscriber, shown_address
from kpi.store.model import Forbidden
from ui import state


def team_database() -> bool:
    """Whether the app keeps its workspaces in a team database (`KPI_DATABASE_URL` in the
    environment or the secrets), where a scheduled run can read them."""
    if os.environ.get("KPI_DATABASE_URL"):
        return True
    try:
        return bool(st.secrets.get("KPI_DATABASE_URL"))
    except Exception:  # no secrets.toml: local use
        return False


def lines(text: str) -> list[str]:
    """One address per line (commas and semicolons also separate); blanks dropped."""
    return [part.strip() for line in (text or "").splitlines() for part in line.replace(";", ",").split(",")
            if part.strip()]


def smtp_sentence() -> str:
    """Where emails leave from, in words (never the password)."""
    names = ", ".join(f"`{name}`" for name in SMTP_VARIABLES)
    try:
        described = smtp_settings().describe()
    except InputError as error:
        described = f"misconfigured: {error}"
    return (f"Emails leave through the SMTP server of the server's environment ({names}), never stored in the "
            f"database. SMTP now: {described}.")


def sent_table(store, workspace_id: int) -> pd.DataFrame:
    """The sent log's latest rows as a table: when, month, KPI, rule, channel, recipient."""
    rows = store.sent_log(workspace_id, limit=20, by=state.owner())
    return pd.DataFrame([{"Sent at (UTC)": f"{r.sent_at:%Y-%m-%d %H:%M}",
                          "Month": pd.Period(r.month, freq="M").strftime("%B %Y"),
                          "KPI": kpi_label(r.kpi, "en"), "Rule": RULE_WORDS.get(r.rule, r.rule),
                          "Channel": r.kind, "To": shown_address(Subscriber(r.kind, r.address))} for r in rows],
                        columns=["Sent at (UTC)", "Month", "KPI", "Rule", "Channel", "To"])


def show(workspace_id: int | None) -> None:
    """Draw the Alert delivery section for the current workspace."""
    st.subheader("Alert delivery")
    if workspace_id is None or not team_database():
        st.info("Sending alerts to a team needs the hosted app's database (`KPI_DATABASE_URL`, docs/hosting.md). "
                "On this computer, send them with the command line's flags: `python -m kpi alerts FILES "
                "--email-to ADDRESS --smtp HOST:PORT --webhook URL`.")
        return
    store = state.store()
    viewer = store.role(workspace_id, by=state.owner()) == "viewer"
    subscribers = store.subscribers(workspace_id, by=state.owner())
    st.caption("A scheduled `python -m kpi alerts --all-workspaces` (once a day) sends each alert of this "
               "workspace once to every address below: one email, or one POST of JSON to a webhook "
               "(Slack-compatible).")
    if viewer:
        st.caption("You can view this workspace: only its owner and its editors change who receives its alerts.")

    def shown(kind: str) -> str:
        return "\n".join(shown_address(s) if viewer else s.address for s in subscribers if s.kind == kind)

    with st.form("alert_delivery"):
        left, right = st.columns(2)
        emails = left.text_area("Email addresses (one per line)", shown("email"), disabled=viewer,
                                key="delivery::emails", placeholder="cs@acme.io")
        hooks = right.text_area("Webhook URLs (one per line)", shown("webhook"), disabled=viewer,
                                key="delivery::webhooks", placeholder="https://hooks.slack.com/services/…")
        saved = st.form_submit_button("Save the alert subscribers", type="primary", disabled=viewer)
    if saved and not viewer:
        try:
            kept = store.set_subscribers(workspace_id, [("email", a) for a in lines(emails)]
                                         + [("webhook", u) for u in lines(hooks)], by=state.owner())
        except (InputError, Forbidden) as error:
            st.error(f"Nothing was saved: {error}.")
        else:
            count = {kind: sum(s.kind == kind for s in kept) for kind in ("email", "webhook")}
            st.success(f"Saved: {count['email']} email address{'' if count['email'] == 1 else 'es'}, "
                       f"{count['webhook']} webhook{'' if count['webhook'] == 1 else 's'}.")
    st.caption(smtp_sentence())
    sent = sent_table(store, workspace_id)
    if sent.empty:
        st.caption("Last sent: nothing yet.")
    else:
        st.markdown("**Last sent**")
        st.dataframe(sent, hide_index=True, width="stretch")
