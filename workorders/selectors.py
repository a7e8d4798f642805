"""Reads. Every page, API view and export gets its work orders from here, so
they can never disagree about who sees what."""
from django.db.models import Q, QuerySet
from django.http import Http404

from agencies.roles import roles_of

from .models import Status, WorkOrder


def work_order_scope(user) -> Q:
    """The one rule of who sees which work order.

    Judges: their courts' work orders. Liaisons and heads: their agency's,
    drafts excluded. Center staff: those sent to agencies under their centers or
    filed by courts under them, drafts excluded. Superusers: all."""
    roles = roles_of(user)
    if roles.is_superuser:
        return Q()
    q = Q(pk__in=[])
    if roles.court_ids:
        q |= Q(court_id__in=roles.court_ids)
    not_draft = ~Q(status=Status.DRAFT)
    if roles.agency_ids:
        q |= Q(agency_id__in=roles.agency_ids) & not_draft
    if roles.center_ids:
        q |= (Q(agency_id__in=roles.center_agency_ids) | Q(court_id__in=roles.center_court_ids)) & not_draft
    return q


def work_orders_for(user) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(work_order_scope(user))


def work_orders_for_list(user) -> QuerySet[WorkOrder]:
    return work_orders_for(user).select_related("case", "court", "agency", "duty", "judge", "respondent")


def duties_filable_by(user):
    """Duties a judge may file: active ones of active agencies under his courts'
    linkage centers or the centers above them (a district court files to the
    city's member agencies too, never to another center's). The filing service
    enforces the same rule."""
    from agencies.models import Duty
    from agencies.selectors import centers_with_ancestors
    from cases.models import Court

    qs = Duty.objects.filter(is_active=True, agency__is_active=True).select_related("agency").order_by("code")
    roles = roles_of(user)
    if roles.is_superuser:
        return qs
    court_centers = list(Court.objects.filter(pk__in=roles.court_ids).values_list("center_id", flat=True))
    if None in court_centers:   # a court outside any center may ask every agency
        return qs
    return qs.filter(agency__center_id__in=centers_with_ancestors(court_centers))


def get_work_order_for(user, pk) -> WorkOrder:
    """The work order if the user may see it; 404 alike for missing and foreign."""
    try:
        return work_orders_for_list(user).get(pk=pk)
    except (WorkOrder.DoesNotExist, ValueError, TypeError):
        raise Http404("No such work order")


def open_duplicates(*, case, duty, respondent=None) -> QuerySet[WorkOrder]:
    """Open work orders (anything but closed or withdrawn, drafts included)
    asking the same thing: the same case, duty and respondent (None: the case
    as a whole). The one definition of "an identical open request", used by the
    filing service that pages and API call; newest first."""
    from .models import ACTIVE  # not CLOSED or WITHDRAWN

    return (WorkOrder.objects.filter(case=case, duty=duty, respondent=respondent)
            .filter(status__in=ACTIVE)
            .select_related("agency").order_by("-created_at", "-id"))
