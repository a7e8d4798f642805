"""The notification centre: unread count in every page's header, the list,
marking read, and opening the work order."""
import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.factories import make_work_order
from workorders import services
from workorders.models import Status

pytestmark = pytest.mark.django_db


def badge(response):
    html = response.content.decode()
    marker = 'data-unread="'
    return int(html.split(marker, 1)[1].split('"', 1)[0]) if marker in html else 0


def test_unread_count_and_open_marks_read(client, judge, liaison, case):
    wo = make_work_order(case=case, judge=judge, status=Status.SIGNED)
    services.work_order_answer(work_order=wo, actor=liaison, outcome="found", result_text="已查到")
    client.force_login(judge)
    home = client.get(reverse("home"))
    assert badge(home) == 1
    listing = client.get(reverse("notifications:list"))
    html = listing.content.decode()
    assert f"{wo.reference} 已答复" in html and 'class="unread"' in html
    assert reverse("workorders:detail", args=[wo.pk]) in html
    # Opening the work order reads its notices.
    client.get(reverse("workorders:detail", args=[wo.pk]))
    assert badge(client.get(reverse("home"))) == 0
    assert Notification.objects.get(recipient=judge).read_at is not None


def test_mark_one_and_all(client, judge, liaison, case):
    first = make_work_order(case=case, judge=judge)
    make_work_order(case=case, judge=judge)
    client.force_login(liaison)
    mine = list(Notification.objects.filter(recipient=liaison))
    assert len(mine) == 2 and badge(client.get(reverse("home"))) == 2
    response = client.post(reverse("notifications:read", args=[mine[0].pk]),
                           {"next": reverse("notifications:list")})
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    assert badge(client.get(reverse("home"))) == 1
    unread = client.get(reverse("notifications:list"), {"unread": "1"})
    assert len(unread.context["page"].object_list) == 1
    response = client.post(reverse("notifications:read_all"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")   # never an outside address
    assert badge(client.get(reverse("home"))) == 0
    assert first.pk


def test_badge_fragment_and_foreign_notices(client, judge, judge2, liaison, case):
    make_work_order(case=case, judge=judge)
    notice = Notification.objects.get(recipient=liaison)
    client.force_login(liaison)
    fragment = client.get(reverse("notifications:badge"))
    assert fragment.status_code == 200 and 'data-unread="1"' in fragment.content.decode()
    client.force_login(judge2)
    assert client.post(reverse("notifications:read", args=[notice.pk])).status_code == 404
    assert client.get(reverse("notifications:read", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None
    assert f"{notice.title}" not in client.get(reverse("notifications:list")).content.decode()


def test_notifications_page_and_links(client, judge, liaison, case):
    make_work_order(case=case, judge=judge, status=Status.RETURNED)
    client.force_login(judge)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "退回补正" in html and "请补充" in html
