import re
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import IS_FACETS_VAR, SEARCH_VAR, ChangeList
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.urls import path
from django.utils.translation import gettext_lazy as _

from enforcement_hub.admin_base import AuditedModelAdmin, ScopedAdminMixin, model_values, render_revealed

from . import selectors, services
from .masking import mask_identifier
from .models import Court, EnforcementCase, JudgeMembership, Party

# An 18-character resident ID or unified credit code (15 for old IDs): searched
# by exact match only, and never echoed back in the page.
ID_QUERY = re.compile(r"^[0-9A-Za-z]{15,18}$")


@admin.register(Court)
class CourtAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "center"]
    list_filter = ["level", "center"]
    search_fields = ["code", "name"]


@admin.register(JudgeMembership)
class JudgeMembershipAdmin(AuditedModelAdmin):
    """Memberships decide who sees which work orders: every edit is audited."""

    list_display = ["user", "court"]
    list_filter = ["court"]
    search_fields = ["user__username", "user__first_name", "court__name"]
    list_select_related = ["user", "court"]

    def create_object(self, request, values):
        return services.judge_membership_create(actor=request.user, values=values)

    def update_object(self, request, obj, values):
        return services.judge_membership_update(membership=obj, actor=request.user, values=values)

    def delete_object(self, request, obj):
        services.judge_membership_delete(membership=obj, actor=request.user)


class PartyForm(forms.ModelForm):
    """The stored ID number is never put in the form: the admin sees it masked
    and may type a new one (logged, masked) — or reveal it through the logged action."""

    new_id_number = forms.CharField(
        label=_("Set ID number"), required=False, max_length=32,
        help_text=_("Leave blank to keep the current number. Stored in full, shown masked; "
                    "the change is logged."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 20}),
    )

    class Meta:
        model = Party
        fields = ["case", "role", "kind", "name", "address"]

    def clean_new_id_number(self):
        return self.cleaned_data["new_id_number"].strip().upper()


def party_values(form, *, change: bool) -> dict:
    values = model_values(form, changed_only=change)
    if form.cleaned_data.get("new_id_number"):
        values["id_number"] = form.cleaned_data["new_id_number"]
    return values


class MaskedIdMixin:
    @admin.display(description=_("ID number / unified credit code"))
    def id_number_masked(self, obj):
        return obj.masked_id_number if obj and obj.pk else ""


class PartyInline(MaskedIdMixin, admin.TabularInline):
    model = Party
    form = PartyForm
    extra = 0
    fields = ["role", "kind", "name", "id_number_masked", "new_id_number", "address"]
    readonly_fields = ["id_number_masked"]


@admin.register(EnforcementCase)
class EnforcementCaseAdmin(ScopedAdminMixin, AuditedModelAdmin):
    scope = staticmethod(selectors.cases_for)
    list_display = ["number", "court", "judge", "cause", "amount", "status", "filed_on"]
    list_filter = ["status", "court"]
    search_fields = ["number", "parties__name"]
    list_select_related = ["court", "judge"]
    inlines = [PartyInline]
    date_hierarchy = "filed_on"

    def create_object(self, request, values):
        return services.case_create(actor=request.user, values=values)

    def update_object(self, request, obj, values):
        return services.case_update(case=obj, actor=request.user, values=values)

    def delete_object(self, request, obj):
        services.case_delete(case=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        """Parties are created, changed and deleted through the party services."""
        if formset.model is not Party:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for f in formset.deleted_forms:
            if f.instance.pk:
                services.party_delete(party=f.instance, actor=request.user)
                formset.deleted_objects.append(f.instance)
        for f in formset.forms:
            if f in formset.deleted_forms or not f.has_changed():
                continue
            if f.instance.pk:
                party = services.party_update(party=f.instance, actor=request.user,
                                              values=party_values(f, change=True))
                formset.changed_objects.append((party, f.changed_data))
            else:
                values = party_values(f, change=False)
                values["case"] = form.instance
                party = services.party_create(actor=request.user, values=values)
                formset.new_objects.append(party)
            f.instance = party


@admin.register(Party)
class PartyAdmin(MaskedIdMixin, AuditedModelAdmin):
    form = PartyForm
    list_display = ["name", "role", "kind", "id_number_masked", "case"]
    list_filter = ["role", "kind"]
    search_fields = ["name", "case__number"]
    list_select_related = ["case"]
    fields = ["case", "role", "kind", "name", "id_number_masked", "new_id_number", "address"]
    readonly_fields = ["id_number_masked"]
    actions = ["reveal_id_numbers"]

    def form_values(self, request, form, change):
        return party_values(form, change=change)

    def create_object(self, request, values):
        return services.party_create(actor=request.user, values=values)

    def update_object(self, request, obj, values):
        return services.party_update(party=obj, actor=request.user, values=values)

    def delete_object(self, request, obj):
        services.party_delete(party=obj, actor=request.user)

    @admin.action(description=_("Reveal the ID numbers (logged)"))
    def reveal_id_numbers(self, request, queryset):
        rows = []
        for party in queryset.select_related("case"):
            try:
                number = services.party_id_reveal(party=party, actor=request.user)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            rows.append((f"{party.case} {party.name}", number))
        return render_revealed(request, self, rows)

    def get_urls(self):
        return [
            path("<path:object_id>/reveal/", self.admin_site.admin_view(self.reveal_view),
                 name="cases_party_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request, object_id):
        """The change view's "Reveal ID number (logged)" button: POST only."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        party = self.get_object(request, unquote(object_id))
        if party is None or not self.has_view_permission(request, party):
            raise Http404
        number = services.party_id_reveal(party=party, actor=request.user)
        return render_revealed(request, self, [(f"{party.case} {party.name}", number)])

    # Search: an ID number matches exactly, and the page never shows it back.

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if ID_QUERY.match(term):
            results = results | queryset.filter(id_number__iexact=term)
        return results, may_have_duplicates

    def get_preserved_filters(self, request):
        preserved = super().get_preserved_filters(request)
        if not preserved or not ID_QUERY.match(request.GET.get(SEARCH_VAR, "").strip()):
            return preserved
        # "_changelist_filters=<urlencoded GET>": drop the ID number from it.
        outer = dict(parse_qsl(preserved))
        inner = [(k, v) for k, v in parse_qsl(outer.get("_changelist_filters", "")) if k != SEARCH_VAR]
        return urlencode({"_changelist_filters": urlencode(inner)}) if inner else ""

    def get_changelist(self, request, **kwargs):
        return IdMaskingChangeList


class IdMaskingChangeList(ChangeList):
    """After an exact ID-number search, the search box shows the number masked
    and the sort, filter, facet and page links leave it out."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        term = (self.query or "").strip()
        if ID_QUERY.match(term):
            self.query = mask_identifier(term)
            self.params.pop(SEARCH_VAR, None)
            self.filter_params.pop(SEARCH_VAR, None)
            self.remove_facet_link = self.get_query_string(remove=[IS_FACETS_VAR])
            self.add_facet_link = self.get_query_string({IS_FACETS_VAR: True})
