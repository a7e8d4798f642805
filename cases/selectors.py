from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from agencies.roles import roles_of

from .models import EnforcementCase, Party


def cases_for(user) -> QuerySet[EnforcementCase]:
    """Cases a user may see: judges their courts' cases; everyone else (liaisons,
    heads, API keys, center staff) the cases of work orders they may see, so a
    case whose only work orders were never submitted stays the court's alone."""
    roles = roles_of(user)
    qs = EnforcementCase.objects.select_related("court", "judge")
    if roles.is_superuser:
        return qs
    from workorders.selectors import work_orders_for

    q = Q(pk__in=work_orders_for(user).values("case_id"))
    if roles.court_ids:
        q |= Q(court_id__in=roles.court_ids)
    return qs.filter(q)


def get_case_for(user, pk) -> EnforcementCase:
    """The case if the user may see it; 404 alike for missing and foreign."""
    try:
        return cases_for(user).get(pk=pk)
    except (EnforcementCase.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case")


def party_scope(user) -> Q:
    """The one rule of which parties of a visible case a user sees.

    The court side (judges of the case's court; center staff for courts under
    their centers) sees every party. An agency side (liaison, head, API key;
    center staff for agencies under them) sees only the respondents its work
    orders name, every respondent when a work order concerns the case as a
    whole (no respondent), and never the applicant."""
    from workorders.models import WorkOrder

    roles = roles_of(user)
    if roles.is_superuser:
        return Q()
    q = Q(pk__in=[])
    court_ids = roles.court_ids | (roles.center_court_ids if roles.center_ids else frozenset())
    if court_ids:
        q |= Q(case__court_id__in=court_ids)
    agency_ids = roles.agency_ids | (roles.center_agency_ids if roles.center_ids else frozenset())
    if agency_ids:
        sent = WorkOrder.objects.ever_submitted().filter(agency_id__in=agency_ids)
        q |= Q(pk__in=sent.filter(respondent__isnull=False).values("respondent_id"))
        q |= Q(role=Party.Role.RESPONDENT, case_id__in=sent.filter(respondent__isnull=True).values("case_id"))
    return q


def parties_for(user) -> QuerySet[Party]:
    """Parties the user may see (of any case), in display order."""
    return Party.objects.filter(party_scope(user)).order_by("role", "id")


def sees_all_parties(user, case) -> bool:
    roles = roles_of(user)
    return roles.is_superuser or case.court_id in roles.court_ids or (
        bool(roles.center_ids) and case.court_id in roles.center_court_ids)


def prefetch_parties(user, to_attr=None) -> Prefetch:
    """`case.parties` limited to what the user may see, for lists and the API."""
    return Prefetch("parties", queryset=parties_for(user), **({"to_attr": to_attr} if to_attr else {}))


def cases_filable_by(user) -> QuerySet[EnforcementCase]:
    """Cases a user may file work orders on: judges, their own courts' cases."""
    roles = roles_of(user)
    qs = EnforcementCase.objects.select_related("court")
    if roles.is_superuser:
        return qs
    return qs.filter(court_id__in=roles.court_ids)


def case_list_for(user, *, text: str = "", status: str = "", mine: bool = False, now=None) -> QuerySet[EnforcementCase]:
    """The case list: the user's cases, found by number or by the name of a party
    the user may see (a name must not find a case through a hidden party), with
    `open_orders` and `overdue_orders` counted over the work orders the user may
    see, and the visible parties prefetched."""
    from django.db.models import Count, Exists, OuterRef
    from django.utils import timezone

    from workorders.models import ACTIVE, overdue_q
    from workorders.selectors import work_orders_for

    qs = cases_for(user)
    text = (text or "").strip()
    if text:
        named = parties_for(user).filter(case=OuterRef("pk"), name__icontains=text)
        qs = qs.filter(Q(number__icontains=text) | Exists(named))
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(judge=user)
    visible = Q(work_orders__in=work_orders_for(user))
    return qs.annotate(
        open_orders=Count("work_orders", distinct=True,
                          filter=visible & Q(work_orders__status__in=[s.value for s in ACTIVE])),
        overdue_orders=Count("work_orders", distinct=True,
                             filter=visible & overdue_q(now or timezone.now(), "work_orders")),
    ).prefetch_related(prefetch_parties(user))
