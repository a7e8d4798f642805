"""Every change to a work order happens here.

Each service locks the row, checks the actor and the transition, writes the
change and its audit event, and queues its notifications, in one transaction.
Views, API views, admin actions, tasks and commands all call these.
"""
from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Duty, LinkageCenter
from agencies.selectors import agency_staff, center_staff, centers_with_ancestors
from cases.models import Court, EnforcementCase, Party
from notifications.models import Notification
from notifications.services import notify

from . import deadlines, escalation
from .access import require
from .errors import ConflictError
from .files import check_upload
from .limits import REASON_MAX_LENGTH, TEXT_MAX_LENGTH, check_text
from .subjects import subject_for
from .models import (
    Attachment,
    EventAction,
    ExtensionRequest,
    FilingToken,
    Reply,
    Status,
    WorkOrder,
    WorkOrderBatch,
    WorkOrderEvent,
)
from .selectors import open_duplicates
from .transitions import TRANSITIONS, Action

MAX_EXTENSION_DAYS = 30


# ---------------------------------------------------------------- helpers

def _lock(work_order: WorkOrder) -> WorkOrder:
    """Re-read the row under FOR UPDATE: concurrent actions queue here and the
    loser sees the winner's status."""
    return WorkOrder.objects.select_for_update(of=("self",)).select_related("agency").get(pk=work_order.pk)


def _check_transition(wo: WorkOrder, action: Action):
    rule = TRANSITIONS[action]
    if wo.status not in rule.sources:
        raise ConflictError.not_now(status=wo.get_status_display(), action=rule.label)


