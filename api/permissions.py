"""Coarse role gates. Which objects a caller sees is the selectors' business;
what he may do to one work order is workorders.access (called by the services)."""
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from agencies.roles import roles_of


class IsJudge(BasePermission):
    message = _("Only enforcement judges may file work orders.")

    def has_permission(self, request, view):
        roles = roles_of(request.user)
        return roles.is_superuser or roles.is_judge


class CanReadScorecards(BasePermission):
    message = _("Scorecards are for agencies and linkage centers.")

    def has_permission(self, request, view):
        roles = roles_of(request.user)
        return roles.is_superuser or roles.is_agency_member or bool(roles.center_ids)
