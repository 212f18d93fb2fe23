"""Who may see and do what (SPEC §1): the user's scope, the one rule for each shape of row, and the view guards.

`scope_of(user)` is the one definition of a user's county and rights. Each concept package applies it to its
own models in its `selectors.py` (`results_visible_to(user)`, `batch_get_for(user, pk)`, …) with the helpers
below, so every view, export, admin page and task reads through the same rule. This module imports no other
app of ours: the rows are described by their field paths.

Where each kind's selector lives: results and runs `subsidies/reconciliation/selectors.py`; roster versions and
changes (and the department-people rule, `certified_by_q`) `subsidies/rosters/selectors.py`; batches and lines
`subsidies/transfers/selectors.py`; policies `subsidies/policies/selectors.py`; import jobs
`enrollment/imports/selectors.py`; quota tables and snapshots `quotas/progress/selectors.py`; villages for
notices `quotas/notices/selectors.py`; follow-up cases `quotas/cases/selectors.py`.

Scoping happens on the server, in the queryset: a department user's queryset never contains another
department's rows, so guessing a URL or an id yields 404, not someone else's record.

The superuser rule: a staff profile decides what a user sees on the site, superuser or not. A superuser
without a profile has no county and no role: the site's pages refuse it (its home page points to the admin),
while the admin and the audit trail show it everything, unscoped. Nothing ever falls back to "some county".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

from accounts.models import Role, StaffProfile

EVERY_ROLE = (Role.BUREAU, Role.DEPARTMENT, Role.TOWNSHIP, Role.AUDITOR)
COUNTY_WIDE = (Role.BUREAU, Role.AUDITOR)


@dataclass(frozen=True)
class Scope:
    """What one user may see: its role and places. `role is None`: no site page at all.

    `unscoped` is a superuser without a staff profile: everything in the admin and the audit trail, no site page
    (the guards refuse it before any selector runs; the helpers below give it every row).
    """

    role: str | None = None
    county_id: int | None = None
    department_id: int | None = None
    township_id: int | None = None
    read_only: bool = True
    full_ids: bool = False
    unscoped: bool = False

    @property
    def county_wide(self) -> bool:
        """Bureau and auditors: the whole county."""
        return self.role in COUNTY_WIDE

    @property
    def is_bureau(self) -> bool:
        return self.role == Role.BUREAU

    @property
    def own_township_id(self) -> int | None:
        """The township a township user is limited to; None for everyone else."""
        return self.township_id if self.role == Role.TOWNSHIP else None

    @property
    def own_department_id(self) -> int | None:
        """The department a department user is limited to; None for everyone else."""
        return self.department_id if self.role == Role.DEPARTMENT else None


NO_SCOPE = Scope()
UNSCOPED = Scope(read_only=False, full_ids=True, unscoped=True)


def scope_for_profile(profile: StaffProfile | None, *, is_superuser: bool = False) -> Scope:
    """The scope of a staff profile (pure: no query). No profile: a superuser is UNSCOPED, anyone else NO_SCOPE."""
    if profile is None:
        return UNSCOPED if is_superuser else NO_SCOPE
    return Scope(
        role=profile.role,
        county_id=profile.county_id,
        department_id=profile.department_id if profile.role == Role.DEPARTMENT else None,
        township_id=profile.township_id if profile.role == Role.TOWNSHIP else None,
        read_only=not profile.can_write,
        full_ids=profile.sees_full_ids,
    )


def scope_of(user) -> Scope:
    """The user's scope, read once per user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_access_scope", None)
    if cached is None:
        cached = scope_for_profile(getattr(user, "staff", None), is_superuser=user.is_superuser)
        user._access_scope = cached
    return cached


def profile_of(user) -> StaffProfile | None:
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "staff", None)


def county_of(user):
    """The user's county (its staff profile's); None without a profile, superusers included: never a default."""
    profile = profile_of(user)
    return profile.county if profile is not None else None


def role_of(user) -> str | None:
    """The user's role on the site; None for anonymous users and for a superuser without a staff profile."""
    return scope_of(user).role


def can_write(user) -> bool:
    scope = scope_of(user)
    return scope.role is not None and not scope.read_only


# --- the rules for each shape of row ---------------------------------------------------------------------


def in_county(qs: QuerySet, scope: Scope, *, county_field: str = "county") -> QuerySet:
    """Rows of the scope's county (another county's rows never; a scope without a county: nothing)."""
    if scope.unscoped:
        return qs
    if scope.county_id is None:
        return qs.none()
    return qs.filter(**{county_field: scope.county_id})