def _event(wo, actor, action, *, from_status="", to_status="", at=None, **details) -> WorkOrderEvent:
    """Log one change. `at` is the service's `now` (the real clock unless a caller
    replays history, as the demo seed does)."""
    return WorkOrderEvent.objects.create(
        work_order=wo, actor=actor, action=action, from_status=from_status,
        to_status=to_status, details=_jsonable(details), created_at=at or timezone.now(),
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return deadlines.local(value).isoformat()  # readable in the users' time zone
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


EVENT_FOR = {
    Action.SUBMIT: EventAction.SUBMITTED, Action.SIGN: EventAction.SIGNED,
    Action.RETURN: EventAction.RETURNED, Action.RESUBMIT: EventAction.RESUBMITTED,
    Action.ANSWER: EventAction.ANSWERED, Action.ACCEPT: EventAction.ACCEPTED,
    Action.REOPEN: EventAction.REOPENED, Action.WITHDRAW: EventAction.WITHDRAWN,
}


def _move(wo, actor, action: Action, *, now, fields=(), event_action=None, **details):
    """Apply the transition's target status, save the named fields, log the event."""
    before = wo.status
    target = TRANSITIONS[action].target
    if target is not None:
        wo.status = target
    escalation.reschedule(wo)
    wo.save(update_fields=["status", "updated_at", "escalation_level", "next_escalation_at", *fields])
    _event(wo, actor, event_action or EVENT_FOR[action], from_status=before, to_status=wo.status, at=now,
           **details)


def _start_clock(wo: WorkOrder, now: datetime, cal=None) -> deadlines.Deadline:
    dl = deadlines.compute_deadline(wo.type, now, cal)
    wo.submitted_at = now
    wo.receipt_date = dl.receipt_date
    wo.period_days = dl.working_days
    wo.due_at = dl.due_at
    wo.due_provisional = dl.provisional
    wo.escalation_level = 0
    return dl


CLOCK_FIELDS = ["submitted_at", "receipt_date", "period_days", "due_at", "due_provisional"]


# Who hears about a work order: the one lookup lives in `agencies.selectors`.
agency_recipients = agency_staff
center_recipients = center_staff


def platform_language():
    """Notices are stored in the platform's language (zh-hans), whatever the
    language of the session of the person whose action caused them."""
    return translation.override(settings.LANGUAGE_CODE)


def _notify_judge(wo, kind, params=None, body=""):
    notify(recipients=[wo.judge], kind=kind, params={"ref": wo.reference, **(params or {})}, body=body, work_order=wo)


def _notify_agency(wo, kind, params=None, body=""):
    notify(recipients=agency_recipients(wo.agency_id), kind=kind, params={"ref": wo.reference, **(params or {})},
           body=body, work_order=wo)


def _save_attachments(wo, actor, files, purpose, reply=None):
    for f in files or ():
        content_type, name, digest = check_upload(f)
        att = Attachment(
            work_order=wo, reply=reply, purpose=purpose, original_name=name,
            content_type=content_type, size=f.size, sha256=digest, uploaded_by=actor,
        )
        att.file.save(name, f, save=False)
        att.save()
        _event(wo, actor, EventAction.ATTACHMENT_ADDED, name=name, purpose=purpose, size=f.size)


def _validate_files(files):
    for f in files or ():
        check_upload(f)


# ---------------------------------------------------------------- filing

def _court_centers(court_id, cache=None) -> set[int]:
    """Centers whose agencies a court may ask: its own center and those above it
    (none configured: any)."""
    cache = {} if cache is None else cache
    if court_id not in cache:
        center_id = Court.objects.filter(pk=court_id).values_list("center_id", flat=True).first()
        if center_id is None:
            cache[court_id] = set(LinkageCenter.objects.values_list("pk", flat=True))
        else:
            cache[court_id] = centers_with_ancestors([center_id])
    return cache[court_id]


def _validate_request(*, actor, case: EnforcementCase, duty: Duty, respondent: Party | None, type_, subject,
                      cache=None):
    from agencies.roles import roles_of

    roles = roles_of(actor)
    if not (roles.is_superuser or case.court_id in roles.court_ids):
        raise ValidationError(_("You may only file requests on your own court's cases."))
    if not duty.is_active or not duty.agency.is_active:
        raise ValidationError(_("The duty “%(duty)s” is not available.") % {"duty": duty.name})
    if duty.agency.center_id not in _court_centers(case.court_id, cache):
        raise ValidationError(_("%(agency)s is not a member of your court's linkage center.")
                              % {"agency": duty.agency.name})
    if respondent is not None and (respondent.case_id != case.pk or respondent.role != Party.Role.RESPONDENT):
        raise ValidationError(_("The respondent does not belong to this case."))
    if type_ and type_ not in dict(WorkOrder._meta.get_field("type").choices):
        raise ValidationError(_("Unknown work-order type."))
    subject_for(subject, duty, respondent)


def _build(*, actor, case, duty, respondent, type_, subject, details, batch=None) -> WorkOrder:
    return WorkOrder(
        case=case, court_id=case.court_id, judge=actor, respondent=respondent,
        agency_id=duty.agency_id, duty=duty, type=type_ or duty.default_type,
        subject=subject_for(subject, duty, respondent), details=details or "", batch=batch,
    )


class AlreadySubmitted(ConflictError):
    """The form's one-time token was spent: `work_order` or `batch` is what it filed."""

    def __init__(self, message, *, work_order=None, batch=None):
        super().__init__(message)
        self.work_order, self.batch = work_order, batch


class DuplicateRequest(ConflictError):
    """An identical open request exists (`existing`, newest first) and the
    caller did not confirm filing another one."""

    def __init__(self, message, *, existing):
        super().__init__(message)
        self.existing = existing


def _spend_filing_token(actor, token: str) -> FilingToken:
    """Insert the token's row; a second transaction with the same token waits
    on the primary key until the first ends, then fails here."""
    try:
        with transaction.atomic():
            return FilingToken.objects.create(token=token, user=actor)
    except IntegrityError:
        spent = FilingToken.objects.filter(token=token, user=actor).select_related("work_order", "batch").first()
        raise AlreadySubmitted(_("This form was already submitted."), work_order=spent.work_order if spent else None,
                               batch=spent.batch if spent else None) from None


def _refuse_duplicate(case: EnforcementCase, duty: Duty, respondent: Party | None) -> None:
    # Filings on one case queue on its row, so two tabs cannot both miss each other.
    list(EnforcementCase.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
    existing = list(open_duplicates(case=case, duty=duty, respondent=respondent)[:5])
    if existing:
        raise DuplicateRequest(
            _("An identical open request already exists (same case, duty and respondent): %(refs)s.")
            % {"refs": ", ".join(f"{w.reference} ({w.get_status_display()})" for w in existing)},
            existing=existing)


@transaction.atomic
def work_order_create(*, actor, case: EnforcementCase, duty: Duty, subject: str = "", details: str = "",
                      respondent: Party | None = None, type: str | None = None, attachments=(),
                      submit: bool = False, now: datetime | None = None, filing_token: str | None = None,
                      allow_duplicate: bool = True) -> WorkOrder:
    """File a request: a draft, or submitted at once when `submit` is true.

    `filing_token` (the form's one-time token) is spent in this transaction:
    raises `AlreadySubmitted` if it was. With `allow_duplicate` false, raises
    `DuplicateRequest` when an identical open request exists."""
    _validate_request(actor=actor, case=case, duty=duty, respondent=respondent, type_=type, subject=subject)
    check_text(details, max_length=TEXT_MAX_LENGTH)
    _validate_files(attachments)
    spent = _spend_filing_token(actor, filing_token) if filing_token else None
    if not allow_duplicate:
        _refuse_duplicate(case, duty, respondent)
    wo = _build(actor=actor, case=case, duty=duty, respondent=respondent, type_=type,
                subject=subject, details=details)
    wo.save()
    if spent is not None:
        FilingToken.objects.filter(pk=spent.pk).update(work_order=wo)
    _event(wo, actor, EventAction.CREATED, to_status=Status.DRAFT, at=now, agency=duty.agency.name, type=wo.type)
    _save_attachments(wo, actor, attachments, Attachment.Purpose.REQUEST)
    if submit:
        work_order_submit(work_order=wo, actor=actor, now=now)
        wo.refresh_from_db()
    return wo


@transaction.atomic
def work_order_edit_draft(*, work_order: WorkOrder, actor, subject: str, details: str,
                          duty: Duty | None = None, type: str | None = None,
                          respondent: Party | None = None, attachments=(), submit: bool = False,
                          now: datetime | None = None) -> WorkOrder:
    """Change a draft and, when `submit`, submit it: one transaction, so a
    submission that fails leaves the draft as it was."""
    wo = _lock(work_order)
    require(actor, wo, Action.EDIT)
    _check_transition(wo, Action.EDIT)
    duty = duty or wo.duty
    _validate_request(actor=actor, case=wo.case, duty=duty, respondent=respondent, type_=type, subject=subject)
    check_text(details, max_length=TEXT_MAX_LENGTH)
    _validate_files(attachments)
    wo.subject, wo.details, wo.duty, wo.agency_id = subject_for(subject, duty, respondent), details, duty, duty.agency_id
    wo.type = type or duty.default_type
    wo.respondent = respondent
    wo.save(update_fields=["subject", "details", "duty", "agency", "type", "respondent", "updated_at"])
    _event(wo, actor, EventAction.EDITED)
    _save_attachments(wo, actor, attachments, Attachment.Purpose.REQUEST)
    if submit:
        wo = work_order_submit(work_order=wo, actor=actor, now=now)
    return wo


@transaction.atomic
def work_order_submit(*, work_order: WorkOrder, actor, now: datetime | None = None) -> WorkOrder:
    now = now or timezone.now()
    wo = _lock(work_order)
    require(actor, wo, Action.SUBMIT)
    _check_transition(wo, Action.SUBMIT)
    dl = _start_clock(wo, now)
    _move(wo, actor, Action.SUBMIT, now=now, fields=CLOCK_FIELDS,
          due_at=dl.due_at, receipt_date=dl.receipt_date, working_days=dl.working_days,
          provisional=dl.provisional)
    _notify_agency(wo, Notification.Kind.ASSIGNED, {"subject": wo.subject, "due": wo.due_at.isoformat()})
    return wo


def _new_batch(*, actor, court_id, total: int, now: datetime) -> WorkOrderBatch:
    """Create the batch with the year's next reference (PL-2026-000123).

    Two batches filed at once may pick the same number: the unique index refuses
    the second, which takes the next number inside a savepoint."""
    prefix = f"PL-{timezone.localtime(now).year}-"
    for _attempt in range(20):
        last = (WorkOrderBatch.objects.filter(reference__startswith=prefix)
                .order_by("-reference").values_list("reference", flat=True).first())
        reference = f"{prefix}{int(last[len(prefix):]) + 1 if last else 1:06d}"
        try:
            with transaction.atomic():
                return WorkOrderBatch.objects.create(reference=reference, created_by=actor, court_id=court_id,
                                                     total=total)
        except IntegrityError:
            continue
    raise ConflictError(_("Too many batches are being filed at once; please try again."))


BATCH_MAX = 5000
BATCH_CHUNK = 200


def work_orders_create_batch(*, actor, items, subject: str, details: str = "", submit: bool = True,
                             now: datetime | None = None, progress=None,
                             filing_token: str | None = None) -> WorkOrderBatch:
    """File one work order per item, all or nothing.

    `items` is a list of (case, respondent or None, duty, type or None). Rows,
    events and notifications are written with bulk inserts in chunks, so a
    batch of 1,000 costs a few dozen queries; `progress(done, total)` is called
    after each chunk."""
    now = now or timezone.now()
    items = list(items)
    _validate_batch_size(items, details)
    cal = deadlines.WorkingCalendar()
    clocks = {}  # type -> Deadline: every work order of one type shares its clock
    with transaction.atomic():
        _validate_batch_items(actor, items, subject)
        spent = _spend_filing_token(actor, filing_token) if filing_token else None  # AlreadySubmitted
        batch = _new_batch(actor=actor, court_id=items[0][0].court_id, total=len(items), now=now)
        if spent is not None:
            FilingToken.objects.filter(pk=spent.pk).update(batch=batch)
        done = 0
        for start in range(0, len(items), BATCH_CHUNK):
            rows = [_build_batch_row(actor=actor, item=item, subject=subject, details=details, batch=batch,
                                     submit=submit, now=now, cal=cal, clocks=clocks)
                    for item in items[start:start + BATCH_CHUNK]]
            WorkOrder.objects.bulk_create(rows)
            WorkOrderEvent.objects.bulk_create(_batch_events(rows, actor=actor, batch=batch, submit=submit, now=now))
            done += len(rows)
            if submit:
                _notify_batch_chunk(rows, batch=batch, start=start)
            if progress:
                progress(done, len(items))
        batch.created_count = done
        batch.finished_at = timezone.now()
        batch.save(update_fields=["created_count", "finished_at"])
    return batch


def _validate_batch_size(items, details) -> None:
    if not items:
        raise ValidationError(_("Choose at least one case and one duty."))
    if len(items) > BATCH_MAX:
        raise ValidationError(_("A batch may hold at most 5,000 work orders."))
    check_text(details, max_length=TEXT_MAX_LENGTH)


def _validate_batch_items(actor, items, subject) -> None:
    centers = {}  # court -> centers it may ask, shared by the items
    for case, respondent, duty, type_ in items:
        _validate_request(actor=actor, case=case, duty=duty, respondent=respondent, type_=type_, subject=subject,
                          cache=centers)


def _build_batch_row(*, actor, item, subject, details, batch, submit, now, cal, clocks) -> WorkOrder:
    """One unsaved work order of a batch, submitted (clock started, ladder set) when `submit`."""
    case, respondent, duty, type_ = item
    wo = _build(actor=actor, case=case, duty=duty, respondent=respondent, type_=type_,
                subject=subject, details=details, batch=batch)
    if submit:
        if wo.type not in clocks:
            clocks[wo.type] = deadlines.compute_deadline(wo.type, now, cal)
        dl = clocks[wo.type]
        wo.status = Status.SUBMITTED
        wo.submitted_at, wo.receipt_date, wo.period_days = now, dl.receipt_date, dl.working_days
        wo.due_at, wo.due_provisional = dl.due_at, dl.provisional
        escalation.reschedule(wo, cal=cal)
    return wo


def _batch_events(rows, *, actor, batch, submit, now) -> list[WorkOrderEvent]:
    events = []
    for wo in rows:
        events.append(WorkOrderEvent(work_order=wo, actor=actor, action=EventAction.CREATED, created_at=now,
                                     to_status=Status.DRAFT,
                                     details={"batch": str(batch.pk), "batch_ref": batch.reference}))
        if submit:
            events.append(WorkOrderEvent(
                work_order=wo, actor=actor, action=EventAction.SUBMITTED, created_at=now,
                from_status=Status.DRAFT, to_status=Status.SUBMITTED,
                details=_jsonable({"due_at": wo.due_at, "receipt_date": wo.receipt_date,
                                   "working_days": wo.period_days, "provisional": wo.due_provisional,
                                   "batch": str(batch.pk)})))
    return events


def _notify_batch_chunk(rows, *, batch, start) -> None:
    """One notice per agency for the chunk starting at `start` (deduplicated on it)."""
    by_agency = {}
    for wo in rows:
        by_agency.setdefault(wo.agency_id, []).append(wo)
    for agency_id, wos in by_agency.items():
        notify(recipients=agency_recipients(agency_id), kind=Notification.Kind.ASSIGNED,
               params={"msg": "assigned_batch", "n": len(wos), "batch": batch.reference,
                       "court": batch.court.name,
                       "items": [[w.pk, w.subject, w.case.number] for w in wos[:50]]},
               body="\n".join(f"{w.reference} {w.subject}" for w in wos[:50]),
               work_order=wos[0] if len(wos) == 1 else None,
               dedupe_key=f"batch:{batch.pk}:{agency_id}:{start}")


# ---------------------------------------------------------------- agency side

@transaction.atomic
def work_order_sign(*, work_order: WorkOrder, actor, now: datetime | None = None) -> WorkOrder:
    now = now or timezone.now()
    wo = _lock(work_order)
    require(actor, wo, Action.SIGN)
    _check_transition(wo, Action.SIGN)
    wo.signed_at = now
    _move(wo, actor, Action.SIGN, now=now, fields=["signed_at"])
    return wo


@transaction.atomic
def work_order_return(*, work_order: WorkOrder, actor, reason: str, now: datetime | None = None) -> WorkOrder:
    """Return for supplement: the clock stops until the judge resubmits."""
    now = now or timezone.now()
    if not (reason or "").strip():
        raise ValidationError(_("Say what the court must supplement."))
    check_text(reason, max_length=REASON_MAX_LENGTH)
    wo = _lock(work_order)
    require(actor, wo, Action.RETURN)
    _check_transition(wo, Action.RETURN)
    wo.return_count += 1
    _move(wo, actor, Action.RETURN, now=now, fields=["return_count"], reason=reason.strip(),
          due_at=wo.due_at)
    _lapse_pending_extension(wo, actor, now=now, cause=EventAction.RETURNED)
    _notify_judge(wo, Notification.Kind.RETURNED, body=reason.strip())
    return wo


@transaction.atomic
def work_order_answer(*, work_order: WorkOrder, actor, outcome: str, result_text: str,
                      attachments=(), now: datetime | None = None) -> Reply:
    now = now or timezone.now()
    if outcome not in Reply.Outcome.values:
        raise ValidationError(_("Choose an outcome."))
    if not (result_text or "").strip():
        raise ValidationError(_("The reply needs a result text."))
    check_text(result_text, max_length=TEXT_MAX_LENGTH)
    _validate_files(attachments)
    wo = _lock(work_order)
    require(actor, wo, Action.ANSWER)
    _check_transition(wo, Action.ANSWER)
    reply = Reply.objects.create(work_order=wo, outcome=outcome, result_text=result_text.strip(),
                                 answered_by=actor)
    wo.answered_at = now
    on_time = wo.due_at is None or now <= wo.due_at
    _move(wo, actor, Action.ANSWER, now=now, fields=["answered_at"], outcome=outcome,
          reply=reply.pk, on_time=on_time)
    _save_attachments(wo, actor, attachments, Attachment.Purpose.REPLY, reply=reply)
    _lapse_pending_extension(wo, actor, now=now, cause=EventAction.ANSWERED)
    _notify_judge(wo, Notification.Kind.ANSWERED, {"outcome": reply.outcome}, reply.result_text[:500])
    return reply


@transaction.atomic
def extension_request(*, work_order: WorkOrder, actor, days: int, reason: str) -> ExtensionRequest:
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError(_("An extension is 1 to %(max)d working days.") % {"max": MAX_EXTENSION_DAYS})
    if not (reason or "").strip():
        raise ValidationError(_("Give a reason for the extension."))
    check_text(reason, max_length=REASON_MAX_LENGTH)
    wo = _lock(work_order)
    require(actor, wo, Action.REQUEST_EXTENSION)
    _check_transition(wo, Action.REQUEST_EXTENSION)
    if wo.extensions.filter(status=ExtensionRequest.Decision.PENDING).exists():
        raise ConflictError(_("An extension request is already waiting for a decision."))
    ext = ExtensionRequest.objects.create(work_order=wo, requested_by=actor, days=days, reason=reason.strip())
    _event(wo, actor, EventAction.EXTENSION_REQUESTED, extension=ext.pk, days=days, reason=ext.reason)
    notify(recipients=center_recipients(wo.agency.center_id), kind=Notification.Kind.EXTENSION_REQUESTED,
           params={"agency": wo.agency.name, "days": days, "ref": wo.reference}, body=ext.reason, work_order=wo)
    return ext


@transaction.atomic
def extension_decide(*, extension: ExtensionRequest, actor, approve: bool, note: str = "",
                     now: datetime | None = None) -> ExtensionRequest:
    """Approve (adds the working days to the current due date) or refuse; a
    refusal must say why."""
    now = now or timezone.now()
    check_text(note, max_length=REASON_MAX_LENGTH)
    wo = _lock(extension.work_order)
    ext = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    require(actor, wo, Action.DECIDE_EXTENSION)
    if ext.status != ExtensionRequest.Decision.PENDING:
        raise ConflictError(_("This extension request has already been decided."))
    if not approve and not (note or "").strip():
        raise ValidationError(_("Say why the extension is refused."))
    if approve:
        _check_transition(wo, Action.DECIDE_EXTENSION)
    ext.status = ExtensionRequest.Decision.APPROVED if approve else ExtensionRequest.Decision.REFUSED
    ext.decided_by, ext.decided_at, ext.decision_note = actor, now, (note or "").strip()
    ext.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        old_due = wo.due_at
        cal = deadlines.WorkingCalendar()
        wo.period_days += ext.days
        wo.due_at, wo.due_provisional = deadlines.due_from_receipt(wo.receipt_date, wo.period_days, cal)
        escalation.reschedule(wo, cal=cal)
        wo.save(update_fields=["period_days", "due_at", "due_provisional", "escalation_level",
                               "next_escalation_at", "updated_at"])
        _event(wo, actor, EventAction.EXTENSION_APPROVED, at=now, extension=ext.pk, days=ext.days,
               old_due_at=old_due, due_at=wo.due_at, note=ext.decision_note)
    else:
        _event(wo, actor, EventAction.EXTENSION_REFUSED, at=now, extension=ext.pk, note=ext.decision_note)
    params = ({"msg": "extension_approved", "ref": wo.reference, "due": wo.due_at.isoformat()} if approve
              else {"msg": "extension_refused", "ref": wo.reference})
    notify(recipients=[ext.requested_by, wo.judge], kind=Notification.Kind.EXTENSION_DECIDED,
           params=params, body=ext.decision_note, work_order=wo)
    return ext


@transaction.atomic
def respondent_id_reveal(*, work_order: WorkOrder, actor) -> str:
    """Return the respondent's full ID number; the reveal itself is logged."""
    from .access import can_reveal_id

    wo = WorkOrder.objects.select_related("respondent", "agency").get(pk=work_order.pk)
    if not can_reveal_id(actor, wo):
        raise PermissionDenied(_("You may not see this ID number."))
    if wo.respondent is None:
        return ""
    _event(wo, actor, EventAction.ID_REVEALED, party=wo.respondent_id)
    return wo.respondent.id_number


# ---------------------------------------------------------------- court side

_UNCHANGED = object()


@transaction.atomic
def work_order_resubmit(*, work_order: WorkOrder, actor, note: str = "", attachments=(),
                        details: str | None = None, respondent=_UNCHANGED, remove_attachments=(),
                        now: datetime | None = None) -> WorkOrder:
    """After a return: the full period starts again from the new receipt date.

    The court may change the details (None: unchanged), the respondent (a
    respondent of the same case, or None for the case as a whole; omitted:
    unchanged), remove request documents (ids in `remove_attachments`; each
    removal is an event, and the file is deleted after commit) and add
    supplementary ones."""
    now = now or timezone.now()
    check_text(note, max_length=REASON_MAX_LENGTH)
    if details is not None:
        check_text(details, max_length=TEXT_MAX_LENGTH)
    _validate_files(attachments)
    wo = _lock(work_order)
    require(actor, wo, Action.RESUBMIT)
    _check_transition(wo, Action.RESUBMIT)
    changed = []
    if details is not None and details.strip() != wo.details.strip():
        wo.details = details.strip()
        changed.append("details")
    if respondent is not _UNCHANGED and getattr(respondent, "pk", None) != wo.respondent_id:
        if respondent is not None and (respondent.case_id != wo.case_id or respondent.role != Party.Role.RESPONDENT):
            raise ValidationError(_("The respondent does not belong to this case."))
        wo.respondent = respondent
        changed.append("respondent")
    removed = _remove_request_attachments(wo, actor, remove_attachments, now=now)
    old_due = wo.due_at
    dl = _start_clock(wo, now)
    wo.signed_at = None
    _move(wo, actor, Action.RESUBMIT, now=now, fields=CLOCK_FIELDS + ["signed_at", *changed],
          note=(note or "").strip(), old_due_at=old_due, due_at=dl.due_at, receipt_date=dl.receipt_date,
          provisional=dl.provisional, changed=changed, removed=removed)
    _save_attachments(wo, actor, attachments, Attachment.Purpose.SUPPLEMENT)
    _notify_agency(wo, Notification.Kind.RESUBMITTED, body=(note or "").strip())
    return wo


def _remove_request_attachments(wo, actor, ids, *, now) -> list[str]:
    """Remove the court's own documents (not the agency's reply files) named by
    `ids`, each logged as an event; their files go once the transaction commits."""
    ids = [int(i) for i in ids or () if str(i).isdigit()]
    if not ids:
        return []
    found = list(Attachment.objects.filter(work_order=wo, pk__in=ids, reply__isnull=True))
    if len(found) != len(set(ids)):
        raise ValidationError(_("Some documents to remove are not documents of this request."))
    storage_names = []
    for att in found:
        _event(wo, actor, EventAction.ATTACHMENT_REMOVED, at=now, attachment=att.pk, name=att.original_name,
               purpose=att.purpose, size=att.size, sha256=att.sha256)
        storage_names.append((att.file.storage, att.file.name))
    Attachment.objects.filter(pk__in=[a.pk for a in found]).delete()
    transaction.on_commit(lambda: _delete_files(storage_names))
    return [a.original_name for a in found]


def _delete_files(storage_names):
    for storage, name in storage_names:
        try:
            storage.delete(name)
        except OSError:  # a file already gone is not worth failing over
            pass


@transaction.atomic
def work_order_delete_draft(*, work_order: WorkOrder, actor) -> None:
    """Delete a draft that was never submitted, with its attachments and their
    files (after commit). The deletion is recorded in the audit log with what
    the draft held; its own event log goes with it. Anything ever submitted
    can only be withdrawn."""
    from audit.models import AuditEntry
    from audit.services import audit_log

    wo = _lock(work_order)
    require(actor, wo, Action.EDIT)
    if (wo.status != Status.DRAFT or wo.submitted_at is not None
            or wo.events.filter(action=EventAction.SUBMITTED).exists()):
        raise ConflictError(_("Only a draft that was never submitted can be deleted; withdraw this request instead."))
    attachments = list(wo.attachments.all())
    audit_log(actor=actor, action=AuditEntry.Action.DELETE, obj=wo, object_repr=f"{wo.reference} {wo.subject}",
              changes={"case": [str(wo.case), None], "duty": [str(wo.duty), None],
                       "respondent": [str(wo.respondent) if wo.respondent_id else None, None],
                       "subject": [wo.subject, None], "details": [wo.details, None],
                       "attachments": [[a.original_name for a in attachments], None],
                       "events": [wo.events.count(), None]})
    storage_names = [(a.file.storage, a.file.name) for a in attachments]
    # The draft's own log (created, edited, attachments) goes with it; model
    # delete() refuses on purpose, so this is a queryset delete.
    WorkOrderEvent.objects.filter(work_order=wo).delete()
    Attachment.objects.filter(work_order=wo).delete()
    wo.delete()
    transaction.on_commit(lambda: _delete_files(storage_names))


@transaction.atomic
def work_order_accept(*, work_order: WorkOrder, actor, now: datetime | None = None) -> WorkOrder:
    now = now or timezone.now()
    wo = _lock(work_order)
    require(actor, wo, Action.ACCEPT)
    _check_transition(wo, Action.ACCEPT)
    wo.closed_at = now
    _move(wo, actor, Action.ACCEPT, now=now, fields=["closed_at"])
    _notify_agency(wo, Notification.Kind.ACCEPTED)
    return wo


@transaction.atomic
def work_order_reopen(*, work_order: WorkOrder, actor, reason: str, now: datetime | None = None) -> WorkOrder:
    """Back to the agency with a new deadline counted from the reopen."""
    now = now or timezone.now()
    if not (reason or "").strip():
        raise ValidationError(_("Say why the answer is not sufficient."))
    check_text(reason, max_length=REASON_MAX_LENGTH)
    wo = _lock(work_order)
    require(actor, wo, Action.REOPEN)
    _check_transition(wo, Action.REOPEN)
    old_due = wo.due_at
    dl = deadlines.compute_deadline(wo.type, now)
    wo.receipt_date, wo.period_days, wo.due_at, wo.due_provisional = (
        dl.receipt_date, dl.working_days, dl.due_at, dl.provisional)
    wo.answered_at = None
    wo.escalation_level = 0
    _move(wo, actor, Action.REOPEN, now=now,
          fields=["receipt_date", "period_days", "due_at", "due_provisional", "answered_at"],
          reason=reason.strip(), old_due_at=old_due, due_at=dl.due_at, reopened_at=now)
    _notify_agency(wo, Notification.Kind.REOPENED, body=reason.strip())
    return wo


def _lapse_notes():
    return {
        EventAction.ANSWERED: _("The work order was answered before a decision."),
        EventAction.WITHDRAWN: _("The work order was withdrawn before a decision."),
        EventAction.RETURNED: _("The work order was returned for supplement before a decision."),
    }


def _lapse_pending_extension(wo: WorkOrder, actor, *, now: datetime, cause: str) -> None:
    """Resolve the undecided extension request of a work order whose clock has
    just stopped (`cause`: answered, withdrawn or returned), with its event.
    Runs inside the caller's transaction, with `wo` locked."""
    for ext in ExtensionRequest.objects.select_for_update().filter(
            work_order=wo, status=ExtensionRequest.Decision.PENDING):
        with platform_language():
            note = _lapse_notes()[cause]
        ext.status, ext.decided_at, ext.decision_note = ExtensionRequest.Decision.LAPSED, now, note
        ext.save(update_fields=["status", "decided_at", "decision_note"])
        _event(wo, actor, EventAction.EXTENSION_LAPSED, at=now, extension=ext.pk, days=ext.days,
               cause=str(cause), note=note)


@transaction.atomic
def work_order_withdraw(*, work_order: WorkOrder, actor, reason: str = "", now: datetime | None = None) -> WorkOrder:
    """Withdraw the request. Once submitted, a reason is required: the agency
    is told it. (A never-submitted draft concerns nobody else.)"""
    now = now or timezone.now()
    check_text(reason, max_length=REASON_MAX_LENGTH)
    wo = _lock(work_order)
    require(actor, wo, Action.WITHDRAW)
    _check_transition(wo, Action.WITHDRAW)
    if wo.status != Status.DRAFT and not (reason or "").strip():
        raise ValidationError(_("Say why the request is withdrawn."))
    was_draft = wo.status == Status.DRAFT
    wo.withdrawn_at = now
    _move(wo, actor, Action.WITHDRAW, now=now, fields=["withdrawn_at"], reason=(reason or "").strip())
    _lapse_pending_extension(wo, actor, now=now, cause=EventAction.WITHDRAWN)
    if not was_draft:
        _notify_agency(wo, Notification.Kind.WITHDRAWN, body=(reason or "").strip())
    return wo


# ---------------------------------------------------------------- calendar

def deadlines_recompute(*, start, end, actor=None, now: datetime | None = None) -> int:
    """Recompute open deadlines after calendar days in [start, end] changed, and
    every provisional one. Each change is logged on its work order. Returns the
    number of work orders whose deadline moved or stopped being provisional."""
    from django.db.models import Q

    now = now or timezone.now()
    cal = deadlines.WorkingCalendar()
    changed = 0
    affected = (
        WorkOrder.objects.running()
        .filter(Q(due_provisional=True) | Q(receipt_date__lte=end, due_at__date__gte=start))
        .values_list("pk", flat=True)
    )
    for pk in list(affected.iterator()):
        with transaction.atomic():
            wo = WorkOrder.objects.select_for_update().get(pk=pk)
            if not wo.clock_running or wo.receipt_date is None:
                continue
            due_at, provisional = deadlines.due_from_receipt(wo.receipt_date, wo.period_days, cal)
            if due_at == wo.due_at and provisional == wo.due_provisional:
                continue
            old_due, old_prov = wo.due_at, wo.due_provisional
            wo.due_at, wo.due_provisional = due_at, provisional
            escalation.reschedule(wo, cal=cal)
            wo.save(update_fields=["due_at", "due_provisional", "escalation_level", "next_escalation_at",
                                   "updated_at"])
            _event(wo, actor, EventAction.DEADLINE_RECOMPUTED, at=now, old_due_at=old_due, due_at=due_at,
                   old_provisional=old_prov, provisional=provisional)
            changed += 1
    return changed
