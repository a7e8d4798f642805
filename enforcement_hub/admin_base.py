"""Admin building blocks: the admin is another interface, not a back door.

- `ReadOnlyModelAdmin`: rows only the platform writes (audit logs, the
  work-order log, rollups). Browse, never add, change or delete; the change
  view shows every field read-only. State changes, where offered, are admin
  actions that call the services.
- `AuditedModelAdmin`: reference rows the admin may edit. The forms still
  validate; saving and deleting call the model's services, which write the row
  and its `audit.AuditEntry` (field old → new) in one transaction.
- `render_revealed`: the page that shows ID numbers revealed through a logged
  service, never cached.
"""
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For rows only the platform writes (audit log, rollups): browse, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def model_values(form, *, changed_only: bool) -> dict:
    """The form's cleaned values for the model's own fields (changed ones only,
    for an update)."""
    model = form._meta.model
    names = {f.name for f in model._meta.concrete_fields if not f.primary_key}
    source = form.changed_data if changed_only else form.cleaned_data.keys()
    return {name: form.cleaned_data[name] for name in source if name in names and name in form.cleaned_data}


def _adopt(obj, saved):
    """Let the admin's in-memory object stand for the row the service saved."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class AuditedModelAdmin(admin.ModelAdmin):
    """Saves and deletes go through the services named by the subclass."""

    def create_object(self, request, values: dict):
        raise NotImplementedError

    def update_object(self, request, obj, values: dict):
        raise NotImplementedError

    def delete_object(self, request, obj) -> None:
        raise NotImplementedError

    def form_values(self, request, form, change: bool) -> dict:
        return model_values(form, changed_only=change)

    def save_model(self, request, obj, form, change):
        values = self.form_values(request, form, change)
        saved = self.update_object(request, obj, values) if change else self.create_object(request, values)
        _adopt(obj, saved)

    def delete_model(self, request, obj):
        self.delete_object(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_object(request, obj)


def render_revealed(request, model_admin, rows):
    """rows: [(label, full ID number)]. Shown once, not cached; the reveal was logged."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("ID numbers revealed"),
        "opts": model_admin.model._meta,
        "rows": rows,
    }
    response = TemplateResponse(request, "admin/revealed_ids.html", context)
    response["Cache-Control"] = "no-store, private"
    return response


def render_reason_form(request, model_admin, queryset, *, action, title, label):
    """The intermediate page of an admin action that needs a reason."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "objects": queryset,
        "action": action,
        "label": label,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/action_reason.html", context)


class ScopedAdminMixin:
    """The admin reads an aggregate through the same fetch-and-authorize rule as
    pages, API and exports (`scope(user)` is the aggregate's `*_for` selector).
    Superusers see everything, as the selectors already say; any other staff
    user sees only what the selector gives him."""

    scope = None  # staticmethod(user) -> QuerySet

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or self.scope is None:
            return qs
        return qs.filter(pk__in=self.scope(request.user).values("pk"))
