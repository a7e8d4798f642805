"""Indexes the dashboards need on the work-order tables.

They live here, not in workorders' models, because only the rollup and the
dashboards read along these columns: the rollup recomputes one day at a time by
receipt date, answer time and due time (over every status, unlike the partial
`wo_running_due`), and the supervision list and agenda read the open rows at
step 2 and 3. Plain CREATE INDEX so that SQLite runs it too; on a large live
PostgreSQL table create them CONCURRENTLY by hand first (IF NOT EXISTS then
makes this a no-op).
"""
from django.db import migrations

INDEXES = [
    ("dash_wo_receipt", "workorders_workorder (receipt_date) WHERE receipt_date IS NOT NULL"),
    ("dash_wo_answered", "workorders_workorder (answered_at) WHERE answered_at IS NOT NULL"),
    ("dash_wo_due_all", "workorders_workorder (due_at) WHERE due_at IS NOT NULL"),
    ("dash_wo_escalated",
     "workorders_workorder (escalation_level, due_at) "
     "WHERE status IN ('submitted', 'signed') AND escalation_level >= 3"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("workorders", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {definition}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES
    ]
