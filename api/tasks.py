import logging

from celery import shared_task

from . import webhooks

log = logging.getLogger(__name__)


@shared_task(name="api.webhooks.dispatch", ignore_result=True)
def dispatch_webhooks():
    counts = webhooks.dispatch()
    if any(counts.values()):
        log.info("webhooks: %(created)d queued, %(delivered)d delivered, %(failed)d failed", counts)
    return counts


@shared_task(name="api.idempotency.purge", ignore_result=True)
def purge_idempotency_records():
    from .idempotency import purge_expired

    deleted = purge_expired()
    if deleted:
        log.info("purged %d expired idempotency records", deleted)
    return deleted
