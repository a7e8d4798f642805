"""Who a user is in the platform: judge of which courts, member of which agencies,
admin or supervisor of which centers. Computed once per request and cached on
the user object; every access decision starts here."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from .models import Agency, AgencyMembership, CenterMembership
from .selectors import center_parents, centers_with_descendants


class Role(models.TextChoices):
    """The role a home page is built for (`Roles.primary`)."""

    ADMIN = "admin"
    CENTER = "center"
    SUPERVISOR = "supervisor"
    HEAD = "head"
    LIAISON = "liaison"
    JUDGE = "judge"
    NONE = "none"


AGENCY_ROLES = (Role.HEAD, Role.LIAISON)


@dataclass(frozen=True)
class Roles:
    is_superuser: bool = False
    court_ids: frozenset = field(default_factory=frozenset)
    agency_ids: frozenset = field(default_factory=frozenset)  # liaison or head
    head_agency_ids: frozenset = field(default_factory=frozenset)
    admin_center_ids: frozenset = field(default_factory=frozenset)  # with their subtrees
    supervisor_center_ids: frozenset = field(default_factory=frozenset)
    # What lies under those centers, resolved once so scopes filter on plain columns.
    center_agency_ids: frozenset = field(default_factory=frozenset)
    center_court_ids: frozenset = field(default_factory=frozenset)

    @property
    def is_judge(self):
        return bool(self.court_ids)

    @property
    def is_agency_member(self):
        return bool(self.agency_ids)

    @property
    def is_center_admin(self):
        return bool(self.admin_center_ids)

    @property
    def is_supervisor(self):
        return bool(self.supervisor_center_ids)

    @property
    def center_ids(self):
        return self.admin_center_ids | self.supervisor_center_ids

    @property
    def primary(self) -> Role:
        """The role a home page is built for."""
        if self.is_superuser:
            return Role.ADMIN
        if self.is_center_admin:
            return Role.CENTER
        if self.is_supervisor:
            return Role.SUPERVISOR
        if self.head_agency_ids:
            return Role.HEAD
        if self.is_agency_member:
            return Role.LIAISON
        if self.is_judge:
            return Role.JUDGE
        return Role.NONE


def _ids_under(model, centers):
    if not centers:
        return frozenset()
    return frozenset(model.objects.filter(center_id__in=centers).values_list("pk", flat=True))


def roles_of(user) -> Roles:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Roles()
    cached = getattr(user, "_eh_roles", None)
    if cached is not None:
        return cached
    from cases.models import Court, JudgeMembership

    agency_rows = list(AgencyMembership.objects.filter(user=user).values_list("agency_id", "role"))
    center_rows = list(CenterMembership.objects.filter(user=user).values_list("center_id", "role"))
    admin = [c for c, r in center_rows if r == CenterMembership.Role.ADMIN]
    sup = [c for c, r in center_rows if r == CenterMembership.Role.SUPERVISOR]
    parents = center_parents() if center_rows else {}
    admin_ids = frozenset(centers_with_descendants(admin, parents))
    sup_ids = frozenset(centers_with_descendants(sup, parents))
    centers = admin_ids | sup_ids
    roles = Roles(
        is_superuser=user.is_superuser,
        court_ids=frozenset(JudgeMembership.objects.filter(user=user).values_list("court_id", flat=True)),
        agency_ids=frozenset(a for a, _ in agency_rows),
        head_agency_ids=frozenset(a for a, r in agency_rows if r == AgencyMembership.Role.HEAD),
        admin_center_ids=admin_ids,
        supervisor_center_ids=sup_ids,
        center_agency_ids=_ids_under(Agency, centers),
        center_court_ids=_ids_under(Court, centers),
    )
    user._eh_roles = roles
    return roles
