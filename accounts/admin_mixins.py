"""Role and county scoping for every ModelAdmin (SPEC §1), through the hooks the admin already calls.

`ScopedAdminSite` mixes `ScopedAdminMixin` into every ModelAdmin registered on the default site, so a
ModelAdmin another module adds cannot escape it. An admin module may subclass the mixin itself to say how its
model reaches a county (`county_lookup`) or to keep the bureau read-only (`bureau_read_only = True`).

- superusers: everything, unscoped;
- bureau: the rows of its own county (rows tied to no county, like departments, are shared), with the
  permissions `accounts.permissions` derives from the role; every choice the admin offers of a model that
  reaches a county (counties, townships, villages, categories, policies, users, ...) in forms, inlines, list
  filters and autocompletes is its own county's, so another county's id is refused as an invalid choice;
- auditors: view only, their county;
- department and township users: no admin at all (they are never `is_staff`; even if one were, every
  permission here is refused).
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import HistoryManager

from accounts.access import scope_of, visibility_rule
from accounts.models import Role

_COUNTY_LOOKUPS: dict[type[Model], str | None] = {}
# Models whose county is not reached through a required foreign key.
COUNTY_LOOKUP_OVERRIDES = {"auth.user": "staff__county"}


# The county model by its label: accounts sits below enrollment and imports none of its modules.
COUNTY_MODEL = "enrollment.County"


def county_lookup_for(model: type[Model], *, depth: int = 4) -> str | None:
    """The ORM path from `model` to its county (`county`, `policy__county`, …), or None if it has none."""
    if model in _COUNTY_LOOKUPS:
        return _COUNTY_LOOKUPS[model]
    county_model = apps.get_model(COUNTY_MODEL)
    found = COUNTY_LOOKUP_OVERRIDES.get(model._meta.label_lower)
    if found:
        pass
    elif issubclass(model, county_model):
        found = "pk"
    else:
        frontier: list[tuple[type[Model], str]] = [(model, "")]
        for _level in range(depth):
            next_frontier = []
            for current, prefix in frontier:
                relations = [
                    f for f in current._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)
                ]
                # Required relations first: a nullable path would hide rows whose link is empty.
                relations.sort(key=lambda f: f.null)
                for field in relations:
                    if not field.is_relation or field.related_model is None:
                        continue
                    if issubclass(field.related_model, county_model):
                        found = f"{prefix}{field.name}"
                        break
                    if field.related_model is not current:
                        next_frontier.append((field.related_model, f"{prefix}{field.name}__"))
                if found:
                    break
            if found:
                break
            frontier = next_frontier
    _COUNTY_LOOKUPS[model] = found
    return found


def _staff_role(request) -> str | None:
    """'superuser', the bureau or auditor role, or None for a user the admin is not for."""
    user = request.user
    if not user.is_active or not user.is_staff:
        return None
    if user.is_superuser:
        return "superuser"
    scope = scope_of(user)
    return scope.role if scope.county_wide else None


def scope_to_county(request, qs: QuerySet, lookup: str | None = None) -> QuerySet:
    """`qs` limited to the request user's county: all of it for a superuser, nothing for a non-admin user.

    `lookup` is the path to the county; when None, the rule the model's concept registered (the one its site
    pages use, accounts.access.visibility_register), else the path `county_lookup_for` finds; a model with none is
    shared.
    """
    role = _staff_role(request)
    if role == "superuser":
        return qs
    if role is None:
        return qs.none()
    if lookup is None:
        rule = visibility_rule(qs.model)
        if rule is not None:
            return rule(qs, scope_of(request.user))
        lookup = county_lookup_for(qs.model)
    if not lookup:
        return qs
    return qs.filter(**{lookup: scope_of(request.user).county_id})


class CountyRelatedListFilter(admin.RelatedFieldListFilter):
    """A list filter on a relation that offers only the user's county's objects (counties, townships, ...)."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        allowed = scope_to_county(request, field.related_model._default_manager.all())
        return field.get_choices(include_blank=False, ordering=ordering, limit_choices_to={"pk__in": allowed})


