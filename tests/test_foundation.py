"""Case numbers, masking, demo seed, production settings and the compose file."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from cases.case_numbers import normalize_case_number
from cases.masking import mask_identifier

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("raw,stored", [
    ("（2024）津0105执1234号", "（2024）津0105执1234号"),
    ("(2024)津0105执1234号", "（2024）津0105执1234号"),
    (" (2025) 津01执恢12号 ", "（2025）津01执恢12号"),
    ("（2026）津执3号", "（2026）津执3号"),
    ("(2024）津0105执保1号", "（2024）津0105执保1号"),
])
def test_case_numbers_are_normalised(raw, stored):
    assert normalize_case_number(raw) == stored


@pytest.mark.parametrize("raw", [
    "", "2024津0105执1234号", "（24）津0105执1234号", "（2024）津0105民1234号", "（2024）津0105执1234",
    "（2024）0105执1234号", "（2024）津0105执0号", "（2024）津0105执12a号", "(2024]津0105执1号",
])
def test_malformed_case_numbers_are_clear_errors(raw):
    with pytest.raises(ValidationError) as err:
        normalize_case_number(raw)
    assert "（2024）津0105执1234号" in str(err.value.messages[0]) or "2024" in err.value.messages[0]


@pytest.mark.django_db
def test_case_model_validation_message_is_in_chinese(ref):
    from django.utils import translation

    from cases.models import Court, EnforcementCase

    case = EnforcementCase(number="津0105执1号", court=Court.objects.get(code="津0105"))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as err:
        case.full_clean()
    assert "案号" in str(err.value)


def test_identifiers_are_masked():
    assert mask_identifier("120105198001011234") == "120***********1234"
    assert mask_identifier("91120105MA05XXXX7Y") == "911***********XX7Y"
    assert mask_identifier("123") == "***"


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_complete():
    from django.contrib.auth import get_user_model

    from agencies.models import Agency, Duty
    from workorders.demo import seed_demo
    from workorders.models import Status, WorkOrder

    first = seed_demo(cases=30)
    snapshot = (Agency.objects.count(), Duty.objects.count(), WorkOrder.objects.count(),
                get_user_model().objects.count())
    second = seed_demo(cases=30)
    assert second["cases_created"] == 0
    assert snapshot == (Agency.objects.count(), Duty.objects.count(), WorkOrder.objects.count(),
                        get_user_model().objects.count())
    assert first["agencies"] == 21 and first["duties"] == 51 and first["courts"] == 5
    names = set(get_user_model().objects.values_list("username", flat=True))
    assert {"admin", "center", "supervisor", "judge", "judge2", "liaison", "head", "liaison2"} <= names
    assert len([n for n in names if n.startswith("liaison_")]) == 19
    statuses = set(WorkOrder.objects.values_list("status", flat=True))
    assert {Status.SUBMITTED, Status.SIGNED, Status.ANSWERED, Status.CLOSED} <= statuses


def _manage(*args, env=None):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


PROD = {"EH_ENV": "production", "SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-0123456789",
        "ALLOWED_HOSTS": "hub.example.org", "DEBUG": "false"}


def test_production_refuses_to_start_without_a_real_secret_key():
    env = {k: v for k, v in PROD.items() if k != "SECRET_KEY"}
    result = _manage("check", env={**env, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_compose_file_is_valid():
    result = subprocess.run(["docker-compose", "-f", "docker-compose.yml", "config", "--quiet"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "SECRET_KEY": "s" * 60, "POSTGRES_PASSWORD": "pw"})
    assert result.returncode == 0, result.stderr
    services = subprocess.run(["docker-compose", "-f", "docker-compose.yml", "config", "--services"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "SECRET_KEY": "s" * 60, "POSTGRES_PASSWORD": "pw"})
    assert set(services.stdout.split()) == {"proxy", "web", "worker", "beat", "postgres", "redis"}


def test_the_api_works_on_the_embedded_default(tmp_path):
    """`make run` with no settings: SQLite, no Redis. List (with its related-row
    lookup), detail, next page, every other read, an idempotent action, and the
    throttle's local counter."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", 
                "PRIVATE_MEDIA_ROOT": str(tmp_path / "private")})
    result = subprocess.run([sys.executable, "tests/embedded_default_smoke.py"], cwd=ROOT, capture_output=True,
                            text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["list"] == 200 and out["rows"] == 3 and out["named"], out
    assert out["detail"] == 200 and out["next"] == 200 and out["cases"] == 200, out
    assert set(out["reads"].values()) == {200}, out["reads"]
    assert out["sign"] == [200, 200], out  # the replay answers as the first time
    assert out["throttle"] == [200] * 8 + [429] * 2, out
