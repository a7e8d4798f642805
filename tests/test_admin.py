"""Every model of the platform is in the admin, every changelist and change view
opens, and no admin writes around the services."""
import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from enforcement_hub.admin_base import AuditedModelAdmin, ReadOnlyModelAdmin
from tests.factories import make_case, make_work_order

PLATFORM_APPS = ("agencies", "cases", "workorders", "notifications", "dashboards", "api", "audit")
MODELS = [m for m in apps.get_models() if m._meta.app_label in PLATFORM_APPS]

# The work-order log and the audit log: shown, never edited in the admin.
READ_ONLY = {"workorders.WorkOrder", "workorders.Reply", "workorders.Attachment", "workorders.WorkOrderEvent",
             "workorders.Escalation", "workorders.ExtensionRequest", "workorders.WorkOrderBatch", "workorders.FilingToken",
             "notifications.Notification", "audit.AuditEntry"}
# Edited in the admin through services that write an AuditEntry.
AUDITED = {"cases.EnforcementCase", "cases.Party", "cases.JudgeMembership", "agencies.AgencyMembership",
           "agencies.CenterMembership", "workorders.SlaPolicy", "workorders.EscalationRule"}


def label(model):
    return f"{model._meta.app_label}.{model.__name__}"


def test_every_platform_model_is_registered():
    missing = [m.__name__ for m in MODELS if m not in admin.site._registry]
    assert not missing


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_log_models_are_read_only_and_reference_edits_are_audited(model):
    model_admin = admin.site._registry[model]
    if label(model) in READ_ONLY:
        assert isinstance(model_admin, ReadOnlyModelAdmin)
    if label(model) in AUDITED:
        assert isinstance(model_admin, AuditedModelAdmin)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=label)
def test_changelist_opens_in_chinese(client, ref, admin_user, judge, model):
    make_work_order(case=make_case(judge=judge), judge=judge)
    client.force_login(admin_user)
    response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"),
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "站点管理" in response.content.decode() or "首页" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=label)
def test_change_view_opens(client, ref, admin_user, judge, model):
    make_work_order(case=make_case(judge=judge), judge=judge)
    obj = model.objects.first()
    if obj is None:
        pytest.skip("no row of this model in the reference data")
    client.force_login(admin_user)
    response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                                  args=[obj.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
