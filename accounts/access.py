"""Who may see and do what (SPEC §1), as queryset scopes and view guards every view, export and download uses.

Scoping happens on the server, in the queryset: a department user's queryset never contains another
department's rows, so guessing a URL or an id yields 404, not someone else's record.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accounts.models import Role, StaffProfile


def profile_of(user) -> StaffProfile | None:
    if not user.is_authenticated:
        return None
    return getattr(user, "staff", None)


def role_of(user) -> str | None:
    if user.is_authenticated and user.is_superuser and profile_of(user) is None:
        return Role.BUREAU
    profile = profile_of(user)
    return profile.role if profile else None


def require_profile(user) -> StaffProfile:
    """The user's staff profile; a user without one may use no page but the admin (if superuser)."""
    profile = profile_of(user)
    if profile is None:
        raise PermissionDenied
    return profile


def none_unless(qs: QuerySet, allowed: bool) -> QuerySet:
    return qs if allowed else qs.none()


def scope_by_county(qs: QuerySet, user, *, county_field: str = "county") -> QuerySet:
    profile = profile_of(user)
    if profile is None:
        return qs if user.is_superuser else qs.none()
    return qs.filter(**{county_field: profile.county_id})


def scope_people(
    qs: QuerySet,
    user,
    *,
    county_field: str = "county",
    township_field: str = "township",
    department_q=None,
) -> QuerySet:
    """Rows about people: bureau/auditor see the county, townships their township, departments only their people.

    `department_q(department_id)` returns the Q selecting the department's own people for this queryset;
    without one, department users see nothing.
    """
    qs = scope_by_county(qs, user, county_field=county_field)
    profile = profile_of(user)
    if profile is None or profile.role in (Role.BUREAU, Role.AUDITOR):
        return qs
    if profile.role == Role.TOWNSHIP:
        return qs.filter(**{township_field: profile.township_id})
    if profile.role == Role.DEPARTMENT and department_q is not None:
        return qs.filter(department_q(profile.department_id))
    return qs.none()


def scope_department_owned(qs: QuerySet, user, *, department_field: str = "department") -> QuerySet:
    """Rows that belong to one department (roster versions, identities, their imports, its fund's batches)."""
    qs = scope_by_county(qs, user)
    profile = profile_of(user)
    if profile is None or profile.role in (Role.BUREAU, Role.AUDITOR):
        return qs
    if profile.role == Role.DEPARTMENT:
        return qs.filter(**{department_field: profile.department_id})
    return qs.none()


def identity_holder_q(department_id: int, *, id_field: str = "id_number") -> Q:
    """People currently or formerly certified by the department: what a department user may see of results."""
    from subsidies.models import Identity

    holders = Identity.objects.filter(department_id=department_id).values("id_number")
    return Q(**{f"{id_field}__in": holders})


def can_write(user) -> bool:
    profile = profile_of(user)
    return bool(profile and profile.can_write) or (user.is_authenticated and user.is_superuser)


def mask_id_number(id_number: str) -> str:
    """620721********123X: area code and the last four characters only."""
    if not id_number or len(id_number) < 10:
        return id_number
    return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"


def sees_full_ids(user) -> bool:
    """Whether this user reads ID numbers in full in lists and data exports (bureau, auditors, superusers)."""
    profile = profile_of(user)
    if profile is not None:
        return profile.sees_full_ids
    return bool(user.is_authenticated and user.is_superuser)


def shown_id_number(id_number: str, user) -> str:
    """The ID number as this user may see it in a list."""
    return id_number if sees_full_ids(user) else mask_id_number(id_number)


def roles_required(*roles: str):
    """View decorator: only these roles (auditors are read-only: use it for every POST that changes data)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class RoleRequiredMixin(AccessMixin):
    """Class-based form of `roles_required`; `allowed_roles` lists who may use the view."""

    allowed_roles: tuple[str, ...] = (Role.BUREAU, Role.DEPARTMENT, Role.TOWNSHIP, Role.AUDITOR)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if role_of(request.user) not in self.allowed_roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
