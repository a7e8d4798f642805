"""Reads. Every page, API view and export gets its work orders from here, so
they can never disagree about who sees what."""
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from agencies.roles import roles_of

from .models import EVER_SUBMITTED, Attachment, ExtensionRequest, WorkOrder, WorkOrderBatch


def work_order_scope(user) -> Q:
    """The one rule of who sees which work order.

    Judges: their courts' work orders, whatever their status. Liaisons and heads
    (and their API keys): their agency's that were ever submitted. Center staff:
    those ever submitted to agencies under their centers or by courts under them.
    A work order never submitted is the court's alone, even once withdrawn.
    Superusers: all."""
    roles = roles_of(user)
    if roles.is_superuser:
        return Q()
    q = Q(pk__in=[])
    if roles.court_ids:
        q |= Q(court_id__in=roles.court_ids)
    if roles.agency_ids:
        q |= Q(agency_id__in=roles.agency_ids) & EVER_SUBMITTED
    if roles.center_ids:
        q |= (Q(agency_id__in=roles.center_agency_ids) | Q(court_id__in=roles.center_court_ids)) & EVER_SUBMITTED
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


# ---------------------------------------------------------------- the other aggregates
# One fetch-and-authorize helper each: pages, API, exports and admin call these,
# and each answers 404 alike for "missing" and "not yours".

def attachments_for(user) -> QuerySet[Attachment]:
    """Attachments of the work orders the user may see."""
    return Attachment.objects.filter(work_order__in=work_orders_for(user).values("pk"))


def get_attachment_for(user, pk) -> Attachment:
    """An attachment of a work order the user may see; 404 alike for missing and foreign."""
    try:
        return attachments_for(user).select_related("work_order").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such attachment")


def batches_for(user) -> QuerySet[WorkOrderBatch]:
    """Batches are the court's: the judge who filed one and the judges of its court."""
    roles = roles_of(user)
    qs = WorkOrderBatch.objects.select_related("court", "created_by")
    if roles.is_superuser:
        return qs
    return qs.filter(Q(created_by=user) | Q(court_id__in=roles.court_ids)) if user.is_authenticated else qs.none()


def get_batch_for(user, pk) -> WorkOrderBatch:
    """The batch if the user may open it; 404 alike for missing and foreign."""
    try:
        return batches_for(user).get(pk=pk)
    except (WorkOrderBatch.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such batch")


def extensions_for(user) -> QuerySet[ExtensionRequest]:
    """Extension requests of the work orders the user may see."""
    return ExtensionRequest.objects.filter(work_order__in=work_orders_for(user).values("pk"))


def pending_extensions_for(user) -> QuerySet[ExtensionRequest]:
    """Pending requests the user may decide: a center administrator's, for work
    orders of agencies under his centers (superusers: all). Nobody else has any."""
    roles = roles_of(user)
    pending = extensions_for(user).filter(status=ExtensionRequest.Decision.PENDING)
    if roles.is_superuser:
        return pending
    return pending.filter(work_order__agency__center_id__in=roles.admin_center_ids)


def get_extension_for(user, pk) -> ExtensionRequest:
    """An extension request of a work order the user may see; 404 alike for missing and foreign."""
    try:
        return extensions_for(user).select_related("work_order").get(pk=pk)
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("No such extension request")


def get_pending_extension_for(user, work_order) -> ExtensionRequest:
    """The pending request of a work order the user may decide on; 404 when he may
    not see it. None pending (already decided) is a conflict, told in words."""
    from .errors import ConflictError

    get_work_order_for(user, work_order.pk)
    pending = ExtensionRequest.objects.filter(work_order=work_order,
                                              status=ExtensionRequest.Decision.PENDING).first()
    if pending is None:
        raise ConflictError(_("No extension request is waiting for a decision."))
    return pending


def open_duplicates(*, case, duty, respondent=None) -> QuerySet[WorkOrder]:
    """Open work orders (anything but closed or withdrawn, drafts included)
    asking the same thing: the same case, duty and respondent (None: the case
    as a whole). The one definition of "an identical open request", used by the
    filing service that pages and API call; newest first."""
    from .models import ACTIVE  # not CLOSED or WITHDRAWN

    return (WorkOrder.objects.filter(case=case, duty=duty, respondent=respondent)
            .filter(status__in=ACTIVE)
            .select_related("agency").order_by("-created_at", "-id"))
