"""Every model of the platform is in the admin, and every changelist opens."""
import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.factories import make_case, make_work_order

PLATFORM_APPS = ("agencies", "cases", "workorders", "notifications", "dashboards", "api")
MODELS = [m for m in apps.get_models() if m._meta.app_label in PLATFORM_APPS]


def test_every_platform_model_is_registered():
    missing = [m.__name__ for m in MODELS if m not in admin.site._registry]
    assert not missing


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m._meta.app_label}.{m.__name__}")
def test_changelist_opens_in_chinese(client, ref, admin_user, judge, model):
    make_work_order(case=make_case(judge=judge), judge=judge)
    client.force_login(admin_user)
    response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"),
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "站点管理" in response.content.decode() or "首页" in response.content.decode()
