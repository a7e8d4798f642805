"""CSV and XLSX files of what the pages show, for the same user and filters.

The overdue list streams its CSV (UTF-8 with a BOM, which Excel on Chinese
Windows needs) and writes its XLSX with openpyxl's write-only workbook; both
read the rows in chunks, so a large export never holds the queryset in memory.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from enforcement_hub.exports import WRAP, csv_row, xlsx_row
from workorders.deadlines import SHANGHAI

from . import labels
from .selectors import working_days_overdue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
WIDE = 40   # a column at least this wide holds long text


def _local(dt: datetime | None) -> str:
    return timezone.localtime(dt, SHANGHAI).strftime("%Y-%m-%d %H:%M") if dt else ""


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------- overdue list

def overdue_header() -> list[str]:
    return [_("Reference"), _("Case number"), _("Subject"), _("Member agency"), _("Type"), _("Court"),
            _("Status"), _("Submitted at"), _("Due"), _("Working days overdue"), _("Escalation step"),
            _("Returns for supplement"), _("Provisional due date")]


def overdue_row(wo, *, now, cal) -> list:
    return [wo.reference, wo.case.number, wo.subject, wo.agency.name, labels.type_label(wo.type),
            wo.court.name, labels.status_label(wo.status), wo.submitted_at, wo.due_at,
            working_days_overdue(wo, now=now, cal=cal), labels.step_label(wo.escalation_level),
            wo.return_count, _("yes") if wo.due_provisional else ""]


EXPORT_FIELDS = ("id", "subject", "type", "status", "submitted_at", "due_at", "escalation_level", "return_count",
                 "due_provisional", "case__number", "agency__name", "court__name")


def export_rows(qs):
    """The list's rows, read in chunks with only the exported columns."""
    return qs.select_related(None).select_related("case", "agency", "court").only(*EXPORT_FIELDS) \
        .iterator(chunk_size=CHUNK)


class _Echo:
    def write(self, value):
        return value


def overdue_csv(qs, *, now, cal, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow(csv_row(overdue_header()))
        for wo in export_rows(qs):
            yield writer.writerow(csv_row(overdue_row(wo, now=now, cal=cal)))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)


class _Sheet:
    """A write-only sheet with a bold, frozen header row and an autofilter over
    its table (rows appended before `end_table()`; notes after it stay outside)."""

    def __init__(self, wb: Workbook, title: str, header: list[str], widths: list[int] | None = None):
        self.ws = ws = wb.create_sheet(title=title[:31])
        self.columns, self.rows, self.table_ended = len(header), 1, False
        # Wide columns hold long text (subject, history): wrapped, top-aligned.
        self.wrap = {i for i, width in enumerate(widths or []) if width >= WIDE}
        for i, width in enumerate(widths or []):
            ws.column_dimensions[get_column_letter(i + 1)].width = width
        ws.freeze_panes = "A2"   # before the first row: a write-only sheet writes its view first
        ws.append(xlsx_row(ws, header, font=Font(bold=True)))

    def append(self, values):
        """Every XLSX row goes through the one cell helper (formulas, control characters, dates)."""
        cells = xlsx_row(self.ws, values)
        for i in self.wrap:
            if i < len(cells) and getattr(cells[i], "data_type", None) == "s":
                cells[i].alignment = WRAP
        self.ws.append(cells)
        if not self.table_ended:
            self.rows += 1

    def end_table(self):
        if not self.table_ended:
            self.ws.auto_filter.ref = f"A1:{get_column_letter(self.columns)}{self.rows}"
            self.table_ended = True


def _sheet(wb: Workbook, title: str, header: list[str], widths: list[int] | None = None) -> _Sheet:
    return _Sheet(wb, title, header, widths)


def _append(sheet: _Sheet, values):
    sheet.append(values)


def _xlsx_response(wb: Workbook, filename: str, sheets=()) -> HttpResponse:
    for sheet in sheets:
        sheet.end_table()
    buffer = io.BytesIO()
    wb.save(buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX), filename)


