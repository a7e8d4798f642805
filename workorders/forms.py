"""Forms of the work-order pages. They parse and check input; every rule about
what may happen to a work order stays in the services they feed."""
from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agencies.models import DutyArea, WorkOrderType
from cases.case_numbers import normalize_case_number
from cases.models import EnforcementCase, Party
from cases.selectors import cases_filable_by
from enforcement_hub.inputs import CleanTextForm, SingleLineCharField

from .files import ALLOWED, check_file_count, check_upload
from .limits import REASON_MAX_LENGTH, TEXT_MAX_LENGTH
from .models import Reply
from .selectors import duties_filable_by
from .services import MAX_EXTENSION_DAYS
from .subjects import SUBJECT_MAX_LENGTH, default_subject


class SubjectField(SingleLineCharField):
    """The one subject rule (workorders.subjects): one line, at most
    SUBJECT_MAX_LENGTH characters, optional (empty: the default subject)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Subject"))
        kwargs.setdefault("help_text", _("Left empty, the duty and the respondent's name are used."))
        super().__init__(max_length=SUBJECT_MAX_LENGTH, required=False, **kwargs)

BATCH_LIMIT = 5000
ACCEPT = ",".join(sorted(set(ALLOWED.values()) | {".jpeg"} | set(ALLOWED)))


# ---------------------------------------------------------------- uploads

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def get_context(self, name, value, attrs):
        # The limits are read when the page is drawn, not when the module loads,
        # so the browser's check (static/js/app.js) always agrees with the server's.
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update({
            "data-max-mb": settings.MAX_UPLOAD_MB, "data-max-files": settings.MAX_UPLOAD_FILES,
            "data-too-large": _("Too large (at most %(limit)s MB per file): %(name)s"),
            "data-too-many": _("At most %(limit)s files may be sent at once; %(count)s were chosen."),
        })
        return context


class MultipleFileField(forms.FileField):
    """Several files in one input; their number, and each file's content and
    size, are checked here so that the page can say which file is wrong before
    anything is saved. (A body cut short by the upload handler is refused by
    the view through uploads.refuse_cut_upload.)"""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ACCEPT

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        check_file_count(len(files))
        errors, out = [], []
        for f in files:
            f = super().clean(f, initial)
            try:
                check_upload(f)
            except ValidationError as exc:
                errors.extend(exc.messages)
            out.append(f)
        if errors:
            raise ValidationError(errors)
        return out


def upload_help():
    return _("PDF, PNG, JPEG, Word or Excel; at most %(mb)d MB per file.") % {"mb": settings.MAX_UPLOAD_MB}


# ---------------------------------------------------------------- duties

def active_duties(user):
    return duties_filable_by(user)


def grouped_duty_choices(duties, *, with_agency=False):
    """Duties under the six areas, in the areas' order."""
    by_area = {}
    for d in duties:
        label = f"{d.code} {d.name}"
        if with_agency:
            label += f" · {d.agency.short_name or d.agency.name}"
        by_area.setdefault(d.area, []).append((str(d.pk), label))
    return [(label, by_area[value]) for value, label in DutyArea.choices if value in by_area]


class DutySelect(forms.Select):
    """Each option carries its agency and default type, so the page can show
    them as soon as a duty is chosen."""

    def __init__(self, *args, duties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.duties = {str(d.pk): d for d in duties or ()}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        duty = self.duties.get(str(value))
        if duty is not None:
            option["attrs"]["data-agency"] = duty.agency.name
            option["attrs"]["data-type"] = duty.default_type
        return option


# ---------------------------------------------------------------- filing

class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}　{obj.cause}" if obj.cause else obj.number


