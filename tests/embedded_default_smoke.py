"""Run by tests/test_foundation.py in a subprocess: the API on the embedded
default (SQLite, no Redis), as `make run` serves it with no settings. The suite
itself refuses SQLite, so this is where SQLite-only breakage shows."""
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enforcement_hub.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from agencies.models import Agency, Duty  # noqa: E402
from api.services import api_key_create  # noqa: E402
from cases.models import EnforcementCase  # noqa: E402
from workorders.calendar import calendar_load_year  # noqa: E402
from workorders.demo import seed_cases, seed_reference, seed_users  # noqa: E402
from workorders.services import work_order_create  # noqa: E402

assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not settings.REDIS_URL
call_command("migrate", verbosity=0)
for year in (2025, 2026):
    calendar_load_year(year=year)
ref = seed_reference()
seed_cases(ref, seed_users(ref), count=20)
key = api_key_create(name="smoke", agency=Agency.objects.get(code="PSB")).raw
c = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
out = {}
page = c.get("/api/v1/work-orders/", {"status": ["submitted", "signed", "answered", "closed"], "page_size": 3})
out["list"] = page.status_code
rows = page.json()["results"] if page.status_code == 200 else []
out["rows"] = len(rows)
out["named"] = all(r["case"]["number"] and r["agency"]["name"] and r["duty"]["name"] for r in rows)
if rows:
    out["detail"] = c.get(rows[0]["url"]).status_code
    out["next"] = c.get(page.json()["next"]).status_code if page.json()["next"] else None
out["cases"] = c.get("/api/v1/cases/").status_code
# Every other read, and an action that writes (sign) with an Idempotency-Key.
reads = ["/api/v1/agencies/", "/api/v1/duties/", "/api/v1/courts/", "/api/v1/notifications/",
         "/api/v1/calendar/days/?start=2026-09-28&end=2026-10-12", "/api/v1/calendar/due-date/?type=coordination",
         "/api/v1/scorecards/", "/api/v1/work-orders/?overdue=true&ordering=due_at",
         "/api/v1/work-orders/?updated_since=2025-01-01T00:00:00%2B08:00&ordering=updated_at",
         "/api/v1/work-orders/?case_number=" + "津0105"]
out["reads"] = {path: c.get(path).status_code for path in reads}
case = EnforcementCase.objects.filter(court__code="津0105").first()
wo = work_order_create(actor=case.judge, case=case, duty=Duty.objects.filter(agency__code="PSB").first(),
                       respondent=None, type=None, subject="查询户籍信息", details="", attachments=(), submit=True)
sign = f"/api/v1/work-orders/{wo.pk}/sign/"
out["sign"] = [c.post(sign, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="smoke-1").status_code
               for _ in range(2)]
# A fresh key at 8 a day: the counter (the local cache, no Redis) stops the 9th request.
c = Client(HTTP_AUTHORIZATION=f"Api-Key {api_key_create(name='smoke 2', agency=Agency.objects.get(code='PSB')).raw}")
with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK,
                                       "DEFAULT_THROTTLE_RATES": {"api_key": "8/day", "api_user": "8/day"}}):
    out["throttle"] = [c.get("/api/v1/me/").status_code for _ in range(10)]
print(json.dumps(out))
