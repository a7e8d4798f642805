from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import LinkageCenter

from .case_numbers import normalize_case_number
from .masking import mask_identifier


class Court(models.Model):
    class Level(models.TextChoices):
        HIGH = "high", _("High court")
        INTERMEDIATE = "intermediate", _("Intermediate court")
        BASIC = "basic", _("Basic court")

    code = models.CharField(_("code"), max_length=16, unique=True, help_text=_("e.g. 津0105"))
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent court"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    center = models.ForeignKey(
        LinkageCenter, verbose_name=_("linkage center"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="courts",
    )

    class Meta:
        verbose_name = _("court")
        verbose_name_plural = _("courts")
        ordering = ["code"]

    def __str__(self):
        return self.name


class JudgeMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="judge_memberships",
    )
    court = models.ForeignKey(
        Court, verbose_name=_("court"), on_delete=models.CASCADE, related_name="judges"
    )

    class Meta:
        verbose_name = _("judge membership")
        verbose_name_plural = _("judge memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "court"], name="uniq_judge_membership")
        ]

    def __str__(self):
        return f"{self.user} @ {self.court}"


class EnforcementCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Under enforcement")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("case number"), max_length=64, unique=True)
    court = models.ForeignKey(
        Court, verbose_name=_("court"), on_delete=models.PROTECT, related_name="cases"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enforcement judge"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="cases",
    )
    cause = models.CharField(_("cause of action"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount to enforce (CNY)"), max_digits=16, decimal_places=2, default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")
        ordering = ["-filed_on", "-id"]
        indexes = [models.Index(fields=["court", "status"], name="case_court_status")]

    def __str__(self):
        return self.number

    def clean(self):
        try:
            self.number = normalize_case_number(self.number)
        except ValidationError as exc:
            raise ValidationError({"number": exc.messages})


class Party(models.Model):
    class Role(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")

    class Kind(models.TextChoices):
        PERSON = "person", _("Natural person")
        COMPANY = "company", _("Organisation")

    case = models.ForeignKey(
        EnforcementCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    id_number = models.CharField(
        _("ID number / unified credit code"), max_length=32, blank=True,
        help_text=_("Stored in full; shown masked."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["role", "id"]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self):
        return mask_identifier(self.id_number)
