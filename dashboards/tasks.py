import logging

from celery import shared_task

from .services import refresh_rollups

log = logging.getLogger(__name__)


@shared_task(name="dashboards.rollup", ignore_result=True)
def rollup(full: bool = False) -> dict:
    """The beat job (every ROLLUP_SECONDS): bring the dashboards' rollups up to date."""
    result = refresh_rollups(full=full)
    return {"skipped": result.skipped, "full": result.full, "days": result.days, "ms": result.ms}
