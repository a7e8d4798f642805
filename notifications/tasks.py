import logging

from celery import shared_task

from . import services

log = logging.getLogger(__name__)


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_notifications():
    sent = services.deliver_pending_emails()
    if sent:
        log.info("delivered %d notification emails", sent)
    return sent
