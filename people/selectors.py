"""Whom a user may open a file of, and the search that finds them (SPEC §1, §14), on accounts.access' scope.

- bureau and auditors: everyone of their county (in the register or only on a roster);
- township users: the people registered in their township;
- department users: the people their department certifies or certified (any roster version), by the one
  department-people rule of the rosters (`certified_by_q`).

A key that names nobody and a key outside the scope give the same answer, 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.access import Scope, mask_id_number, people_rows, scope_of
from accounts.models import Role
from enrollment import idnumbers
from enrollment.models import Household, Person
from subsidies.models import Identity
from subsidies.rosters.person_keys import ROSTER_PREFIX, PersonRef, person_ref
from subsidies.rosters.selectors import certified_by_q

NAME_MATCHES = 20


def person_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for register people: the county, a township its own, a department the people it certifies."""
    return people_rows(qs, scope, department_q=certified_by_q)


def roster_only_rows(qs: QuerySet, scope: Scope) -> QuerySet:
    """The rule for identities of people only on a roster: nobody's township; a department its own identities."""
    if scope.role == Role.TOWNSHIP:
        return qs.none()
    return people_rows(qs, scope, department_q=lambda department_id: certified_by_q(department_id))


def may_open(scope: Scope, ref: PersonRef) -> bool:
    """Whether the scope may open this person's file (one query)."""
    if scope.role is None or scope.county_id != ref.county_id:
        return False
    if ref.person is not None:
        return person_rows(Person.objects.filter(pk=ref.person.pk), scope).exists()
    return roster_only_rows(Identity.objects.filter(county_id=ref.county_id, id_number=ref.id_number), scope).exists()


def person_get_for(user, key: str) -> PersonRef:
    """The person a key addresses, if this user may open their file; else 404."""
    ref = person_ref(key)
    if ref is None or not may_open(scope_of(user), ref):
        raise Http404
    return ref


def household_get_for(user, pk) -> Household:
    """A household this user may open: one with a member the user may open; else 404."""
    scope = scope_of(user)
    household = Household.objects.filter(pk=pk, county_id=scope.county_id).first() if scope.county_id else None
    if household is None or not person_rows(Person.objects.filter(household=household), scope).exists():
        raise Http404
    return household


def member_ids_visible(scope: Scope, members: list[Person]) -> set[int]:
    """The ids of the members whose files the scope may open (one query)."""
    if scope.county_wide:
        return {m.pk for m in members if m.county_id == scope.county_id}
    ids = [m.pk for m in members]
    return set(person_rows(Person.objects.filter(pk__in=ids), scope).values_list("pk", flat=True))


# --- search ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """One person found: what the short list shows (masked ID for everyone) and the key of their file."""

    key: str
    name: str
    township: str
    village: str
    masked_id: str


@dataclass(frozen=True)
class SearchAnswer:
    """By ID number: `key` of the one person (or None); by name: the short list."""

    by_id: bool
    key: str | None = None
    matches: tuple[Match, ...] = ()
    id_error: str = ""


def looks_like_id_number(text: str) -> bool:
    value = idnumbers.normalise(text)
    return len(value) >= 15 and value[:15].isdigit()


def people_search_for(user, query: str) -> SearchAnswer:
    """Find people in the user's scope by ID number (any spelling SPEC §3 accepts) or by name."""
    scope = scope_of(user)
    text = (query or "").strip()
    if not text or scope.role is None or scope.county_id is None:
        return SearchAnswer(by_id=False)
    if looks_like_id_number(text):
        checked = idnumbers.check(text)
        if checked.errors:
            return SearchAnswer(by_id=True, id_error=idnumbers.message(checked.errors[0]))
        return SearchAnswer(by_id=True, key=_key_for_id(scope, checked.value))
    return SearchAnswer(by_id=False, matches=tuple(_matches_by_name(scope, text)))


def _key_for_id(scope: Scope, id_number: str) -> str | None:
    person = person_rows(Person.objects.filter(county_id=scope.county_id, id_number=id_number), scope).first()
    if person is not None:
        return str(person.pk)
    first = (
        roster_only_rows(Identity.objects.filter(county_id=scope.county_id, id_number=id_number), scope)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if first is None:
        return None
    # The key of a roster-only person is the first of all their identities, whichever department the viewer is.
    first_of_all = Identity.objects.filter(county_id=scope.county_id, id_number=id_number).order_by("pk").first()
    return f"{ROSTER_PREFIX}{first_of_all.pk}"


def _matches_by_name(scope: Scope, name: str) -> list[Match]:
    people = (
        person_rows(Person.objects.filter(county_id=scope.county_id, name=name), scope)
        .select_related("township", "village")
        .order_by("township__name", "village__name", "id_number")[:NAME_MATCHES]
    )
    return [
        Match(
            key=str(p.pk),
            name=p.name,
            township=p.township.name if p.township else "",
            village=p.village.name if p.village else "",
            masked_id=mask_id_number(p.id_number),
        )
        for p in people
    ]
