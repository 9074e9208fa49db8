"""Investor update: the period's headline KPIs, highlights and lowlights, cash & runway, plan vs
actual and the MRR forecast when the data has them, an editable narrative,
the founder's commentary, and the deck, workbook, report and email in one click each."""

import pandas as pd
import streamlit as st

from kpi.errors import InputError
from kpi.exports.html import to_email_html, to_html, to_markdown
from kpi.exports.pptx import to_pptx
from kpi.exports.xlsx import to_xlsx
from kpi.metrics.periods import last_complete, window_of
from kpi.report.update import investor_update
from kpi.text import escape_markdown
from ui import access, data, empty, state, update_finance_view

current = state.current()
st.title("Investor update")
report = data.report(state.State(current.workspace, current.as_of, settings=current.settings)) \
    if current.as_of is not None else None  # the whole company: segment filters do not apply here
if report is None or report.revenue is None:
    empty.missing(("subscriptions", "invoices", "mrr"), "the investor update")
    st.stop()

ws = current.workspace
as_of = pd.Period(current.as_of, freq="M")
running = window_of(as_of, "quarter")  # the as-of month's quarter, whole or to date
closed = last_complete(as_of, "quarter")  # an update is about the last whole quarter by default
PERIODS = {"quarter": f"Q{closed.quarter} {closed.year}"}
if running.partial:
    PERIODS["quarter_to_date"] = f"Q{as_of.quarter} {as_of.year} to date"
PERIODS["month"] = as_of.strftime("%B %Y")
left, middle, right = st.columns([3, 3, 2])
choice = left.segmented_control("Period", list(PERIODS), default="quarter", required=True, key="update_period",
                                format_func=PERIODS.get)
period = "month" if choice == "month" else "quarter"
if choice == "quarter" and closed != as_of:
    if str(closed) in data.report_months(ws):  # the last whole quarter's update is read at its last month
        report = data.report(state.State(ws, str(closed), settings=current.settings))
    else:
        st.info(f"No whole quarter yet before {as_of.strftime('%B %Y')}: showing the quarter to date.",
                icon=":material/date_range:")
if period == "quarter" and window_of(report.as_of, "quarter").partial:
    window = window_of(report.as_of, "quarter")
    st.warning(f"{window.label()} is a partial quarter: {window.months} of its 3 months. Its movements and rates "
               "cover those months only; say so before sending it.", icon=":material/date_range:")
compare = middle.segmented_control("Compared with", ["previous", "last_year"], default="previous", required=True,
                                   key="update_compare",
                                   format_func={"previous": "Previous period", "last_year": "Same period last year"}.get)
language = right.segmented_control("Language", ["en", "fr"], default="en", required=True, key="update_language",
                                   format_func={"en": "English", "fr": "Français"}.get)
try:
    update = investor_update(report, period, compare, language, company=ws.name, targets=state.targets())
except InputError as error:
    st.error(escape_markdown(error.message))
    st.stop()

st.caption(f"{escape_markdown(update.period_label)} compared with {escape_markdown(update.comparison_label)}"
           + (" · segment filters of the sidebar do not apply: an update is about the whole company"
              if current.filters else ""))
with st.container(horizontal=True):
    for item in update.headline[:8]:
        # documents write "−1.2 pp" (U+2212); st.metric reads the sign from an ASCII "-"
        st.metric(item.label, item.value_text, delta=(item.change_text or "").replace("\u2212", "-") or None,
                  border=True,
                  delta_color="off" if item.better is None else ("normal" if item.better == (
                      (item.change or 0) >= 0) else "inverse"),
                  help=f"{update.comparison_label}: {item.comparison_text}")

good, bad = st.columns(2)
with good:
    st.subheader("Highlights")
    for observation in update.highlights:
        st.success(escape_markdown(observation.text), icon=":material/trending_up:")
    if not update.highlights:
        st.text("Nothing stands out this period.")
with bad:
    st.subheader("Lowlights")
    for observation in update.lowlights:
        st.warning(escape_markdown(observation.text), icon=":material/trending_down:")
    if not update.lowlights:
        st.text("Nothing to flag this period.")
update_finance_view.show(update)  # cash & runway, plan vs actual, MRR forecast: what the report has

# The text is edited in a dialog: while it is open the export buttons cannot be clicked, so a
# download never carries text the app has not received yet (a text box sends its value only when
# it loses focus, and a click on a download button would race it). The texts are kept with the
# workspace, per period: a reload, a restart or a colleague finds them.
LABELS = {"product": "Product news", "hires": "Hires", "asks": "Asks"}
record = state.update_text(str(report.as_of), period)
commentary = {name: record["commentary"].get(name, "") for name in LABELS}
version = f"{compare}:{language}"  # the narrative is written for one comparison, in one language
narrative = record["narratives"].get(version, update.generated_narrative)


