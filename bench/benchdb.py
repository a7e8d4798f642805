"""What every benchmark shares: a throw-away PostgreSQL database and a Django
set up on it with the reference data, the demo users and the calendar."""
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def recreate_database(url, *, drop_only=False):
    """Drop the database named in `url` (and create it afresh unless drop_only)."""
    import psycopg2

    u = urlparse(url)
    name = u.path.lstrip("/")
    conn = psycopg2.connect(host=u.hostname, port=u.port or 5432, user=u.username or "postgres",
                            password=u.password, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def setup_django(url, *, calendar_years, env=None):
    """Point Django at `url`, migrate, and load reference data, users and calendar."""
    os.environ["DATABASE_URL"] = url
    os.environ.update(env or {})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enforcement_hub.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from workorders.calendar import calendar_load_year
    from workorders.demo import seed_reference, seed_users

    seed_users(seed_reference())
    for year in calendar_years:
        calendar_load_year(year=year)
