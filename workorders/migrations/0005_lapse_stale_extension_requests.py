"""Lapse extension requests left pending on work orders that no longer run.

Before answering, returning and withdrawing resolved them, such rows stayed in
the center's queue. Each one lapses with an event naming the work order's
status as the cause, as the services now do."""
from django.conf import settings
from django.db import migrations
from django.utils import timezone, translation
from django.utils.translation import gettext

RUNNING = ("submitted", "signed")


def _notes():
    return {
        "answered": gettext("The work order was answered before a decision."),
        "closed": gettext("The work order was closed before a decision."),
        "withdrawn": gettext("The work order was withdrawn before a decision."),
        "returned": gettext("The work order was returned for supplement before a decision."),
    }


def lapse_stale_extension_requests(apps, schema_editor):
    ExtensionRequest = apps.get_model("workorders", "ExtensionRequest")
    WorkOrderEvent = apps.get_model("workorders", "WorkOrderEvent")
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        notes = _notes()
    stale = (ExtensionRequest.objects.filter(status="pending").exclude(work_order__status__in=RUNNING)
             .select_related("work_order").select_for_update(of=("self",)))
    for ext in stale:
        cause = ext.work_order.status
        note = notes.get(cause, "")
        ExtensionRequest.objects.filter(pk=ext.pk, status="pending").update(
            status="lapsed", decided_at=now, decision_note=note)
        WorkOrderEvent.objects.create(
            work_order_id=ext.work_order_id, actor=None, action="extension_lapsed", created_at=now,
            details={"extension": ext.pk, "days": ext.days, "cause": cause, "note": note},
        )


class Migration(migrations.Migration):

    dependencies = [
        ("workorders", "0004_extension_lapsed"),
    ]

    operations = [
        migrations.RunPython(lapse_stale_extension_requests, migrations.RunPython.noop),
    ]
