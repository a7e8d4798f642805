"""XLSX exports read like spreadsheets: real date cells with a number format, a
frozen header row with an autofilter, long text wrapped, sensible widths; CSV
keeps its text dates."""
import csv
import io
from datetime import datetime

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from tests.factories import at, make_case, make_work_order
from tests.test_exports_safety import chronic  # noqa: F401  (fixture)
from workorders.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at("2026-11-18 10:00"), tick=False):
        yield


def sheet(response, index=0):
    return openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[index]


def test_overdue_xlsx_has_date_cells_frozen_header_filter_and_wrapping(client, chronic, center):  # noqa: F811
    client.force_login(center)
    ws = sheet(client.get(reverse("dashboards:overdue_export") + "?format=xlsx"))
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:M{ws.max_row}"
    submitted, due = ws.cell(row=2, column=8), ws.cell(row=2, column=9)
    assert isinstance(due.value, datetime) and due.value == datetime(2026, 11, 3, 18, 0)
    assert due.number_format == "yyyy-mm-dd hh:mm" and isinstance(submitted.value, datetime)
    assert ws.column_dimensions["C"].width >= 30
    assert ws.cell(row=2, column=3).alignment.wrap_text


def test_overdue_csv_keeps_text_dates(client, chronic, center):  # noqa: F811
    client.force_login(center)
    body = b"".join(client.get(reverse("dashboards:overdue_export") + "?format=csv").streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][8] == "2026-11-03 18:00"


def test_agenda_and_scorecards_xlsx_are_filterable_with_frozen_headers(client, chronic, center):  # noqa: F811
    client.force_login(center)
    ws = sheet(client.get(reverse("dashboards:agenda") + "?format=xlsx"))
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:K")
    assert isinstance(ws.cell(row=2, column=7).value, datetime)
    assert ws.cell(row=2, column=11).alignment.wrap_text      # the history
    ws = sheet(client.get(reverse("dashboards:scorecards_export") + "?kind=month&year=2026&month=11"))
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:S")
