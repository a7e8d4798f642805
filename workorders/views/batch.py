"""Batch requests ("one click, batch query"): choose cases × duties, confirm the
list, create it with a visible progress, then see the batch.

The service writes the whole batch in one transaction and reports progress
after each chunk; the view stores that progress in the cache under a token the
confirmation page carries, and the page polls it while its POST is running.
The same token makes a double click harmless: a second POST finds the job and
does not file the batch twice. The service also spends the token in the
database (FilingToken) with the batch, so a POST after the cache forgot the
job (6 h later, or after a Redis restart) files nothing either."""
from __future__ import annotations

from collections import Counter
from uuid import uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import EnforcementCase, Party

from .. import deadlines, services
from ..forms import BatchConfirmForm, BatchRequestForm, active_duties, batch_items
from ..selectors import get_batch_for, work_orders_for
from .common import annotate_clock, with_pending_extension
from .filing import _require_judge

JOB_TTL = 6 * 3600


def _go(request, name, **kwargs):
    """Redirect; the page's background POST gets the address as JSON instead,
    so that the messages are shown on the page it then opens."""
    url = reverse(name, kwargs=kwargs or None)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"url": url})
    return redirect(url)


def _job_key(user, token) -> str:
    return f"eh:batch-job:{user.pk}:{token}"


def _with_respondents(cases):
    return list(EnforcementCase.objects.filter(pk__in=[c.pk for c in cases]).select_related("court")
                .prefetch_related(Prefetch("parties", to_attr="respondent_list",
                                           queryset=Party.objects.filter(role=Party.Role.RESPONDENT).order_by("id")))
                .order_by("number"))


@login_required
def batch_new(request):
    _require_judge(request.user)
    duties = list(active_duties(request.user))
    if request.method == "POST":
        form = BatchRequestForm(request.POST, user=request.user, duties=duties)
        if form.is_valid():
            d = form.cleaned_data
            try:
                items = batch_items(_with_respondents(d["case_list"]), d["duty_list"], d["respondents"], d["type"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                confirm = BatchConfirmForm(user=request.user, duties=duties,
                                           initial={**form.confirm_initial(), "token": uuid4().hex})
                return render(request, "workorders/batch_confirm.html",
                              _confirm_context(confirm, items, d["subject"]))
    else:
        form = BatchRequestForm(user=request.user, duties=duties)
    return render(request, "workorders/batch_form.html", {"form": form})


def _confirm_context(form, items, subject):
    now, cal = timezone.now(), deadlines.WorkingCalendar()
    clocks = {}
    rows = []
    for case, respondent, duty, type_ in items:
        t = type_ or duty.default_type
        if t not in clocks:
            clocks[t] = deadlines.compute_deadline(t, now, cal)
        rows.append({"case": case, "respondent": respondent, "duty": duty, "type": t, "due": clocks[t]})
    by_agency = Counter(duty.agency.name for _c, _r, duty, _t in items)
    return {"form": form, "rows": rows, "total": len(rows), "subject": subject,
            "by_agency": sorted(by_agency.items(), key=lambda kv: -kv[1]),
            "case_count": len({c.pk for c, *_ in items}), "duty_count": len({d.pk for _c, _r, d, _t in items})}


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
    key = _job_key(request.user, d["token"])
    try:
        items = batch_items(_with_respondents(d["case_list"]), d["duty_list"], d["respondents"], d["type"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _go(request, "workorders:batch_new")
    if not cache.add(key, {"state": "running", "done": 0, "total": len(items)}, JOB_TTL):
        job = cache.get(key) or {}
        if job.get("batch"):
            return _go(request, "workorders:batch_detail", pk=job["batch"])
        messages.info(request, _("This batch is already being created."))
        return _go(request, "workorders:batch_job", token=d["token"])

    def progress(done, total):
        cache.set(key, {"state": "running", "done": done, "total": total}, JOB_TTL)

    try:
        batch = services.work_orders_create_batch(actor=request.user, items=items, subject=d["subject"],
                                                  details=d["details"], progress=progress,
                                                  filing_token=f"batch:{d['token']}")
    except services.AlreadySubmitted as exc:  # the cache forgot the job; the database did not
        cache.delete(key)
        messages.info(request, exc.message)
        if exc.batch is not None:
            return _go(request, "workorders:batch_detail", pk=exc.batch.pk)
        return _go(request, "workorders:batch_new")
    except ValidationError as exc:
        cache.delete(key)
        messages.error(request, " ".join(exc.messages))
        return _go(request, "workorders:batch_new")
    except BaseException:
        cache.delete(key)
        raise
    cache.set(key, {"state": "done", "done": batch.created_count, "total": batch.total, "batch": str(batch.pk)},
              JOB_TTL)
    messages.success(request, _("%(n)d work orders filed and sent to the agencies.") % {"n": batch.created_count})
    return _go(request, "workorders:batch_detail", pk=batch.pk)


@login_required
def batch_job(request, token):
    """Progress of a batch being created: JSON for the page's poll, a small
    page otherwise (a second click lands here)."""
    job = cache.get(_job_key(request.user, token))
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
    rows = with_pending_extension(orders.select_related("case", "court", "agency", "duty", "respondent", "judge")
                                  ).order_by("case__number", "id")
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    page.object_list = annotate_clock(page.object_list, now=timezone.now(), cal=deadlines.WorkingCalendar())
    return render(request, "workorders/batch_detail.html", {"batch": batch, "page": page, "by_agency": by_agency})
