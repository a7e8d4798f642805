"""Dashboard pages and exports: who may open them, what each role sees, what
the exports contain, the list's filters and sorting, and a constant number of
SQL queries per page whatever the number of rows."""
import csv
import io

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse

from agencies.models import Agency, LinkageCenter
from django.utils import translation
from django.utils.translation import gettext as _

from dashboards import exports, labels, urls as dashboard_urls
from dashboards.services import refresh_rollups
from tests.factories import at, make_case, make_work_order
from workorders.models import Escalation, EscalationStep, Status, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

NOW = "2026-11-18 10:00"   # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(NOW), tick=False):
        yield


def file(case, judge, when, duty="L01", status=Status.SIGNED):
    with time_machine.travel(at(when), tick=False):
        wo = make_work_order(case=case, judge=judge, duty_code=duty, status=status, now=at(when))
    return wo


def escalate(wo, level):
    """Test setup: the ladder fired up to `level` (the sweep is tested elsewhere)."""
    Escalation.objects.bulk_create([
        Escalation(work_order=wo, step=s, due_at=wo.due_at, fired_at=wo.due_at)
        for s in range(EscalationStep.OVERDUE, level + 1)
    ])
    WorkOrder.objects.filter(pk=wo.pk).update(escalation_level=level)


@pytest.fixture
def data(ref, judge, judge2):
    """Overdue at PSB (step 1 and step 3) and PLAN (step 2), one PSB not yet due,
    one answered; a case of another court (津0101, under the 和平 center)."""
    case, case2 = make_case(judge=judge), make_case(court_code="津0101", judge=judge2)
    wo = {
        "psb_late": file(case, judge, "2026-11-09 10:00"),
        "psb_chronic": file(case, judge, "2026-11-02 10:00", duty="L03"),
        "plan_late": file(case2, judge2, "2026-11-05 10:00", duty="P01"),
        "psb_open": file(case, judge, "2026-11-18 09:00"),
        "psb_done": file(case, judge, "2026-11-10 10:00", status=Status.ANSWERED),
    }
    escalate(wo["psb_late"], EscalationStep.OVERDUE)
    escalate(wo["psb_chronic"], EscalationStep.SUPERVISION)
    escalate(wo["plan_late"], EscalationStep.CENTER)
    refresh_rollups(now=at(NOW))
    for w in wo.values():
        w.refresh_from_db()
    return wo


# ---------------------------------------------------------------- access

def dashboard_urls_to_check():
    """Every route of the app (so that a new one cannot be left out), with each
    export format."""
    out = []
    for pattern in dashboard_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        url = reverse(f"dashboards:{pattern.name}")
        if pattern.name == "overdue_export":
            out += [url + "?format=csv", url + "?format=xlsx"]
        elif pattern.name == "agenda":
            out += [url, url + "?format=xlsx"]
        else:
            out.append(url)
    return out


ALLOWED = {"head", "center", "supervisor", "admin"}
DENIED = {"judge", "liaison", "liaison2"}


@pytest.mark.parametrize("role", sorted(ALLOWED | DENIED | {"anonymous"}))
def test_access_matrix(client, data, role):
    from tests.factories import user

    if role != "anonymous":
        client.force_login(user(role))
    for url in dashboard_urls_to_check():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and reverse("login") in response["Location"], url
        elif role in DENIED:
            assert response.status_code == 403, url
        else:
            assert response.status_code == 200, (url, response.status_code)


def overdue_refs(response):
    return [wo.reference for wo, _ in response.context["rows"]]


def test_each_role_sees_its_slice(client, data, head, center, supervisor):
    everything = sorted([data["psb_late"].reference, data["psb_chronic"].reference, data["plan_late"].reference])
    for who in (center, supervisor):
        client.force_login(who)
        assert sorted(overdue_refs(client.get(reverse("dashboards:overdue")))) == everything
    client.force_login(head)
    page = client.get(reverse("dashboards:overdue"))
    assert sorted(overdue_refs(page)) == sorted([data["psb_late"].reference, data["psb_chronic"].reference])
    assert page.context["totals"].open == 3 and page.context["totals"].overdue == 2
    assert [r.name for r in page.context["table"]] == ["市公安局"]
    board = client.get(reverse("dashboards:scorecards")).context["board"]
    assert [r.agency.code for r in board.rows] == ["PSB"]
    courts = client.get(reverse("dashboards:courts")).context["rows"]
    assert [r.court.code for r in courts] == ["津0105"]
    sup = client.get(reverse("dashboards:supervision")).context["rows"]
    assert [wo.reference for wo, _ in sup] == [data["psb_chronic"].reference]