def county_rows(qs: QuerySet, scope: Scope, *, county_field: str = "county") -> QuerySet:
    """Rows every role of the county reads alike (policies, quota tables, snapshots)."""
    if scope.unscoped:
        return qs
    if scope.role is None:
        return qs.none()
    return in_county(qs, scope, county_field=county_field)


def people_rows(
    qs: QuerySet,
    scope: Scope,
    *,
    county_field: str = "county",
    township_field: str = "township",
    department_q: Callable[[int], Q] | None = None,
) -> QuerySet:
    """Rows about people: bureau/auditor see the county, townships their township, departments only their people.

    `department_q(department_id)` returns the Q selecting the department's own people for this queryset;
    without one, department users see nothing.
    """
    if scope.unscoped:
        return qs
    if scope.role is None:
        return qs.none()
    qs = in_county(qs, scope, county_field=county_field)
    if scope.county_wide:
        return qs
    if scope.role == Role.TOWNSHIP:
        return qs.filter(**{township_field: scope.township_id})
    if scope.role == Role.DEPARTMENT and department_q is not None:
        return qs.filter(department_q(scope.department_id))
    return qs.none()


def place_rows(
    qs: QuerySet, scope: Scope, *, county_field: str = "county", township_field: str = "township"
) -> QuerySet:
    """Places (villages): bureau/auditor the county, a township user its own township, departments none."""
    if scope.unscoped:
        return qs
    if scope.role is None or scope.role == Role.DEPARTMENT:
        return qs.none()
    qs = in_county(qs, scope, county_field=county_field)
    if scope.role == Role.TOWNSHIP:
        return qs.filter(**{township_field: scope.township_id})
    return qs


def department_rows(
    qs: QuerySet, scope: Scope, *, county_field: str = "county", department_field: str = "department"
) -> QuerySet:
    """Rows that belong to one department (roster versions, their imports, its fund's batches)."""
    if scope.unscoped:
        return qs
    if scope.role is None:
        return qs.none()
    qs = in_county(qs, scope, county_field=county_field)
    if scope.county_wide:
        return qs
    if scope.role == Role.DEPARTMENT:
        return qs.filter(**{department_field: scope.department_id})
    return qs.none()


def county_wide_rows(qs: QuerySet, scope: Scope, *, county_field: str = "county") -> QuerySet:
    """Rows only the bureau and auditors read (reconciliation runs)."""
    if scope.unscoped:
        return qs
    if not scope.county_wide:
        return qs.none()
    return in_county(qs, scope, county_field=county_field)


# --- the registry: which rule each model's rows follow ---------------------------------------------------

# model label → (queryset, scope) → the rows the scope may see. Each concept package registers its models'
# rules (the ones its selectors apply) from its AppConfig.ready(), so the admin and the audit trail, which live
# here, apply the same rule without importing the concept.
Rule = Callable[[QuerySet, Scope], QuerySet]
VISIBILITY: dict[str, Rule] = {}
# Models whose audit trail department and township users may read too (of the rows they may see).
OWN_HISTORY: set[str] = set()


def visibility_register(model: type[Model], rule: Rule, *, own_history: bool = False) -> None:
    """Say which rows of `model` a scope may see; `own_history`: department/township users read their history."""
    label = model._meta.label_lower
    VISIBILITY[label] = rule
    if own_history:
        OWN_HISTORY.add(label)


def visibility_rule(model: type[Model]) -> Rule | None:
    return VISIBILITY.get(model._meta.label_lower)


# --- ID numbers as a user may see them ---------------------------------------------------------------------


def mask_id_number(id_number: str) -> str:
    """620721********123X: area code and the last four characters only."""
    if not id_number or len(id_number) < 10:
        return id_number
    return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"


def sees_full_ids(user) -> bool:
    """Whether this user reads ID numbers in full in lists and data exports (bureau, auditors, superusers)."""
    return scope_of(user).full_ids


def shown_id_number(id_number: str, user) -> str:
    """The ID number as this user may see it in a list."""
    return id_number if sees_full_ids(user) else mask_id_number(id_number)


# --- view guards ---------------------------------------------------------------------------------------------


def _allowed(user, roles: Iterable[str]) -> bool:
    return role_of(user) in roles


def roles_required(*roles: str):
    """View decorator: only these roles (auditors are read-only: leave them out of every POST that changes data).

    The roles are declared on the view (`view.allowed_roles`), where the main navigation reads them.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not _allowed(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = tuple(roles)
        return wrapper

    return decorator


class RoleRequiredMixin(AccessMixin):
    """Class-based twin of `roles_required`: `allowed_roles` lists who may use the view (the navigation reads it)."""

    allowed_roles: tuple[str, ...] = EVERY_ROLE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not _allowed(request.user, self.allowed_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
