"""The list and work-order pages cost the same number of queries whatever the
number of rows: the same budget must hold for 5 rows and for 40."""
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Party
from tests.factories import at, duty, make_case
from workorders import services

pytestmark = pytest.mark.django_db

NOW = "2026-11-18 10:00"
# Session, user, roles (3), unread count, the page's own queries; measured, with a little headroom.
INBOX_BUDGET = 16
CASE_LIST_BUDGET = 13
CASE_DETAIL_BUDGET = 16
DETAIL_BUDGET = 19


def pdf(name="文书.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * 200, content_type="application/pdf")


def file_batch(judge, n, *, duty_code="L01", submitted_days_ago=0):
    """n submitted work orders to the police, on n cases (one batch)."""
    cases = [make_case(judge=judge) for _ in range(n)]
    d = duty(duty_code)
    items = [(c, c.parties.filter(role=Party.Role.RESPONDENT).first(), d, None) for c in cases]
    with time_machine.travel(at("2026-11-16 09:00" if submitted_days_ago else NOW), tick=False):
        services.work_orders_create_batch(actor=judge, items=items, subject="查询户籍")
    return cases


def _spread_states(judge, liaison, cases):
    """Put some rows in every inbox tab."""
    from workorders.models import WorkOrder

    orders = list(WorkOrder.objects.filter(case__in=cases).order_by("id"))
    with time_machine.travel(at(NOW), tick=False):
        for i, wo in enumerate(orders):
            if i % 4 == 1:
                services.work_order_sign(work_order=wo, actor=liaison)
            elif i % 4 == 2:
                services.work_order_sign(work_order=wo, actor=liaison)
                services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="已查到")
            elif i % 4 == 3:
                services.extension_request(work_order=wo, actor=liaison, days=2, reason="需调档")


@pytest.mark.parametrize("rows", [5, 40])
@pytest.mark.parametrize("tab", ["new", "progress", "due_soon", "overdue", "done"])
def test_inbox_query_budget(client, judge, liaison, rows, tab, django_assert_max_num_queries):
    cases = file_batch(judge, rows, submitted_days_ago=2)
    _spread_states(judge, liaison, cases)
    client.force_login(liaison)
    with time_machine.travel(at("2026-11-20 10:00"), tick=False):
        with django_assert_max_num_queries(INBOX_BUDGET):
            response = client.get(reverse("workorders:inbox"), {"tab": tab})
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 40])
def test_judge_requests_and_center_list_budget(client, judge, center, rows, django_assert_max_num_queries):
    file_batch(judge, rows)
    for user in (judge, center):
        client.force_login(user)
        with time_machine.travel(at(NOW), tick=False):
            with django_assert_max_num_queries(INBOX_BUDGET):
                assert client.get(reverse("workorders:inbox"), {"tab": "waiting"}).status_code == 200
            with django_assert_max_num_queries(INBOX_BUDGET + 4):
                assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("rows", [5, 40])
def test_case_list_query_budget(client, judge, rows, django_assert_max_num_queries):
    file_batch(judge, rows)
    client.force_login(judge)
    with django_assert_max_num_queries(CASE_LIST_BUDGET):
        response = client.get(reverse("cases:list"), {"q": "", "status": "", "mine": ""})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 25)
    with django_assert_max_num_queries(CASE_LIST_BUDGET):
        assert client.get(reverse("cases:list"), {"q": "被执行人"}).status_code == 200


@pytest.mark.parametrize("rows", [5, 40])
def test_case_detail_query_budget(client, judge, liaison, rows, django_assert_max_num_queries):
    case = make_case(judge=judge)
    respondent = case.parties.filter(role=Party.Role.RESPONDENT).first()
    with time_machine.travel(at(NOW), tick=False):
        services.work_orders_create_batch(
            actor=judge, items=[(case, respondent, duty("L01"), None)] * rows, subject="查询")
    client.force_login(judge)
    with django_assert_max_num_queries(CASE_DETAIL_BUDGET):
        response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    assert len(response.context["orders"]) == rows


@pytest.mark.parametrize("rows", [5, 40])
def test_work_order_page_query_budget(client, judge, liaison, rows, django_assert_max_num_queries, monkeypatch,
                                      tmp_path):
    """Many events, attachments and extension requests: still one query each."""
    from django.core.files.storage import FileSystemStorage

    from workorders.models import private_storage

    monkeypatch.setattr(private_storage, "_wrapped", FileSystemStorage(location=tmp_path))
    case = make_case(judge=judge)
    respondent = case.parties.filter(role=Party.Role.RESPONDENT).first()
    with time_machine.travel(at(NOW), tick=False):
        wo = services.work_order_create(actor=judge, case=case, duty=duty("L01"), respondent=respondent,
                                        subject="查询", attachments=[pdf(f"文书{i}.pdf") for i in range(rows // 5)],
                                        submit=True)
        for _ in range(rows):
            services.respondent_id_reveal(work_order=wo, actor=liaison)
        services.work_order_sign(work_order=wo, actor=liaison)
        services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="已查到",
                                   attachments=[pdf("答复.pdf")])
    for user in (liaison, judge):
        client.force_login(user)
        with time_machine.travel(at(NOW), tick=False):
            with django_assert_max_num_queries(DETAIL_BUDGET):
                response = client.get(reverse("workorders:detail", args=[wo.pk]))
        assert response.status_code == 200
        assert len(response.context["events"]) >= rows


def test_budgets_are_not_slack(client, judge, liaison):
    """Report the real counts when the budgets need adjusting (kept as a
    sanity check that the budget is close to what the page costs)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    file_batch(judge, 5)
    client.force_login(liaison)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("workorders:inbox"))
    assert len(ctx.captured_queries) <= INBOX_BUDGET
    assert len(ctx.captured_queries) >= INBOX_BUDGET - 8, [q["sql"][:120] for q in ctx.captured_queries]
