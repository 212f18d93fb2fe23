"""The audit trail: who changed which object, when, and what, read from django-simple-history's tables.

Every model with `history = HistoricalRecords()` keeps one row per save() and delete(), with the user the
request middleware saw. Bulk statements (bulk_create, bulk_update, QuerySet.update) record nothing by
design: an import is recorded once, as its ImportJob plus the RosterVersion and its RosterChange diff,
never as a history row per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.access import profile_of, scope_department_owned, scope_people, shown_id_number
from accounts.admin_mixins import county_lookup_for
from accounts.models import Role

# Models whose history a department or township user may read, and how their rows are scoped.
_OWN_ROWS = {
    "subsidies.rosterversion": lambda qs, user: scope_department_owned(qs, user),
    "subsidies.transferbatch": lambda qs, user: scope_department_owned(qs, user, department_field="fund__department"),
    "quotas.followupcase": lambda qs, user: scope_people(qs, user, department_q=lambda d: Q(department_id=d)),
}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Event:
    at: datetime
    user: str
    kind: str  # "+" created, "~" changed, "-" deleted
    kind_label: object
    reason: str
    changes: list[Change]


def tracked_model(label: str) -> type[Model] | None:
    """The model `app_label.model_name` if it keeps an audit trail."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model if hasattr(model, "history") and hasattr(model._meta, "simple_history_manager_attribute") else None


def visible_objects(model: type[Model], user) -> QuerySet:
    """The objects of `model` whose history this user may read: bureau and auditors their county."""
    qs = model._default_manager.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser and profile_of(user) is None:
        return qs
    profile = profile_of(user)
    if profile is None:
        return qs.none()
    if profile.role in (Role.BUREAU, Role.AUDITOR):
        lookup = county_lookup_for(model)
        return qs.filter(**{lookup: profile.county_id}) if lookup else qs
    scope = _OWN_ROWS.get(model._meta.label_lower)
    return scope(qs, user) if scope else qs.none()


def object_history(*, obj: Model, user) -> list[Event]:
    """The object's history, newest first, each event with the fields it changed (ID numbers as `user` may see them)."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id"))
    labels = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    fields = {f.name: f for f in obj._meta.concrete_fields}
    events = []
    # Each record with the one before it (None for the oldest); an object with no history rows has no events.
    for record, older in zip(records, [*records[1:], None][: len(records)], strict=True):
        changes = []
        if older is not None and record.history_type == "~":
            delta = record.diff_against(older)
            for change in delta.changes:
                field = fields.get(change.field)
                name = str(field.verbose_name) if field is not None else change.field
                old, new = _shown(change.old), _shown(change.new)
                if change.field == "id_number":
                    old, new = shown_id_number(old, user), shown_id_number(new, user)
                changes.append(Change(name, old, new))
        events.append(
            Event(
                at=record.history_date,
                user=str(record.history_user or "") if record.history_user_id else "",
                kind=record.history_type,
                kind_label=labels.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return events


def _shown(value) -> str:
    return "" if value is None else str(value)
