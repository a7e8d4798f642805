"""Who may open the dashboards and which slice each one sees.

Center admins and supervisors see everything under their centers, agency heads
their own agency, superusers all; judges and liaisons get 403. Live numbers
start from `workorders.selectors.work_orders_for` and are only narrowed here,
so a dashboard can never show a work order its user could not open; the rollup
tables carry (agency, court) and are narrowed by the same rule.
"""
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from agencies.models import Agency
from agencies.roles import roles_of
from cases.models import Court
from workorders.models import WorkOrder
from workorders.selectors import work_orders_for


def can_view(user) -> bool:
    roles = roles_of(user)
    return roles.is_superuser or bool(roles.center_ids) or bool(roles.head_agency_ids)


def require_view(user) -> None:
    if not can_view(user):
        raise PermissionDenied


def _slice_q(user) -> Q:
    """For work orders and rollup rows alike (both carry agency and court)."""
    roles = roles_of(user)
    if roles.is_superuser:
        return Q()
    q = Q(pk__in=[])
    if roles.center_ids:
        q |= Q(agency_id__in=roles.center_agency_ids) | Q(court_id__in=roles.center_court_ids)
    if roles.head_agency_ids:
        q |= Q(agency_id__in=roles.head_agency_ids)
    return q


def work_orders(user) -> QuerySet[WorkOrder]:
    """The work orders a dashboard user sees: the selector's set, narrowed to the
    dashboard slice (a head who is also a liaison elsewhere sees only his own
    agency here)."""
    return work_orders_for(user).filter(_slice_q(user))


def rollup_q(user) -> Q:
    """The same slice for a rollup model with `agency` and `court` foreign keys."""
    return _slice_q(user)


def agencies(user) -> QuerySet[Agency]:
    """Agencies a user's dashboards list: those under his centers, his own as
    head, all for superusers."""
    roles = roles_of(user)
    qs = Agency.objects.all()
    if roles.is_superuser:
        return qs
    q = Q(pk__in=[])
    if roles.center_ids:
        q |= Q(center_id__in=roles.center_ids)
    if roles.head_agency_ids:
        q |= Q(pk__in=roles.head_agency_ids)
    return qs.filter(q)


def courts(user) -> QuerySet[Court]:
    """Courts offered as a filter (any court may file to any agency; the slice
    itself comes from `work_orders`)."""
    return Court.objects.all() if can_view(user) else Court.objects.none()
