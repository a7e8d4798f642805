"""Notices in the reader's language: the notification centre, the home page and
the API render them for whoever reads; e-mails are written in the recipient's
chosen language, with greeting, court, case number, subject, deadline and links,
as text and HTML; the language switch remembers the choice."""
import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Notification, Preference
from notifications.services import deliver_pending_emails, preferred_language
from tests.factories import at, duty, make_case, make_work_order
from workorders import services
from workorders.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at("2026-11-18 10:00"), tick=False):
        yield


def english(user):
    Preference.objects.update_or_create(user=user, defaults={"language": "en"})


def html_part(message):
    return next(body for body, kind in message.alternatives if kind == "text/html")


def test_a_notice_reads_in_english_for_an_english_reader(client, case, judge, liaison):
    wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    notice = Notification.objects.get(recipient=liaison, work_order=wo, kind="assigned")
    assert "新" in notice.title        # the stored fallback stays in the platform language
    assert notice.params["ref"] == wo.reference
    client.force_login(liaison)
    page = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="en")
    client.cookies.load({"django_language": "en"})
    page = client.get(reverse("notifications:list")).content.decode()
    assert f"New work order {wo.reference}" in page and notice.title not in page
    home = client.get(reverse("home")).content.decode()
    assert f"New work order {wo.reference}" in home
    api = APIClient()
    api.force_login(liaison)
    data = api.get(reverse("api:notification-list"), HTTP_ACCEPT_LANGUAGE="en").json()
    item = next(r for r in data["results"] if r["id"] == notice.pk)
    assert item["title"].startswith(f"New work order {wo.reference}") and "Due 2026-11-19 18:00." in item["body"]
    # Chinese readers get Chinese.
    client.cookies.load({"django_language": "zh-hans"})
    assert notice.title in client.get(reverse("notifications:list")).content.decode()


def test_escalation_notices_render_per_reader(ref, case, judge, liaison):
    from django.utils import translation

    from workorders.sweep import escalate_due

    with time_machine.travel(at("2026-11-10 10:00"), tick=False):
        wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    escalate_due(now=at("2026-11-18 10:00"))
    notice = Notification.objects.filter(recipient=liaison, work_order=wo, kind="escalation").first()
    assert notice is not None and notice.params.get("msg", "").startswith("escalation_")
    with translation.override("en"):
        assert "overdue" in notice.rendered().title
    assert "overdue" not in notice.title


def test_old_notices_without_params_show_their_stored_title(case, judge, liaison):
    n = Notification.objects.create(recipient=liaison, kind="assigned", title="旧通知标题", body="旧正文")
    assert n.rendered("en").title == "旧通知标题" and n.rendered("en").body == "旧正文"


def test_the_email_is_in_the_recipients_language_with_court_case_deadline_and_links(case, judge, liaison):
    english(liaison)
    wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    mail.outbox.clear()
    deliver_pending_emails()
    sent = next(m for m in mail.outbox if m.to == [liaison.email])
    assert sent.subject == f"New work order {wo.reference}: {wo.subject}"
    text = sent.body
    assert text.startswith("Dear ")
    assert wo.court.name in text and wo.case.number in text and wo.subject in text
    assert "Deadline: 2026-11-19 18:00" in text
    assert reverse("workorders:detail", args=[wo.pk]) in text
    html = html_part(sent)
    assert "<p>Dear " in html and wo.case.number in html and f'href="http' in html
    # The judge kept the default: Chinese.
    assert preferred_language(judge) == "zh-hans"


def test_a_withdrawal_says_what_happened_not_just_a_url(case, judge, liaison):
    # A submitted request now needs a reason to be withdrawn; the mail still carries
    # the greeting, court and case, not only the reason and a link.
    wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    services.work_order_withdraw(work_order=wo, actor=judge, reason="已自行履行")
    mail.outbox.clear()
    deliver_pending_emails()
    sent = next(m for m in mail.outbox if m.to == [liaison.email] and "撤回" in m.subject)
    assert "您好" in sent.body and wo.case.number in sent.body and wo.court.name in sent.body
    assert "已自行履行" in sent.body


def test_the_batch_mail_lists_its_work_orders_with_links(judge, liaison):
    english(liaison)
    items = [(make_case(judge=judge), None, duty("L01"), None) for _ in range(3)]
    batch = services.work_orders_create_batch(actor=judge, items=items, subject="批量查询")
    mail.outbox.clear()
    deliver_pending_emails()
    sent = next(m for m in mail.outbox if m.to == [liaison.email])
    assert batch.reference in sent.subject and sent.subject.startswith("3 new work orders")
    for wo in batch.work_orders.all() if hasattr(batch, "work_orders") else []:
        assert reverse("workorders:detail", args=[wo.pk]) in sent.body
    from workorders.models import WorkOrder
    assert judge.judge_memberships.first().court.name in sent.body
    for wo in WorkOrder.objects.filter(batch=batch):
        assert wo.case.number in sent.body and sent.body.count(wo.reference) == 1
        assert reverse("workorders:detail", args=[wo.pk]) in sent.body
        assert reverse("workorders:detail", args=[wo.pk]) in html_part(sent)


def test_switching_language_in_the_header_sets_the_email_language(client, liaison):
    from django.contrib.auth import get_user_model

    def preferred_language(user):   # a fresh read each time, as the e-mail job does
        from notifications.services import preferred_language as read
        return read(get_user_model().objects.get(pk=user.pk))

    client.force_login(liaison)
    r = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert r.status_code == 302
    assert preferred_language(liaison) == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert preferred_language(liaison) == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert preferred_language(liaison) == "zh-hans"


def test_escalation_steps_in_the_timeline_read_in_the_readers_language(ref, case, judge):
    from django.utils import translation

    from workorders.models import EscalationStep, WorkOrderEvent
    from workorders.sweep import escalate_due
    from workorders.views.common import describe_event

    with time_machine.travel(at("2026-11-10 10:00"), tick=False):
        wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    escalate_due(now=at("2026-11-18 10:00"))
    event = WorkOrderEvent.objects.filter(work_order=wo, action="escalated").first()
    assert event is not None
    with translation.override("en"):
        lines = describe_event(event)
        assert any(str(EscalationStep(event.details["step"]).label) == line for line in lines), lines
        assert not any("督办" in line or "超期" in line for line in lines), lines


def test_the_migration_gives_older_reference_only_notices_their_params(case, judge, liaison):
    import importlib

    from django.apps import apps
    from django.utils import translation

    migration = importlib.import_module("notifications.migrations.0004_params_preference")
    wo = make_work_order(case=case, judge=judge, status=Status.SUBMITTED)
    old = Notification.objects.create(recipient=liaison, kind="withdrawn", work_order=wo,
                                      title=f"{wo.reference} 已被法院撤回", body="当事人已履行")
    other = Notification.objects.create(recipient=liaison, kind="answered", work_order=wo, title="旧标题")
    migration.params_for_older_notices(apps, None)
    old.refresh_from_db(), other.refresh_from_db()
    assert old.params == {"ref": wo.reference} and other.params == {}
    with translation.override("en"):
        assert old.rendered().title == f"{wo.reference} withdrawn by the court"
        assert old.rendered().body == "当事人已履行" and other.rendered().title == "旧标题"
