"""Writes to cases, parties and judge memberships outside the work-order flow
(the admin). Each writes the row and its `audit.AuditEntry` in one
transaction; a party's ID number is stored in full but logged masked, and
revealing it in full is itself logged."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import audit_log, record_create, record_delete, record_update

from .models import EnforcementCase, JudgeMembership, Party

PARTY_MASKED = ("id_number",)

# ---------------------------------------------------------------- cases


def case_create(*, actor, values: dict) -> EnforcementCase:
    """The case number is validated and normalised (EnforcementCase.clean)."""
    return record_create(model=EnforcementCase, actor=actor, values=values)


def case_update(*, case: EnforcementCase, actor, values: dict) -> EnforcementCase:
    return record_update(obj=case, actor=actor, values=values)


@transaction.atomic
def case_delete(*, case: EnforcementCase, actor) -> None:
    """Its parties go with it, each logged. A case with work orders is protected."""
    for party in case.parties.all():
        record_delete(obj=party, actor=actor, masked=PARTY_MASKED)
    record_delete(obj=case, actor=actor)


# ---------------------------------------------------------------- parties

def party_create(*, actor, values: dict) -> Party:
    return record_create(model=Party, actor=actor, values=values, masked=PARTY_MASKED)


def party_update(*, party: Party, actor, values: dict) -> Party:
    """`values` may carry a new `id_number`; the log shows it masked."""
    return record_update(obj=party, actor=actor, values=values, masked=PARTY_MASKED)


def party_delete(*, party: Party, actor) -> None:
    record_delete(obj=party, actor=actor, masked=PARTY_MASKED)


def can_reveal_party_id(user) -> bool:
    """Staff who may see parties in the admin. Pages use workorders.access.can_reveal_id."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("cases.view_party"))


@transaction.atomic
def party_id_reveal(*, party: Party, actor) -> str:
    """Return the party's full ID number; the reveal is logged (action "reveal")."""
    if not can_reveal_party_id(actor):
        raise PermissionDenied(_("You may not see this ID number."))
    party = Party.objects.get(pk=party.pk)
    audit_log(actor=actor, action=AuditEntry.Action.REVEAL, obj=party)
    return party.id_number


# ---------------------------------------------------------------- judge memberships

def judge_membership_create(*, actor, values: dict) -> JudgeMembership:
    return record_create(model=JudgeMembership, actor=actor, values=values)


def judge_membership_update(*, membership: JudgeMembership, actor, values: dict) -> JudgeMembership:
    return record_update(obj=membership, actor=actor, values=values)


def judge_membership_delete(*, membership: JudgeMembership, actor) -> None:
    record_delete(obj=membership, actor=actor)
