import logging

from celery import shared_task

from .sweep import escalate_due

log = logging.getLogger(__name__)


@shared_task(name="workorders.escalate", ignore_result=True)
def escalate():
    """Beat runs this every ESCALATION_SWEEP_SECONDS; concurrent runs are safe."""
    result = escalate_due()
    return result.as_dict()


@shared_task(name="workorders.purge_orphan_files", ignore_result=True)
def purge_orphan_files():
    """Daily: attachment files whose upload transaction rolled back."""
    from .files import purge_orphan_files as purge

    return purge()
