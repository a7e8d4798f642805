"""Batch requests ("one click, batch query"): choose cases × duties, confirm the
list, create it with a visible progress, then see the batch. The preview and the
job that files the batch once per confirmation token are `workorders.batches`."""
from __future__ import annotations

from uuid import uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import deadlines, services
from ..batches import batch_preview, cases_with_respondents, file_batch_job, job_key, job_state
from ..forms import BatchConfirmForm, BatchRequestForm, active_duties, batch_items
from ..selectors import get_batch_for, work_orders_for
from .common import annotate_clock
from .filing import _require_judge

_job_key = job_key  # the tests' name for it


def _go(request, name, **kwargs):
    """Redirect; the page's background POST gets the address as JSON instead,
    so that the messages are shown on the page it then opens."""
    url = reverse(name, kwargs=kwargs or None)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"url": url})
    return redirect(url)


@login_required
def batch_new(request):
    _require_judge(request.user)
    duties = list(active_duties(request.user))
    if request.method == "POST":
        form = BatchRequestForm(request.POST, user=request.user, duties=duties)
        if form.is_valid():
            d = form.cleaned_data
            try:
                items = batch_items(cases_with_respondents(d["case_list"]), d["duty_list"], d["respondents"],
                                    d["type"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                confirm = BatchConfirmForm(user=request.user, duties=duties,
                                           initial={**form.confirm_initial(), "token": uuid4().hex})
                return render(request, "workorders/batch_confirm.html",
                              {"form": confirm, "subject": d["subject"], **batch_preview(items)})
    else:
        form = BatchRequestForm(user=request.user, duties=duties)
    return render(request, "workorders/batch_form.html", {"form": form})


@login_required
def batch_create(request):
    _require_judge(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    duties = list(active_duties(request.user))
    form = BatchConfirmForm(request.POST, user=request.user, duties=duties)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or _("The batch could not be read; start again."))
        return _go(request, "workorders:batch_new")
    d = form.cleaned_data
    try:
        items = batch_items(cases_with_respondents(d["case_list"]), d["duty_list"], d["respondents"], d["type"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _go(request, "workorders:batch_new")
    try:
        job = file_batch_job(actor=request.user, token=d["token"], items=items, subject=d["subject"],
                             details=d["details"])
    except services.AlreadySubmitted as exc:  # the cache forgot the job; the database did not
        messages.info(request, exc.message)
        if exc.batch is not None:
            return _go(request, "workorders:batch_detail", pk=exc.batch.pk)
        return _go(request, "workorders:batch_new")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _go(request, "workorders:batch_new")
    if job.existing_batch_id:
        return _go(request, "workorders:batch_detail", pk=job.existing_batch_id)
    if job.running:
        messages.info(request, _("This batch is already being created."))
        return _go(request, "workorders:batch_job", token=d["token"])
    batch = job.batch
    messages.success(request, _("%(n)d work orders filed and sent to the agencies.") % {"n": batch.created_count})
    return _go(request, "workorders:batch_detail", pk=batch.pk)


@login_required
def batch_job(request, token):
    """Progress of a batch being created: JSON for the page's poll, a small
    page otherwise (a second click lands here)."""
    job = job_state(request.user, token)
    if job is None:
        raise Http404("No such batch job")
    url = reverse("workorders:batch_detail", kwargs={"pk": job["batch"]}) if job.get("batch") else ""
    if request.headers.get("Accept", "").startswith("application/json") or request.GET.get("format") == "json":
        return JsonResponse({**job, "url": url})
    return render(request, "workorders/batch_job.html", {"job": job, "url": url, "token": token})


@login_required
def batch_detail(request, pk):
    batch = get_batch_for(request.user, pk)
    orders = work_orders_for(request.user).filter(batch=batch)
    by_agency = list(orders.values("agency__name").annotate(n=Count("pk")).order_by("-n", "agency__name"))
    rows = (orders.select_related("case", "court", "agency", "duty", "respondent", "judge")
            .with_pending_extension().order_by("case__number", "id"))
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    page.object_list = annotate_clock(page.object_list, now=timezone.now(), cal=deadlines.WorkingCalendar())
    return render(request, "workorders/batch_detail.html", {"batch": batch, "page": page, "by_agency": by_agency})
