"""The work-order lists as data: the tabs each side sees (agency, court, centre),
their counts, and the home page's summary. The pages are `views/inbox.py`; the
home page (enforcement_hub) reads `home_summary` from here."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agencies.roles import AGENCY_ROLES, Role, roles_of

from . import deadlines
from .models import Status, due_soon_q, overdue_q, running_q
from .selectors import work_orders_for

LIST_RELATED = ("case", "court", "agency", "duty", "respondent", "judge")


@dataclass(frozen=True)
class Tab:
    key: str
    label: Promise
    q: Q
    newest_first: bool = False


def agency_tabs(now, cal) -> list[Tab]:
    return [
        Tab("new", _("New"), Q(status=Status.SUBMITTED)),
        Tab("progress", _("In progress"), Q(status=Status.SIGNED)),
        Tab("due_soon", _("Due soon"), due_soon_q(now, cal)),
        Tab("overdue", _("Overdue"), overdue_q(now)),
        Tab("done", _("Done"), Q(status__in=[Status.ANSWERED, Status.CLOSED, Status.RETURNED, Status.WITHDRAWN]),
            newest_first=True),
    ]


def court_tabs(now) -> list[Tab]:
    return [
        Tab("action", _("Needs my action"), Q(status__in=[Status.ANSWERED, Status.RETURNED])),
        Tab("waiting", _("With the agency"), running_q()),
        Tab("overdue", _("Overdue"), overdue_q(now)),
        Tab("drafts", _("Drafts"), Q(status=Status.DRAFT)),
        Tab("done", _("Done"), Q(status__in=[Status.CLOSED, Status.WITHDRAWN]), newest_first=True),
    ]


def inbox_setup(user, now):
    """(queryset, tabs, side) for the user's list: agencies see their agency's
    work orders, judges their own requests, centre staff everything in scope."""
    from .views.common import warm_calendar  # presentation helpers; views import this module

    roles = roles_of(user)
    cal = deadlines.WorkingCalendar()
    today = deadlines.local(now).date()
    warm_calendar(cal, [], today)
    qs = work_orders_for(user)
    if roles.is_agency_member and roles.primary in AGENCY_ROLES:
        return qs.filter(agency_id__in=roles.agency_ids), agency_tabs(now, cal), "agency", cal
    if roles.primary == Role.JUDGE:
        return qs.filter(judge=user), court_tabs(now), "court", cal
    return qs.ever_submitted(), agency_tabs(now, cal), "center", cal


def tab_counts(qs, tabs) -> dict:
    return qs.aggregate(**{t.key: Count("pk", filter=t.q) for t in tabs})


def home_summary(user, now) -> dict:
    """Counts and the most urgent rows for the home page."""
    from .views.common import annotate_clock

    qs, tabs, side, cal = inbox_setup(user, now)
    counts = tab_counts(qs, tabs)
    urgent_q = running_q()
    if side == "court":
        urgent_q = Q(status__in=[Status.ANSWERED, Status.RETURNED]) | overdue_q(now)
    urgent = list(qs.filter(urgent_q).select_related(*LIST_RELATED).with_pending_extension()
                  .order_by(F("due_at").asc(nulls_last=True), "id")[:10])
    return {"tabs": [(t, counts[t.key]) for t in tabs], "side": side,
            "urgent": annotate_clock(urgent, now=now, cal=cal)}