def test_a_district_center_sees_what_its_courts_filed(client, data, django_user_model):
    from agencies.models import CenterMembership

    district = django_user_model.objects.create_user("hp_admin", password="x")
    CenterMembership.objects.create(user=district, center=LinkageCenter.objects.get(code="TJ-HP"), role="admin")
    client.force_login(district)
    assert overdue_refs(client.get(reverse("dashboards:overdue"))) == [data["plan_late"].reference]
    rows = client.get(reverse("dashboards:courts")).context["rows"]
    assert [r.court.code for r in rows] == ["津0101"]


# ---------------------------------------------------------------- content

def test_totals_table_and_step_counts(client, data, center):
    client.force_login(center)
    ctx = client.get(reverse("dashboards:overdue")).context
    totals = ctx["totals"]
    assert (totals.open, totals.overdue, totals.due_today, totals.due_soon, totals.provisional) == (4, 3, 0, 1, 0)
    assert [(level, n) for level, _, n in totals.by_step] == [(2, 1), (3, 1), (4, 1)]
    assert ctx["table_total"].open == 4 and ctx["table_total"].overdue == 3
    assert sum(n for _, n in ctx["aging"]) == 3
    assert ctx["trend"].open[-1] == 4 and ctx["trend"].overdue[-1] == 3


def test_supervision_list_and_agenda(client, data, center):
    client.force_login(center)
    rows = client.get(reverse("dashboards:supervision")).context["rows"]
    assert [wo.reference for wo, _ in rows] == [data["plan_late"].reference, data["psb_chronic"].reference]
    page = client.get(reverse("dashboards:agenda"))
    groups = page.context["groups"]
    assert [(g.name, [i.wo.reference for i in g.items]) for g in groups] == [
        ("市公安局", [data["psb_chronic"].reference])]
    item = groups[0].items[0]
    assert item.working_days_overdue >= 3
    whats = [what for _, what, _ in item.history]
    assert labels.event_label("submitted") in whats
    assert labels.step_label(EscalationStep.SUPERVISION) in whats
    assert "data-print" in page.content.decode()


def parse_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def parse_xlsx(response, sheet=0):
    wb = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    ws = wb.worksheets[sheet]
    return ws.title, [list(r) for r in ws.iter_rows(values_only=True)]


def test_overdue_exports_hold_the_filtered_scoped_rows(client, data, center, head):
    url = reverse("dashboards:overdue_export")
    client.force_login(center)
    rows = parse_csv(client.get(url + "?format=csv"))
    assert rows[0] == exports.overdue_header()
    assert [r[0] for r in rows[1:]] == [data["plan_late"].reference, data["psb_chronic"].reference,
                                        data["psb_late"].reference]          # oldest deadline first
    chronic = rows[2]
    assert chronic[1] == data["psb_chronic"].case.number and chronic[3] == "市公安局"
    assert chronic[4] == labels.type_label("coordination")
    assert chronic[10] == labels.step_label(EscalationStep.SUPERVISION) and int(chronic[9]) >= 3

    plan = Agency.objects.get(code="PLAN")
    title, sheet = parse_xlsx(client.get(url + f"?format=xlsx&agency={plan.pk}"))
    assert title == _("Overdue work orders")
    assert sheet[0] == exports.overdue_header()
    assert [r[0] for r in sheet[1:]] == [data["plan_late"].reference]
    response = client.get(url + "?format=xlsx")
    assert response["Content-Type"] == exports.XLSX and "attachment" in response["Content-Disposition"]

    client.force_login(head)
    refs = [r[0] for r in parse_csv(client.get(url + "?format=csv"))[1:]]
    assert sorted(refs) == sorted([data["psb_chronic"].reference, data["psb_late"].reference])
    refs = [r[0] for r in parse_xlsx(client.get(url + f"?format=xlsx&agency={plan.pk}"))[1][1:]]
    # Another agency is not a choice for a head: the filter is dropped, the scope stays.
    assert data["plan_late"].reference not in refs and len(refs) == 2
    assert client.get(url + "?format=pdf").status_code == 400


def test_scorecards_export(client, data, center):
    client.force_login(center)
    response = client.get(reverse("dashboards:scorecards_export") + "?kind=month&year=2026&month=11")
    assert "scorecards-20261101-20261130.xlsx" in response["Content-Disposition"]
    title, sheet = parse_xlsx(response)
    assert title == _("Agency scorecards") and sheet[0] == exports.scorecard_header()
    psb = next(r for r in sheet if r[1] == "市公安局")
    with translation.override("en"):
        values = dict(zip(exports.scorecard_header(), psb))
    assert values["Received"] == 4 and values["Due in period"] == 4 and values["Answered on time"] == 1
    assert values["Past due without answer"] == 2 and values["Not yet due"] == 1
    assert values["On-time rate (%)"] == 33.3 and values["Overdue now"] == 2
    assert values["Last-place statement"] == _("below threshold")      # PLAN (0%) is last
    plan = next(r for r in sheet if r[1] == "市规划和自然资源局（不动产登记）")
    with translation.override("en"):
        assert dict(zip(exports.scorecard_header(), plan))["Rank"] == 2
    title, courts = parse_xlsx(response, sheet=1)
    assert title == _("Courts") and {r[0] for r in courts[1:]} == {"天津市河北区人民法院", "天津市和平区人民法院"}