@st.dialog("Narrative and commentary", width="large")
def edit_text() -> None:
    """The update's words: the narrative (written from the numbers) and the founder's own."""
    with st.form("update_text", border=False):
        text = st.text_area("Narrative, written from the numbers", narrative, height=220)
        fields = {name: st.text_area(label, commentary.get(name, ""), height=90,
                                     placeholder="One item per line; start a line with - for a bullet")
                  for name, label in LABELS.items()}
        if st.form_submit_button("Save for the exports", type="primary", icon=":material/check:"):
            narratives = {k: v for k, v in record["narratives"].items() if k != version}
            if text.strip() != update.generated_narrative.strip():  # unchanged: follows the numbers
                narratives[version] = text
            with access.refusals():  # this click reruns only the dialog, outside app.py's handling
                state.set_update_text(str(report.as_of), period, {"commentary": fields, "narratives": narratives})
                st.rerun()


st.subheader("Narrative")
with st.container(border=True):
    st.text(narrative)
edited = version in record["narratives"]
read_only = access.read_only()  # a "can view" guest reads and exports the update, edits nothing
if read_only:
    access.explain()
with st.container(horizontal=True):
    if st.button("Edit the narrative and commentary", icon=":material/edit:", disabled=read_only):
        edit_text()
    if edited and st.button("Back to the generated narrative", icon=":material/restart_alt:", disabled=read_only):
        state.set_update_text(str(report.as_of), period, {
            "commentary": record["commentary"],
            "narratives": {k: v for k, v in record["narratives"].items() if k != version}})
        st.rerun()
st.caption(("Edited by you; it does not follow later changes of the numbers. " if edited
            else "Written from this period's numbers. ") + "The exports below carry exactly the text shown here.")
st.subheader("Your commentary")
for name, label in LABELS.items():
    st.markdown(f"**{label}**")
    if commentary.get(name):
        st.text(commentary[name])
    else:
        st.caption("Nothing yet.")
update = update.with_narrative(narrative).with_commentary(commentary)

st.subheader("Export")
stem = f"investor_update_{update.as_of}_{period}"
EXPORTS = (  # generated only when clicked (deferred data), not on every rerun
    ("Deck (PPTX)", to_pptx, "pptx", ":material/slideshow:",
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("Workbook (XLSX)", to_xlsx, "xlsx", ":material/table:",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("Report (HTML)", to_html, "html", ":material/public:", "text/html"),
    ("Email body (HTML)", to_email_html, "email.html", ":material/mail:", "text/html"),
    ("Summary (Markdown)", to_markdown, "md", ":material/description:", "text/markdown"),
)
who = state.owner()  # read now: the export runs on click, outside this session's script


def exported(export, suffix: str):
    """The export's file, generated on click, and the audit log says who exported what."""
    if ws.id is not None:
        state.store().audit("export", by=who, workspace_id=ws.id,
                            detail={"format": suffix, "month": str(update.as_of), "period": period})
    return export(update, report)


with st.container(horizontal=True):
    for label, export, suffix, icon, mime in EXPORTS:
        st.download_button(label, lambda export=export, suffix=suffix: exported(export, suffix), f"{stem}.{suffix}",
                           mime=mime, icon=icon, on_click="ignore", key=f"export_{suffix}")

st.subheader("Reported figures")
if ws.id is None:
    st.info("Save this workspace to mark months as reported.")
    st.stop()
store = state.store()
if st.button(f"Mark {state.month_label(str(report.as_of))} as reported", icon=":material/verified:",
             disabled=read_only, help=access.READ_ONLY if read_only else
             "Freezes the month's full report; later data that changes it is flagged on the Workspaces page."):
    store.mark_reported(ws.id, str(report.as_of), report.to_json(), by=state.owner())
    st.rerun()
snapshots = store.snapshots(ws.id, by=state.owner())
reported = {s.month for s in snapshots}
months = set(data.report_months(ws))
restated = store.restatements(ws.id, {m: data.report(state.State(ws, m, settings=current.settings)).to_json()
                                      if m in months else None for m in reported}, by=state.owner())
if not snapshots:
    st.text("No month reported yet: what you send investors is not recorded.")
elif not restated:
    st.success(f"Reported months ({', '.join(sorted(reported))}) still give the same numbers.", icon=":material/check:")
for restatement in restated:
    changes = {c.key: c for c in restatement.changes}
    mrr = changes.get("revenue.mrr")
    st.warning(f"{restatement.month}: {len(restatement.changes)} figure(s) differ from what you reported on "
               f"{restatement.reported_at:%Y-%m-%d}" + (f" — MRR {mrr.reported:,.2f} then, {mrr.now:,.2f} now" if mrr else "")
               + ". See the Workspaces page for every difference.", icon=":material/history:")