def overdue_xlsx(qs, *, now, cal, filename: str) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = _sheet(wb, _("Overdue work orders"), overdue_header(), [11, 26, 40, 24, 12, 24, 10, 17, 17, 10, 22, 8, 8])
    for wo in export_rows(qs):
        _append(ws, overdue_row(wo, now=now, cal=cal))
    return _xlsx_response(wb, filename, [ws])


# ---------------------------------------------------------------- scorecards

def scorecard_header() -> list[str]:
    return [_("Rank"), _("Member agency"), _("Received"), _("Answered"), _("Due in period"), _("Answered on time"),
            _("Answered late"), _("Past due without answer"), _("Not yet due"), _("On-time rate (%)"),
            _("Median response (working days)"), _("Mean response (working days)"), _("Overdue now"),
            _("Step 1 escalations"), _("Step 2 escalations"), _("Step 3 escalations"),
            _("Returns for supplement"), _("Extensions approved"), _("Last-place statement")]


def _flag(row) -> str:
    reasons = []
    if row.last_place:
        reasons.append(_("last place"))
    if row.below_threshold:
        reasons.append(_("below threshold"))
    return "、".join(reasons)


def scorecard_row(row) -> list:
    return [row.rank, row.agency.name, row.received, row.answered, row.due, row.on_time, row.late_answered,
            row.late_unanswered, row.pending, row.rate_percent, row.median_days, row.mean_days,
            row.overdue_now, row.esc_overdue, row.esc_center, row.esc_supervision, row.returns,
            row.extensions, _flag(row)]


def court_header() -> list[str]:
    return [_("Court"), _("Requests filed"), _("Answered"), _("Median waiting time (working days)"),
            _("Mean waiting time (working days)"), _("On-time rate (%)"), _("Open now"), _("Overdue now")]


def court_row(row) -> list:
    return [row.court.name, row.received, row.answered, row.median_days, row.mean_days, row.rate_percent,
            row.open_now, row.overdue_now]


def scorecards_xlsx(board, courts, *, filename: str) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = _sheet(wb, _("Agency scorecards"), scorecard_header(), [6, 30] + [11] * 17)
    for row in board.rows:
        _append(ws, scorecard_row(row))
    ws.end_table()
    _append(ws, [])
    _append(ws, [_("Period"), board.period.label, f"{board.period.start} – {board.period.end}"])
    _append(ws, [_("Threshold (%)"), float(board.policy.threshold_percent)])
    courts_ws = _sheet(wb, _("Courts"), court_header(), [30] + [12] * 7)
    for row in courts:
        _append(courts_ws, court_row(row))
    return _xlsx_response(wb, filename, [ws, courts_ws])


# ---------------------------------------------------------------- agenda

def agenda_header() -> list[str]:
    return [_("Member agency"), _("Reference"), _("Case number"), _("Court"), _("Subject"), _("Type"),
            _("Due"), _("Working days overdue"), _("Days since receipt"), _("Returns for supplement"),
            _("History")]


def agenda_xlsx(groups, *, meeting, filename: str) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = _sheet(wb, _("Joint-meeting agenda"), agenda_header(), [24, 11, 26, 24, 40, 12, 17, 10, 10, 8, 80])
    for group in groups:
        for item in group.items:
            wo = item.wo
            history = "\n".join(f"{_local(when)} {what}{('：' + note) if note else ''}"
                                for when, what, note in item.history)
            _append(ws, [group.name, wo.reference, wo.case.number, wo.court.name, wo.subject,
                       labels.type_label(wo.type), wo.due_at, item.working_days_overdue,
                       item.days_open, wo.return_count, history])
    ws.end_table()
    if meeting is not None:
        _append(ws, [])
        _append(ws, [_("Joint meeting"), meeting.held_on, meeting.title, meeting.location])
    return _xlsx_response(wb, filename, [ws])
