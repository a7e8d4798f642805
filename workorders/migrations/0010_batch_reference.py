"""Batches get a readable reference (PL-2026-000123), numbered per year in filing order."""
from django.db import migrations, models
from django.utils import timezone


def number_existing(apps, schema_editor):
    Batch = apps.get_model("workorders", "WorkOrderBatch")
    counters = {}
    for batch in Batch.objects.order_by("created_at", "id").only("pk", "created_at"):
        year = timezone.localtime(batch.created_at).year
        counters[year] = counters.get(year, 0) + 1
        Batch.objects.filter(pk=batch.pk).update(reference=f"PL-{year}-{counters[year]:06d}")


class Migration(migrations.Migration):

    dependencies = [
        ("workorders", "0009_event_attachment_removed"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorderbatch",
            name="reference",
            field=models.CharField(editable=False, max_length=20, null=True, verbose_name="reference"),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
    ]
