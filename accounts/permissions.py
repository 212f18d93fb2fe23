"""Admin permissions derived from the staff role (SPEC §1), so they can never drift from it.

The bureau may add, change and delete what the admin offers (except user accounts and logs, which only a
superuser manages); auditors may view everything and change nothing; department and township users get no
admin permission at all. No permission rows or groups need to be kept in step: adding a model gives the
bureau and the auditors its permissions at once.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.backends import BaseBackend

from accounts.access import scope_of
from accounts.models import Role

# Models the bureau may only view: accounts and their rights (a bureau user must not make itself superuser),
# logs and the audit trail (evidence must not be edited), and framework tables.
BUREAU_VIEW_ONLY_APPS = frozenset({"contenttypes", "sessions"})
BUREAU_VIEW_ONLY_MODELS = frozenset(
    {
        "auth.user",
        "auth.group",
        "auth.permission",
        "admin.logentry",
        "accounts.exportrecord",
        "axes.accesslog",
        "axes.accessfailurelog",
    }
)


def _is_history_model(model) -> bool:
    return model.__name__.startswith("Historical") and hasattr(model, "history_id")


def model_permissions(*, actions: tuple[str, ...]) -> frozenset[str]:
    """Every `app_label.action_model` permission of the installed models, for these default actions."""
    perms = set()
    for model in apps.get_models(include_auto_created=False):
        opts = model._meta
        for action in actions:
            if action in opts.default_permissions:
                perms.add(f"{opts.app_label}.{action}_{opts.model_name}")
    return frozenset(perms)


def role_permissions(role: str | None) -> frozenset[str]:
    if role == Role.AUDITOR:
        return model_permissions(actions=("view",))
    if role != Role.BUREAU:
        return frozenset()
    perms = set(model_permissions(actions=("view",)))
    for model in apps.get_models(include_auto_created=False):
        opts = model._meta
        label = f"{opts.app_label}.{opts.model_name}"
        if opts.app_label in BUREAU_VIEW_ONLY_APPS or label in BUREAU_VIEW_ONLY_MODELS or _is_history_model(model):
            continue
        for action in ("add", "change", "delete"):
            if action in opts.default_permissions:
                perms.add(f"{opts.app_label}.{action}_{opts.model_name}")
    return frozenset(perms)


def roles_grantable(user) -> tuple[str, ...]:
    """The roles this user may give a staff profile in the admin.

    A superuser gives any role. The bureau gives the roles below its own (department, township, auditor) in its
    county: making someone bureau, like creating accounts, is a superuser's (a bureau user could otherwise
    raise a township clerk to the county-wide rights of the bureau). Nobody else gives any role.
    """
    if user.is_active and user.is_superuser:
        return tuple(Role.values)
    if scope_of(user).is_bureau:
        return (Role.DEPARTMENT, Role.TOWNSHIP, Role.AUDITOR)
    return ()


class RolePermissionBackend(BaseBackend):
    """Grants the permissions of the user's role; authenticates nobody (the other backends do)."""

    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = role_permissions(scope_of(user_obj).role)
        return user_obj._role_perm_cache

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label):
        return any(p.split(".", 1)[0] == app_label for p in self.get_all_permissions(user_obj))
