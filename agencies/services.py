"""Writes to agency and center memberships (who is a liaison, a head, a center
administrator or supervisor). Each writes the row and its `audit.AuditEntry`
in one transaction: memberships decide who sees which work orders."""
from __future__ import annotations

from audit.services import record_create, record_delete, record_update

from .models import AgencyMembership, CenterMembership


def agency_membership_create(*, actor, values: dict) -> AgencyMembership:
    return record_create(model=AgencyMembership, actor=actor, values=values)


def agency_membership_update(*, membership: AgencyMembership, actor, values: dict) -> AgencyMembership:
    return record_update(obj=membership, actor=actor, values=values)


def agency_membership_delete(*, membership: AgencyMembership, actor) -> None:
    record_delete(obj=membership, actor=actor)


def center_membership_create(*, actor, values: dict) -> CenterMembership:
    return record_create(model=CenterMembership, actor=actor, values=values)


def center_membership_update(*, membership: CenterMembership, actor, values: dict) -> CenterMembership:
    return record_update(obj=membership, actor=actor, values=values)


def center_membership_delete(*, membership: CenterMembership, actor) -> None:
    record_delete(obj=membership, actor=actor)