class WorkOrderRequestForm(CleanTextForm):
    case = CaseChoiceField(label=_("Case"), queryset=EnforcementCase.objects.none(),
                           empty_label=_("— choose a case —"))
    respondent = forms.ModelChoiceField(label=_("Respondent"), queryset=Party.objects.none(), required=False,
                                        empty_label=_("— the case as a whole —"))
    duty = forms.ChoiceField(label=_("Duty"))
    type = forms.ChoiceField(label=_("Type"), choices=WorkOrderType.choices, required=False,
                             help_text=_("Follows the duty; change it if the matter is simpler or harder."))
    subject = SubjectField()
    details = forms.CharField(label=_("Details"), required=False, max_length=TEXT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Legal documents"))
    # The one-time token (see issue_filing_token) and the answer to the duplicate warning.
    form_token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    file_anyway = forms.BooleanField(label=_("File anyway: this is a new, separate request"), required=False)

    def __init__(self, *args, user, case=None, duties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = upload_help()
        cases = cases_filable_by(user).filter(status=EnforcementCase.Status.OPEN).order_by("number")
        if case is not None:
            # Editing a draft: the case is fixed.
            cases = cases_filable_by(user).filter(pk=case.pk)
            self.fields["case"].disabled = True
            self.initial["case"] = case.pk
        self.fields["case"].queryset = cases
        duties = list(duties if duties is not None else active_duties(user))
        self.duties = {str(d.pk): d for d in duties}
        self.fields["duty"].choices = [("", _("— choose a duty —")), *grouped_duty_choices(duties)]
        self.fields["duty"].widget = DutySelect(duties=duties, choices=self.fields["duty"].choices,
                                                attrs={"data-duty-select": ""})
        chosen = self._chosen_case(cases)
        if chosen is not None:
            self.fields["respondent"].queryset = chosen.parties.filter(role=Party.Role.RESPONDENT)

    def _chosen_case(self, cases):
        raw = self.data.get("case") if self.is_bound and not self.fields["case"].disabled else None
        raw = raw or self.initial.get("case")
        if hasattr(raw, "pk"):
            raw = raw.pk
        try:
            return cases.get(pk=int(raw)) if raw else None
        except (EnforcementCase.DoesNotExist, ValueError, TypeError):
            return None

    def clean_duty(self):
        duty = self.duties.get(self.cleaned_data["duty"])
        if duty is None:
            raise ValidationError(_("Choose a duty from the list."))
        return duty

    def clean(self):
        data = super().clean()
        duty, respondent = data.get("duty"), data.get("respondent")
        if duty and not (data.get("subject") or "").strip():
            data["subject"] = default_subject(duty, respondent)
        return data


FILING_TOKEN_SALT = "workorders.filing-token"


def issue_filing_token(user) -> str:
    """A new-request form's one-time token: random, signed for this user. The
    filing service spends its random part (a unique row) when it files."""
    return signing.dumps({"u": user.pk, "n": secrets.token_urlsafe(24)}, salt=FILING_TOKEN_SALT)


def read_filing_token(user, raw: str) -> str | None:
    """The random part of a token issued to `user`, or None if it is not one."""
    try:
        data = signing.loads(raw, salt=FILING_TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user.pk or not isinstance(data.get("n"), str):
        return None
    return data["n"][:64]


class ReturnForm(CleanTextForm):
    reason = forms.CharField(label=_("What must the court supplement?"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(CleanTextForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Reply.Outcome.choices, widget=forms.RadioSelect)
    result_text = forms.CharField(label=_("Result"), max_length=TEXT_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text=_("The query results or control results, as they should appear on the reply sheet."))
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = upload_help()


class ExtensionForm(CleanTextForm):
    days = forms.IntegerField(label=_("Extra working days"), min_value=1, max_value=MAX_EXTENSION_DAYS,
                              initial=2)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))


class DecideExtensionForm(CleanTextForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=REASON_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Required when you refuse: the agency is told why."))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the extension is refused."))
        return data


class ReopenForm(CleanTextForm):
    reason = forms.CharField(label=_("Why is the answer not sufficient?"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ResubmitForm(CleanTextForm):
    """The supplement: a note, the request's details and respondent as they
    should now read, request documents to remove and new ones to add."""

    note = forms.CharField(label=_("What was supplemented"), required=False, max_length=REASON_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}))
    details = forms.CharField(label=_("Details"), required=False, max_length=TEXT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 5}))
    respondent = forms.ModelChoiceField(label=_("Respondent"), queryset=Party.objects.none(), required=False,
                                        empty_label=_("— the case as a whole —"))
    remove_attachments = forms.ModelMultipleChoiceField(
        label=_("Remove documents"), queryset=Party.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Removed documents are no longer available; the removal is recorded in the event log."))
    attachments = MultipleFileField(label=_("Supplementary documents"))

    def __init__(self, *args, work_order, **kwargs):
        from .models import Attachment

        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = upload_help()
        self.fields["respondent"].queryset = work_order.case.parties.filter(role=Party.Role.RESPONDENT)
        self.fields["remove_attachments"].queryset = Attachment.objects.filter(
            work_order=work_order, reply__isnull=True)
        self.fields["remove_attachments"].label_from_instance = lambda a: a.original_name
        if not self.is_bound:
            self.initial.update({"details": work_order.details, "respondent": work_order.respondent_id})

    def clean_remove_attachments(self):
        return [a.pk for a in self.cleaned_data.get("remove_attachments") or ()]


class WithdrawForm(CleanTextForm):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}))


# ---------------------------------------------------------------- batch

class RespondentMode:
    EACH = "each"
    CASE = "case"
    CHOICES = [
        (EACH, _("One work order for each respondent of each case")),
        (CASE, _("One work order per case (no respondent named)")),
    ]


