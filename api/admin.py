"""Admins issue and revoke API keys and manage webhook subscriptions here;
a key or signing secret is shown once, on the page that creates it."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from . import services
from .models import ApiKey, IdempotencyRecord, WebhookDelivery, WebhookEvent, WebhookSubscription


def _secret_page(request, *, title, label, secret, obj, back_url, note):
    response = TemplateResponse(request, "admin/api/secret_once.html", {
        **admin.site.each_context(request), "title": title, "label": label, "secret": secret, "obj": obj,
        "back_url": back_url, "note": note,
    })
    response["Cache-Control"] = "no-store"
    return response


def _copy_into(obj, saved):
    """Let the admin's add view carry on with the row the service created."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class ApiKeyAddForm(forms.ModelForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.filter(is_active=True), label=_("member agency"))

    class Meta:
        model = ApiKey
        fields = ["name", "agency"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["agency", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    list_select_related = ["agency"]
    actions = ["revoke"]
    readonly_fields = ["agency", "prefix", "user", "created_by", "created_at", "last_used_at", "revoked_at",
                       "revoked_by"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["name", "agency"] if obj is None else ["name", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit log points at the key's user

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        issued = services.api_key_create(name=obj.name, agency=form.cleaned_data["agency"], actor=request.user)
        _copy_into(obj, issued.api_key)
        request._eh_issued_secret = issued.raw

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_eh_issued_secret", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        return _secret_page(
            request, title=_("API key created"), label=_("API key"), secret=raw, obj=obj,
            back_url="../", note=_("Copy the key now and give it to the agency system: it is stored only as a "
                                   "hash and will not be shown again. The system sends it as "
                                   "“Authorization: Api-Key <key>”."))

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        n = 0
        for key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(api_key=key, actor=request.user)
            n += 1
        self.message_user(request, _("%(n)d key(s) revoked.") % {"n": n}, messages.SUCCESS)


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple,
                                       label=_("events"))
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ["name", "agency", "api_key", "url", "events", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            services.validate_webhook_url(url)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages)
        return url


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    max_num = 0
    fields = ["created_at", "event_type", "status", "attempts", "last_status_code", "next_attempt_at",
              "delivered_at", "last_error"]
    readonly_fields = fields
    ordering = ["-id"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-id")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "agency", "url", "is_active", "cursor", "created_at"]
    list_filter = ["agency", "is_active"]
    list_select_related = ["agency"]
    readonly_fields = ["cursor", "created_by", "created_at"]
    inlines = [DeliveryInline]
    actions = ["rotate_secret"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.webhook_subscription_update(subscription=obj, name=data["name"], url=data["url"],
                                                 events=data["events"], is_active=data["is_active"])
            return
        sub = services.webhook_subscription_create(name=data["name"], agency=data["agency"], url=data["url"],
                                                   events=data["events"], api_key=data.get("api_key"),
                                                   actor=request.user)
        _copy_into(obj, sub)
        request._eh_issued_secret = sub.secret

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "_eh_issued_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return _secret_page(request, title=_("Webhook subscription created"), label=_("Signing secret"),
                            secret=secret, obj=obj, back_url="../", note=_(
                                "Give this secret to the receiving system: it checks "
                                "X-EnforcementHub-Signature = sha256=HMAC-SHA256(secret, timestamp + “.” + body). "
                                "It will not be shown again."))

    @admin.action(description=_("Rotate the signing secret"))
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Rotate one subscription at a time."), messages.WARNING)
            return None
        sub = queryset.get()
        secret = services.webhook_secret_rotate(subscription=sub)
        return _secret_page(request, title=_("New signing secret"), label=_("Signing secret"), secret=secret,
                            obj=sub, back_url="", note=_("The old secret no longer signs deliveries. "
                                                         "It will not be shown again."))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subscription", "event_type", "status", "attempts", "last_status_code",
                    "next_attempt_at", "delivered_at"]
    list_filter = ["status", "event_type", "subscription"]
    list_select_related = ["subscription"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry the selected deliveries now"))
    def retry_now(self, request, queryset):
        n = services.webhook_deliveries_retry(ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(n)d deliveries queued for a new attempt.") % {"n": n}, messages.SUCCESS)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "owner", "key", "method", "path", "response_status"]
    list_filter = ["method", "response_status"]
    search_fields = ["key", "path"]
    list_select_related = ["owner"]
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
