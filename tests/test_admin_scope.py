"""The admin reads aggregates through the same fetch-and-authorize selectors as
pages and API: a staff user who is not a superuser sees only his own scope."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import make_case, make_work_order
from workorders.models import Status


@pytest.fixture
def staff_liaison(liaison):
    liaison.is_staff = True
    liaison.save(update_fields=["is_staff"])
    liaison.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_workorder", "view_enforcementcase", "view_notification"]))
    return liaison


@pytest.mark.django_db
def test_staff_see_only_their_scope_in_the_admin(client, staff_liaison, admin_user, judge):
    mine = make_work_order(case=make_case(judge=judge), judge=judge, duty_code="L01")
    draft = make_work_order(case=make_case(judge=judge), judge=judge, duty_code="L01", status=Status.DRAFT)
    other = make_work_order(case=make_case(judge=judge), judge=judge, duty_code="P01")
    client.force_login(staff_liaison)
    html = client.get(reverse("admin:workorders_workorder_changelist")).content.decode()
    assert mine.reference in html
    assert draft.reference not in html and other.reference not in html
    # Foreign and never-submitted alike: the change view is not found.
    for wo in (draft, other):
        response = client.get(reverse("admin:workorders_workorder_change", args=[wo.pk]), follow=True)
        assert wo.subject not in response.content.decode()
    cases = client.get(reverse("admin:cases_enforcementcase_changelist")).content.decode()
    assert mine.case.number in cases and other.case.number not in cases and draft.case.number not in cases
    # A superuser still sees everything.
    client.force_login(admin_user)
    html = client.get(reverse("admin:workorders_workorder_changelist")).content.decode()
    assert mine.reference in html and draft.reference in html and other.reference in html