class BatchRequestForm(CleanTextForm):
    """Step 1: choose cases (tick or paste numbers) and duties."""

    cases = forms.ModelMultipleChoiceField(label=_("Cases"), queryset=EnforcementCase.objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple)
    case_numbers = forms.CharField(
        label=_("Or paste case numbers"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, e.g. （2026）津0105执1234号; copied from a spreadsheet is fine."))
    respondents = forms.ChoiceField(label=_("Respondents"), choices=RespondentMode.CHOICES,
                                    initial=RespondentMode.EACH, widget=forms.RadioSelect)
    duties = forms.MultipleChoiceField(label=_("Duties"), widget=forms.CheckboxSelectMultiple)
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("Each duty's default type")), *WorkOrderType.choices])
    subject = SubjectField()
    details = forms.CharField(label=_("Details"), required=False, max_length=TEXT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, duties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filable = cases_filable_by(user).filter(status=EnforcementCase.Status.OPEN)
        self.fields["cases"].queryset = self.filable.order_by("number")
        duties = list(duties if duties is not None else active_duties(user))
        self.duties = {str(d.pk): d for d in duties}
        self.fields["duties"].choices = grouped_duty_choices(duties, with_agency=True)

    def clean_case_numbers(self):
        typed, bad = {}, []
        for line in (self.cleaned_data.get("case_numbers") or "").replace("\t", "\n").splitlines():
            if not line.strip():
                continue
            try:
                typed.setdefault(normalize_case_number(line), line.strip())
            except ValidationError:
                bad.append(line.strip())
        if bad:
            raise ValidationError(_("Not case numbers: %(list)s") % {"list": "、".join(bad[:20])})
        found = {c.number: c for c in self.filable.filter(number__in=list(typed))}
        # Missing and foreign numbers get the same answer, in the user's own spelling.
        missing = [raw for number, raw in typed.items() if number not in found]
        if missing:
            raise ValidationError(_("Not open cases of your court: %(list)s") % {"list": "、".join(missing[:20])})
        return list(found.values())

    def clean(self):
        data = super().clean()
        picked = {c.pk: c for c in list(data.get("cases") or []) + list(data.get("case_numbers") or [])}
        if not picked and not self.has_error("case_numbers"):
            raise ValidationError(_("Choose at least one case."))
        data["case_list"] = sorted(picked.values(), key=lambda c: c.number)
        data["duty_list"] = [self.duties[pk] for pk in data.get("duties") or () if pk in self.duties]
        return data

    def confirm_initial(self) -> dict:
        d = self.cleaned_data
        return {
            "case_ids": ",".join(str(c.pk) for c in d["case_list"]),
            "duty_ids": ",".join(str(x.pk) for x in d["duty_list"]),
            "respondents": d["respondents"], "type": d["type"], "subject": d["subject"],
            "details": d["details"],
        }


def _id_list(value) -> list[int]:
    try:
        return [int(x) for x in (value or "").split(",") if x.strip()]
    except ValueError:
        raise ValidationError(_("The batch could not be read; start again."))


class BatchConfirmForm(CleanTextForm):
    """Step 2: the confirmed batch, carried in a few hidden fields (a list of a
    thousand inputs would exceed Django's limit on form fields)."""

    case_ids = forms.CharField(widget=forms.HiddenInput)
    duty_ids = forms.CharField(widget=forms.HiddenInput)
    respondents = forms.ChoiceField(choices=RespondentMode.CHOICES, widget=forms.HiddenInput)
    type = forms.ChoiceField(required=False, choices=[("", ""), *WorkOrderType.choices], widget=forms.HiddenInput)
    subject = SubjectField(widget=forms.HiddenInput)
    details = forms.CharField(required=False, max_length=TEXT_MAX_LENGTH, widget=forms.HiddenInput)
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)

    def __init__(self, *args, user, duties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.duties = {d.pk: d for d in (duties if duties is not None else active_duties(user))}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        case_ids, duty_ids = _id_list(data["case_ids"]), _id_list(data["duty_ids"])
        cases = list(cases_filable_by(self.user).filter(pk__in=case_ids, status=EnforcementCase.Status.OPEN)
                     .order_by("number"))
        if len(cases) != len(set(case_ids)) or not cases:
            raise ValidationError(_("Some cases are no longer open or not yours; start again."))
        duties = [self.duties[i] for i in duty_ids if i in self.duties]
        if len(duties) != len(set(duty_ids)) or not duties:
            raise ValidationError(_("Some duties are no longer available; start again."))
        data["case_list"], data["duty_list"] = cases, duties
        return data


def batch_items(cases, duties, mode, type_):
    """The (case, respondent, duty, type) pairs a batch will create. Cases come
    with `respondent_list` prefetched."""
    items = []
    for case in cases:
        respondents = list(getattr(case, "respondent_list", None) or [])
        targets = respondents if mode == RespondentMode.EACH and respondents else [None]
        for respondent in targets:
            for duty in duties:
                items.append((case, respondent, duty, type_ or None))
    if len(items) > BATCH_LIMIT:
        raise ValidationError(_("A batch may hold at most %(max)s work orders; this one would hold %(n)s.")
                              % {"max": f"{BATCH_LIMIT:,}", "n": f"{len(items):,}"})
    return items
