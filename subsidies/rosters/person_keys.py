"""The opaque key a person's file is addressed by, and the person links of every table that lists people.

A person's file is never addressed by the ID number (SPEC §14: it would sit in URLs, logs and browser history).
The key is the row id of the person in the register (`123`), or for a person only on a roster the id of their
first identity (`r456`): it does not encode the ID number, and whoever opens it is checked against their scope
on every open (people.selectors). Keys are computed set-based for a page of rows: two queries, whatever its size.

It lives here, the lowest layer that knows both the register and the rosters, so that the results, cases,
notices, batch lines and roster diffs link to the file by URL name without importing the app that shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Min
from django.urls import reverse
from django.utils.html import format_html

from enrollment.models import Person
from subsidies.models import Identity

ROSTER_PREFIX = "r"
PERSON_URL = "people:person"


@dataclass(frozen=True)
class PersonRef:
    """Whom a key addresses: the county and ID number, and the register row when there is one."""

    county_id: int
    id_number: str
    person: Person | None = None


def person_keys(*, county_id: int | None, id_numbers: Iterable[str]) -> dict[str, str]:
    """ID number → key for the given people of one county (register first, else the first roster identity)."""
    wanted = {n for n in id_numbers if n}
    if not wanted or county_id is None:
        return {}
    keys = {
        number: str(pk)
        for number, pk in Person.objects.filter(county_id=county_id, id_number__in=wanted).values_list(
            "id_number", "pk"
        )
    }
    missing = wanted - keys.keys()
    if missing:
        firsts = (
            Identity.objects.filter(county_id=county_id, id_number__in=missing)
            .values("id_number")
            .annotate(first=Min("pk"))
            .values_list("id_number", "first")
        )
        keys |= {number: f"{ROSTER_PREFIX}{pk}" for number, pk in firsts}
    return keys


def person_key_of(*, county_id: int, id_number: str) -> str | None:
    return person_keys(county_id=county_id, id_numbers=[id_number]).get(id_number)


def person_ref(key: str) -> PersonRef | None:
    """Whom a key addresses (unscoped: callers check the viewer's scope), or None for a key that names nobody."""
    key = str(key or "")
    if key.isdigit():
        person = Person.objects.select_related("county", "township", "village", "household").filter(pk=int(key)).first()
        return PersonRef(person.county_id, person.id_number, person) if person else None
    if key.startswith(ROSTER_PREFIX) and key[1:].isdigit():
        identity = Identity.objects.filter(pk=int(key[1:])).values("county_id", "id_number").first()
        if identity is None:
            return None
        # A person who entered the register since the key was made is shown from the register.
        person = (
            Person.objects.select_related("county", "township", "village", "household")
            .filter(county_id=identity["county_id"], id_number=identity["id_number"])
            .first()
        )
        return PersonRef(identity["county_id"], identity["id_number"], person)
    return None


def person_url(key: str) -> str:
    return reverse(PERSON_URL, kwargs={"key": key})


def person_url_maker():
    """`person_url` for many rows: one URL reversal, then each key put in its place (keys are digits, or r and
    digits: nothing to quote)."""
    prefix, _key, suffix = reverse(PERSON_URL, kwargs={"key": "0"}).rpartition("0")
    return lambda key: f"{prefix}{key}{suffix}"


class PersonLinksMixin:
    """A django-tables2 table whose names and ID numbers open the person's file.

    The keys of the rows being rendered (the current page when paginated) are computed once, on the first cell
    that asks (`person_keys`: two queries for the page). `person_county_id` is the county of the rows.
    """

    person_county_field = "county_id"

    def _person_keys(self) -> dict[str, str]:
        cached = getattr(self, "_person_key_cache", None)
        if cached is None:
            rows = self.paginated_rows if hasattr(self, "paginated_rows") else self.rows
            records = [row.record for row in rows]
            county_id = self.person_county_id(records)
            cached = person_keys(county_id=county_id, id_numbers=(_id_of(r) for r in records))
            self._person_key_cache = cached
        return cached

    def person_county_id(self, records) -> int | None:
        for record in records:
            value = _get(record, self.person_county_field)
            if value is not None:
                return value
        return None

    def person_link(self, record, text):
        key = self._person_keys().get(_id_of(record))
        if key is None:
            return text
        return format_html('<a class="person-link" href="{}">{}</a>', person_url(key), text)


def _get(record, path: str):
    value = record
    for part in path.split("__"):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value is None:
            return None
    return value


def _id_of(record) -> str:
    return _get(record, "id_number") or ""
