"""Shared fixtures: the reference data, personas and time helpers.

The suite runs on the real PostgreSQL and Redis (`make test` sets DATABASE_URL
and REDIS_URL); it refuses SQLite so a green run cannot hide a database bug."""
import os

import pytest
from django.conf import settings

from tests import factories

if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and not os.environ.get("EH_ALLOW_SQLITE"):
    pytest.exit("The tests run on PostgreSQL: set DATABASE_URL (make test does).", returncode=3)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def ref(db):
    """Reference data (centers, agencies, duties, courts, users per role, the
    2024–2026 calendar). Loaded once; transactional tests reload it after a flush."""
    return factories.ensure_reference()


def _persona(name):
    @pytest.fixture
    def fixture(ref):
        return factories.user(name)

    return fixture


judge = _persona("judge")
judge2 = _persona("judge2")
liaison = _persona("liaison")
liaison2 = _persona("liaison2")
head = _persona("head")
center = _persona("center")
supervisor = _persona("supervisor")
admin_user = _persona("admin")


@pytest.fixture
def case(ref, judge):
    return factories.make_case(court_code="津0105", judge=judge)


@pytest.fixture
def case2(ref, judge2):
    return factories.make_case(court_code="津0101", judge=judge2)