def test_agenda_export(client, data, center):
    client.force_login(center)
    title, sheet = parse_xlsx(client.get(reverse("dashboards:agenda") + "?format=xlsx"))
    assert title == _("Joint-meeting agenda") and sheet[0] == exports.agenda_header()
    assert [(r[0], r[1]) for r in sheet[1:]] == [("市公安局", data["psb_chronic"].reference)]
    assert labels.step_label(EscalationStep.SUPERVISION) in sheet[1][-1]


# ---------------------------------------------------------------- filters and sorting

def refs_for(client, query):
    return overdue_refs(client.get(reverse("dashboards:overdue") + "?" + query))


def test_filters(client, data, center):
    client.force_login(center)
    late, chronic, plan = data["psb_late"].reference, data["psb_chronic"].reference, data["plan_late"].reference
    assert refs_for(client, "step=4") == [chronic]
    assert refs_for(client, "type=coordination") == [chronic]
    assert refs_for(client, f"court={data['plan_late'].court_id}") == [plan]
    assert refs_for(client, f"center={LinkageCenter.objects.get(code='TJ-HP').pk}") == [plan]
    assert refs_for(client, "q=" + data["plan_late"].case.number[-8:]) == [plan]
    assert refs_for(client, "due_after=2026-11-07&due_before=2026-11-10") == [chronic, late]
    assert refs_for(client, "due_before=2026-11-06") == [plan]
    assert refs_for(client, "submitted_after=2026-11-09") == [late]


def test_sorting_on_allowed_columns_only(client, data, center):
    client.force_login(center)
    default = refs_for(client, "")
    assert refs_for(client, "ordering=-due") == default[::-1]
    assert refs_for(client, "ordering=subject") == default        # not allowed: ignored
    assert refs_for(client, "ordering=-step") == [data["psb_chronic"].reference, data["plan_late"].reference,
                                                  data["psb_late"].reference]


def clone_overdue(wo, n):
    """n copies of an overdue work order with its events (test setup, no services)."""
    events = list(WorkOrderEvent.objects.filter(work_order=wo))
    copies = []
    for _ in range(n):
        copy = WorkOrder.objects.get(pk=wo.pk)
        copy.pk = None
        copies.append(copy)
    WorkOrder.objects.bulk_create(copies)
    WorkOrderEvent.objects.bulk_create([
        WorkOrderEvent(work_order=c, action=e.action, from_status=e.from_status, to_status=e.to_status,
                       details=e.details, actor_id=e.actor_id) for c in copies for e in events])
    Escalation.objects.bulk_create([Escalation(work_order=c, step=x.step, due_at=x.due_at, fired_at=x.fired_at)
                                    for c in copies for x in Escalation.objects.filter(work_order=wo)])
    return copies


def test_pagination(client, data, center):
    clone_overdue(data["psb_late"], 50)
    client.force_login(center)
    first = client.get(reverse("dashboards:overdue"))
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.count == 53
    second = refs_for(client, "page=2&ordering=due")
    assert len(second) == 3
    assert not set(second) & set(overdue_refs(client.get(reverse("dashboards:overdue") + "?ordering=due")))


# ---------------------------------------------------------------- query budget

PAGES = ["dashboards:overdue", "dashboards:scorecards", "dashboards:courts", "dashboards:supervision",
         "dashboards:agenda"]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_rows(client, data, center, django_assert_max_num_queries):
    client.force_login(center)
    urls = [reverse(name) for name in PAGES] + [
        reverse("dashboards:overdue_export") + "?format=csv", reverse("dashboards:overdue_export") + "?format=xlsx",
        reverse("dashboards:scorecards_export"), reverse("dashboards:agenda") + "?format=xlsx"]
    few = {url: count_queries(client, url) for url in urls}
    for wo in ("psb_late", "psb_chronic", "plan_late"):
        clone_overdue(data[wo], 12)
    refresh_rollups(now=at(NOW))
    for url in urls:
        assert few[url] <= 25, (url, few[url])
        with django_assert_max_num_queries(few[url]):
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
    assert len(client.get(reverse("dashboards:agenda")).context["groups"][0].items) == 13
