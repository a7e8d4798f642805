from django.db.models import Q, QuerySet
from django.http import Http404

from agencies.roles import roles_of

from .models import EnforcementCase


def cases_for(user) -> QuerySet[EnforcementCase]:
    """Cases a user may see: judges their courts', center staff those of courts
    under their centers or with work orders to agencies under them, liaisons those
    with a work order to their agency."""
    roles = roles_of(user)
    qs = EnforcementCase.objects.select_related("court", "judge")
    if roles.is_superuser:
        return qs
    q = Q(pk__in=[])
    if roles.court_ids:
        q |= Q(court_id__in=roles.court_ids)
    if roles.center_ids:
        q |= Q(court_id__in=roles.center_court_ids)
        q |= Q(pk__in=_case_ids_with_orders(agency_id__in=roles.center_agency_ids))
    if roles.agency_ids:
        q |= Q(pk__in=_case_ids_with_orders(agency_id__in=roles.agency_ids))
    return qs.filter(q)


def _case_ids_with_orders(**lookup):
    from workorders.models import Status, WorkOrder

    return WorkOrder.objects.filter(**lookup).exclude(status=Status.DRAFT).values("case_id")


def get_case_for(user, pk) -> EnforcementCase:
    try:
        return cases_for(user).get(pk=pk)
    except (EnforcementCase.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case")


def cases_filable_by(user) -> QuerySet[EnforcementCase]:
    """Cases a user may file work orders on: judges, their own courts' cases."""
    roles = roles_of(user)
    qs = EnforcementCase.objects.select_related("court")
    if roles.is_superuser:
        return qs
    return qs.filter(court_id__in=roles.court_ids)
