from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrderType(models.TextChoices):
    QUERY = "query", _("Information query")
    COORDINATION = "coordination", _("Coordination")
    COMPLEX = "complex", _("Difficult / complex")


class DutyArea(models.TextChoices):
    LOCATE = "locate", _("Locating respondents")
    PROPERTY = "property", _("Property query and control")
    CREDIT = "credit", _("Credit discipline")
    DISPOSAL = "disposal", _("Disposal and transfer")
    REFUSAL = "refusal", _("Punishing refusal to enforce")
    RELIEF = "relief", _("Relief and source governance")


class LinkageCenter(models.Model):
    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent center"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )

    class Meta:
        verbose_name = _("linkage center")
        verbose_name_plural = _("linkage centers")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def subtree_ids(self):
        """Ids of this center and every center below it."""
        from .selectors import centers_with_descendants

        return centers_with_descendants([self.pk])


class Agency(models.Model):
    class Kind(models.TextChoices):
        POLITICAL_LEGAL = "political_legal", _("Political-legal")
        JUDICIAL = "judicial", _("Judicial")
        PUBLIC_SECURITY = "public_security", _("Public security")
        REGISTRY = "registry", _("Registry")
        FINANCE_TAX = "finance_tax", _("Finance and tax")
        SOCIAL = "social", _("Social affairs")
        MARKET = "market", _("Market and economy")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.OTHER)
    center = models.ForeignKey(
        LinkageCenter, verbose_name=_("linkage center"), on_delete=models.PROTECT,
        related_name="agencies",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("member agency")
        verbose_name_plural = _("member agencies")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Duty(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    area = models.CharField(_("area"), max_length=16, choices=DutyArea.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("member agency"), on_delete=models.PROTECT, related_name="duties"
    )
    default_type = models.CharField(
        _("default type"), max_length=16, choices=WorkOrderType.choices
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["area", "code"]

    def __str__(self):
        return self.name


class AgencyMembership(models.Model):
    class Role(models.TextChoices):
        LIAISON = "liaison", _("Liaison")
        HEAD = "head", _("Agency head")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="agency_memberships",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("member agency"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("agency membership")
        verbose_name_plural = _("agency memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="uniq_agency_membership")
        ]

    def __str__(self):
        return f"{self.user} @ {self.agency} ({self.get_role_display()})"


class CenterMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Center administrator")
        SUPERVISOR = "supervisor", _("Supervisor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="center_memberships",
    )
    center = models.ForeignKey(
        LinkageCenter, verbose_name=_("linkage center"), on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("center membership")
        verbose_name_plural = _("center memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "center", "role"], name="uniq_center_membership")
        ]

    def __str__(self):
        return f"{self.user} @ {self.center} ({self.get_role_display()})"
