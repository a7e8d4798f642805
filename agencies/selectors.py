"""Reads over the center tree and the people in it: the one walk of the tree
(up to the ancestors, down to the descendants) and the one lookup of who
staffs an agency or a center. Pages, services and the escalation sweep use
these; none walks `parent` by hand."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model

from .models import AgencyMembership, CenterMembership, LinkageCenter


def center_parents() -> dict[int, int | None]:
    """The whole tree as {center id: parent id}, in one query (the tree is small:
    a city center and its districts). Pass it to the walks below to reuse it."""
    return dict(LinkageCenter.objects.values_list("pk", "parent_id"))


def centers_with_ancestors(center_ids: Iterable[int | None], parents: dict | None = None) -> set[int]:
    """The given centers and every center above them. A court may ask the
    member agencies of its own linkage center and of the centers above it;
    a center's escalations reach the staff of the centers above it."""
    parents = center_parents() if parents is None else parents
    out: set[int] = set()
    for cid in center_ids:
        while cid is not None and cid not in out:
            out.add(cid)
            cid = parents.get(cid)
    return out


def centers_with_descendants(center_ids: Iterable[int], parents: dict | None = None) -> set[int]:
    """The given centers and every center below them: what a center's
    administrators and supervisors oversee."""
    parents = center_parents() if parents is None else parents
    children: dict[int, list[int]] = {}
    for cid, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(cid)
    out: set[int] = set()
    frontier = [c for c in center_ids if c is not None]
    while frontier:
        cid = frontier.pop()
        if cid not in out:
            out.add(cid)
            frontier.extend(children.get(cid, ()))
    return out


def agency_staff(agency_id: int, role: str = AgencyMembership.Role.LIAISON) -> list:
    """Active members of an agency in `role` (its liaisons by default)."""
    return list(get_user_model().objects.filter(
        is_active=True, agency_memberships__agency_id=agency_id, agency_memberships__role=role,
    ).distinct())


def center_staff(center_id: int | None, role: str = CenterMembership.Role.ADMIN,
                 parents: dict | None = None) -> list:
    """Active staff in `role` of the center and of every center above it."""
    return list(get_user_model().objects.filter(
        is_active=True, center_memberships__center_id__in=centers_with_ancestors([center_id], parents),
        center_memberships__role=role,
    ).distinct())
