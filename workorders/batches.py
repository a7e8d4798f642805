"""Batch requests outside the page: the preview a judge confirms, and the job
that files a confirmed batch once, whatever the number of POSTs.

The job's progress lives in the cache under a key made of the user and the
confirmation form's token; the page polls it while its POST runs. A second POST
with the same token finds the job and files nothing; the service also spends the
token in the database (FilingToken), so a POST after the cache forgot the job
files nothing either."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone

from cases.models import EnforcementCase, Party

from . import deadlines, services
from .models import WorkOrderBatch

JOB_TTL = 6 * 3600


def cases_with_respondents(cases) -> list[EnforcementCase]:
    """The chosen cases with their court and respondents (`respondent_list`), by number."""
    return list(EnforcementCase.objects.filter(pk__in=[c.pk for c in cases]).select_related("court")
                .prefetch_related(Prefetch("parties", to_attr="respondent_list",
                                           queryset=Party.objects.filter(role=Party.Role.RESPONDENT).order_by("id")))
                .order_by("number"))


def batch_preview(items, *, now=None) -> dict:
    """What the confirmation page lists: one row per work order with the due
    date the clock would give it now, and counts by agency, case and duty."""
    now, cal = now or timezone.now(), deadlines.WorkingCalendar()
    clocks = {}
    rows = []
    for case, respondent, duty, type_ in items:
        t = type_ or duty.default_type
        if t not in clocks:
            clocks[t] = deadlines.compute_deadline(t, now, cal)
        rows.append({"case": case, "respondent": respondent, "duty": duty, "type": t, "due": clocks[t]})
    by_agency = Counter(duty.agency.name for _c, _r, duty, _t in items)
    return {"rows": rows, "total": len(rows),
            "by_agency": sorted(by_agency.items(), key=lambda kv: -kv[1]),
            "case_count": len({c.pk for c, *_ in items}), "duty_count": len({d.pk for _c, _r, d, _t in items})}


def job_key(user, token) -> str:
    return f"eh:batch-job:{user.pk}:{token}"


def job_state(user, token) -> dict | None:
    """{"state", "done", "total"[, "batch"]} of the user's job, None if unknown."""
    return cache.get(job_key(user, token))


@dataclass
class JobStart:
    """What a POST of a confirmed batch did: filed `batch`, or found that an
    earlier POST with the same token filed `existing_batch_id` or is still running."""

    batch: WorkOrderBatch | None = None
    existing_batch_id: str | None = None
    running: bool = False


def file_batch_job(*, actor, token: str, items, subject: str, details: str) -> JobStart:
    """File the batch once per token, reporting progress in the cache. Raises what
    `services.work_orders_create_batch` raises (AlreadySubmitted, ValidationError)
    after forgetting the job, so the judge may start again."""
    key = job_key(actor, token)
    if not cache.add(key, {"state": "running", "done": 0, "total": len(items)}, JOB_TTL):
        job = cache.get(key) or {}
        if job.get("batch"):
            return JobStart(existing_batch_id=job["batch"])
        return JobStart(running=True)

    def progress(done, total):
        cache.set(key, {"state": "running", "done": done, "total": total}, JOB_TTL)

    try:
        batch = services.work_orders_create_batch(actor=actor, items=items, subject=subject, details=details,
                                                  progress=progress, filing_token=f"batch:{token}")
    except BaseException:
        cache.delete(key)
        raise
    cache.set(key, {"state": "done", "done": batch.created_count, "total": batch.total, "batch": str(batch.pk)},
              JOB_TTL)
    return JobStart(batch=batch)
