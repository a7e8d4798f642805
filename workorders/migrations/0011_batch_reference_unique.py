from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("workorders", "0010_batch_reference"),
    ]

    operations = [
        migrations.AlterField(
            model_name="workorderbatch",
            name="reference",
            field=models.CharField(editable=False, max_length=20, unique=True, verbose_name="reference"),
        ),
    ]
