"""Filing a request: the form, draft editing, and the two small endpoints the
form calls while it is filled in (respondents of a case, the due date now)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import WorkOrderType
from agencies.roles import roles_of
from cases.models import Party
from cases.selectors import cases_filable_by

from .. import deadlines, services
from ..access import allowed_actions
from ..errors import ConflictError
from ..forms import WorkOrderRequestForm, active_duties, issue_filing_token, read_filing_token
from ..selectors import get_work_order_for
from ..transitions import Action
from ..uploads import refuse_cut_upload
from .common import RECEIPT_REASONS


def _require_judge(user):
    roles = roles_of(user)
    if not (roles.is_judge or roles.is_superuser):
        raise PermissionDenied(_("Only enforcement judges file requests."))


@login_required
def new(request):
    _require_judge(request.user)
    duties = list(active_duties(request.user))
    duplicates = []
    if request.method == "POST":
        form = WorkOrderRequestForm(request.POST, request.FILES, user=request.user, duties=duties)
        refuse_cut_upload(request, form)
        token = request.POST.get("form_token") or ""
        if form.is_valid():
            d = form.cleaned_data
            submit = request.POST.get("intent") == "submit"
            spendable = read_filing_token(request.user, token) if token else None
            try:
                if token and spendable is None:
                    token = issue_filing_token(request.user)
                    raise ValidationError(_("This form has expired. Check it and send it again."))
                wo = services.work_order_create(
                    actor=request.user, case=d["case"], duty=d["duty"], respondent=d["respondent"],
                    type=d["type"] or None, subject=d["subject"], details=d["details"],
                    attachments=d["attachments"], submit=submit, filing_token=spendable,
                    allow_duplicate=d["file_anyway"])
            except services.AlreadySubmitted as exc:
                return _already_submitted(request, duties, exc.work_order)
            except services.DuplicateRequest as exc:
                duplicates = exc.existing
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Submitted to %(agency)s; due %(due)s.")
                                 % {"agency": wo.agency.name, "due": _due_text(wo.due_at)}
                                 if submit else _("Saved as a draft. Submit it when it is ready."))
                return redirect("workorders:detail", pk=wo.pk)
    else:
        token = ""
        initial = {}
        case_pk = request.GET.get("case")
        if case_pk and case_pk.isdigit() and cases_filable_by(request.user).filter(pk=case_pk).exists():
            initial["case"] = int(case_pk)  # the respondent starts as "the case as a whole"
        form = WorkOrderRequestForm(user=request.user, duties=duties, initial=initial)
    return render(request, "workorders/form.html", {
        "form": form, "editing": None, "duplicates": duplicates,
        # Nothing was filed: the same token goes on (a fresh one if there was none).
        "form_token": token or issue_filing_token(request.user)})


def _already_submitted(request, duties, work_order):
    """A second POST of a spent form (parallel, double click, back button):
    nothing filed; name what the first one filed, and offer a fresh form."""
    form = WorkOrderRequestForm(user=request.user, duties=duties)
    return render(request, "workorders/form.html", {
        "form": form, "editing": None, "duplicates": [], "already_filed": work_order or True,
        "form_token": issue_filing_token(request.user)}, status=409)


@login_required
def edit(request, pk):
    wo = get_work_order_for(request.user, pk)
    if Action.EDIT not in allowed_actions(request.user, wo):
        raise PermissionDenied(_("Only a draft can be edited, by its court."))
    duties = list(active_duties(request.user))
    if request.method == "POST":
        form = WorkOrderRequestForm(request.POST, request.FILES, user=request.user, case=wo.case, duties=duties)
        refuse_cut_upload(request, form)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.work_order_edit_draft(
                    work_order=wo, actor=request.user, subject=d["subject"], details=d["details"],
                    duty=d["duty"], type=d["type"] or None, respondent=d["respondent"],
                    attachments=d["attachments"], submit=request.POST.get("intent") == "submit")
            except ValidationError as exc:
                form.add_error(None, exc)
            except ConflictError as exc:
                messages.error(request, exc.message)
                return redirect("workorders:detail", pk=wo.pk)
            else:
                messages.success(request, _("Draft saved.") if request.POST.get("intent") != "submit"
                                 else _("Submitted. The agency has been notified."))
                return redirect("workorders:detail", pk=wo.pk)
    else:
        form = WorkOrderRequestForm(user=request.user, case=wo.case, duties=duties, initial={
            "respondent": wo.respondent_id, "duty": str(wo.duty_id), "type": wo.type,
            "subject": wo.subject, "details": wo.details})
    return render(request, "workorders/form.html", {"form": form, "editing": wo})


@login_required
def delete_draft(request, pk):
    """Delete a never-submitted draft (POST, after the page's confirmation)."""
    wo = get_work_order_for(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    reference, case_id = wo.reference, wo.case_id
    try:
        services.work_order_delete_draft(work_order=wo, actor=request.user)
    except ConflictError as exc:
        messages.error(request, exc.message)
        return redirect("workorders:detail", pk=wo.pk)
    messages.success(request, _("Draft %(ref)s deleted.") % {"ref": reference})
    return redirect("cases:detail", pk=case_id)


@login_required
def respondent_options(request):
    """The respondents of a case, as <option>s for the request form."""
    _require_judge(request.user)
    case_pk = request.GET.get("case") or ""
    if not case_pk:
        return render(request, "workorders/_respondent_options.html", {"parties": []})
    case = cases_filable_by(request.user).filter(pk=case_pk if case_pk.isdigit() else 0).first()
    if case is None:
        raise Http404("No such case")
    parties = case.parties.filter(role=Party.Role.RESPONDENT).order_by("id")
    return render(request, "workorders/_respondent_options.html", {"parties": parties})


def _due_text(due_at):
    return timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M") if due_at else ""


@login_required
def due_preview(request):
    """The due date the clock gives if the request were submitted now."""
    type_ = request.GET.get("type") or ""
    if type_ not in WorkOrderType.values:
        raw = request.GET.get("duty") or ""
        duty = active_duties(request.user).filter(pk=raw).first() if raw.isdigit() else None
        type_ = duty.default_type if duty else ""
    if not type_:
        return render(request, "workorders/_due_preview.html", {"dl": None})
    now = timezone.now()
    cal = deadlines.WorkingCalendar()
    dl = deadlines.compute_deadline(type_, now, cal)
    full = deadlines.explain(now, dl.receipt_date, dl.working_days, cal)
    return render(request, "workorders/_due_preview.html", {
        "dl": dl, "exceptions": full.exceptions, "type_label": WorkOrderType(type_).label,
        "reason": RECEIPT_REASONS[dl.receipt_reason]() % {"cob": settings.CLOSE_OF_BUSINESS.strftime("%H:%M")},
    })