class CountyChoicesMixin:
    """Every model choice a ModelAdmin or inline offers, limited to the user's county (validation included).

    The form fields' querysets are what Django validates a submitted id against, so another county's id is an
    invalid choice. A related model without a county (departments, funds) is shared and left as it is.
    """

    def _county_choices(self, request, db_field, kwargs):
        if "queryset" not in kwargs:
            qs = self.get_field_queryset(None, db_field, request)
            kwargs["queryset"] = qs if qs is not None else db_field.remote_field.model._default_manager.all()
        kwargs["queryset"] = scope_to_county(request, kwargs["queryset"])

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._county_choices(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._county_choices(request, db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


_SCOPED_INLINES: dict[type, type] = {}


def scoped_inline_class(inline_class: type) -> type:
    """`inline_class` with `CountyChoicesMixin` first (one class per inline, made once)."""
    if issubclass(inline_class, CountyChoicesMixin):
        return inline_class
    if inline_class not in _SCOPED_INLINES:
        _SCOPED_INLINES[inline_class] = type(
            inline_class.__name__,
            (CountyChoicesMixin, inline_class),
            {"__module__": inline_class.__module__, "__doc__": inline_class.__doc__},
        )
    return _SCOPED_INLINES[inline_class]


def _county_filter(model: type[Model], entry):
    """A list_filter entry with `CountyRelatedListFilter` where it filters on a county-scoped relation."""
    if isinstance(entry, str):
        path, filter_class = entry, admin.RelatedFieldListFilter
    elif isinstance(entry, tuple | list) and len(entry) == 2 and isinstance(entry[0], str):
        path, filter_class = entry
    else:
        return entry  # a SimpleListFilter: its own lookups say what it offers
    if filter_class is not admin.RelatedFieldListFilter:
        return entry
    try:
        field = get_fields_from_path(model, path)[-1]
    except FieldDoesNotExist:
        return entry
    related = getattr(field, "related_model", None)
    if not field.is_relation or related is None or not county_lookup_for(related):
        return entry
    return (path, CountyRelatedListFilter)


class ScopedAdminMixin(CountyChoicesMixin):
    """Scopes `get_queryset` and every choice to the user's county and refuses the admin to roles without one."""

    # The path to the county; None means "find it" (see `county_lookup_for`); "" means the model is shared.
    county_lookup: str | None = None
    # Derived data (results computed by a service) can be kept view-only even for the bureau.
    bureau_read_only: bool = False

    def _staff_role(self, request) -> str | None:
        return _staff_role(request)

    def get_queryset(self, request) -> QuerySet:
        return scope_to_county(request, super().get_queryset(request), self.county_lookup)

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete view searches the related model's admin: scoped here whatever queryset it passes.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return scope_to_county(request, queryset, self.county_lookup), may_have_duplicates

    def get_list_filter(self, request):
        return [_county_filter(self.model, entry) for entry in super().get_list_filter(request)]

    def get_inlines(self, request, obj):
        return [scoped_inline_class(inline) for inline in super().get_inlines(request, obj)]

    def has_module_permission(self, request) -> bool:
        return self._staff_role(request) is not None and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._staff_role(request) is not None and super().has_view_permission(request, obj)

    def _may_write(self, request) -> bool:
        role = self._staff_role(request)
        return role == "superuser" or (role == Role.BUREAU and not self.bureau_read_only)

    def has_add_permission(self, request, *args) -> bool:
        return self._may_write(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_write(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_write(request) and super().has_delete_permission(request, obj)

    # django-simple-history 3.13's history pages look the object up outside get_queryset (falling back to the
    # historical record), and its revision page saves a POST after checking only the *view* permission: an
    # auditor could revert an object, a bureau user read another county's. Both are closed here.
    def _require_visible(self, request, object_id) -> None:
        from django.contrib.admin.utils import unquote

        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_visible(request, object_id)
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedAdminSite(admin.AdminSite):
    """The default admin site: only bureau, auditors and superusers, every ModelAdmin scoped."""

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        return scope_of(user).county_wide

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        for model in models:
            super().register(model, scoped_admin_class(model, admin_class or admin.ModelAdmin), **options)


def scoped_admin_class(model: type[Model], admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """`admin_class` with the scoping mixin first and, for a model with an audit trail, its history pages."""
    bases = []
    if not issubclass(admin_class, ScopedAdminMixin):
        bases.append(ScopedAdminMixin)
    bases.append(admin_class)
    if isinstance(getattr(model, "history", None), HistoryManager) and not issubclass(admin_class, SimpleHistoryAdmin):
        bases.append(SimpleHistoryAdmin)
    if bases == [admin_class]:
        return admin_class
    return type(
        admin_class.__name__, tuple(bases), {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__}
    )
