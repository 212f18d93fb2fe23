"""Who may call an endpoint: the roles the view declares (`allowed_roles`, as on the pages), and nobody whose scope
is read-only (auditors) with a method that changes data. What rows a call sees is the selectors' business."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.access import EVERY_ROLE, scope_of


class RolePermission(BasePermission):
    message = _("Your role may not use this endpoint.")

    def has_permission(self, request, view) -> bool:
        scope = scope_of(request.user)
        if scope.role is None:
            return False
        if request.method not in SAFE_METHODS and scope.read_only:
            self.message = _("This token may only read: auditors change nothing.")
            return False
        return scope.role in getattr(view, "allowed_roles", EVERY_ROLE)
