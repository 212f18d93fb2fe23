"""Who may open whose file (SPEC §1, §14), by key and by search, and that every opening is recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.models import FileOpening, FilePage
from tests.builders.idnumbers import id_number
from tests.builders.people import client_for, identity, person
from tests.builders.world import ID_A, OWN_DEPARTMENT, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def openings(world):
    """The openings the test made (the world holds one for the admin's matrix)."""
    return FileOpening.objects.exclude(pk=world.file_opening.pk)


def person_url(key) -> str:
    return reverse("people:person", kwargs={"key": key})


def search(client, query):
    return client.post(reverse("people:search"), {"q": query})


@pytest.fixture
def other_roster_person(world):
    """A person of township A certified only by 残联 (disabled_federation), not by 民政."""
    from subsidies.models import Category, Department

    number = id_number(7, born="19700303")
    p = person(world, number=number, name="李四")
    department = Department.objects.get(code="disabled_federation")
    category = Category.objects.create(county=world.county, code="severe", name="重度残疾人", department=department)
    identity(world, number=number, name="李四", category=category)
    return p


@pytest.fixture
def roster_only(world):
    """A person on 民政's roster and not in the register: addressed by their first identity."""
    number = id_number(9, born="19800808")
    ident = identity(world, number=number, name="王五", category=world.category)
    return number, f"r{ident.pk}"


def test_bureau_opens_the_file_with_the_full_id_and_the_opening_is_recorded(world):
    response = client_for(world, "bureau").get(person_url(world.person.pk))
    assert response.status_code == 200
    assert ID_A in response.content.decode()
    opening = openings(world).get()
    assert (opening.user, opening.username, opening.county_id, opening.id_number, opening.page, opening.year) == (
        world.users["bureau"],
        "bureau",
        world.county.pk,
        ID_A,
        FilePage.PERSON,
        2026,
    )


def test_township_sees_its_own_people_masked(world):
    response = client_for(world, "township").get(person_url(world.person.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert ID_A not in body
    assert f"{ID_A[:6]}********{ID_A[-4:]}" in body


def test_township_outside_its_township_gets_404_and_nothing_is_recorded(world):
    assert client_for(world, "other_township").get(person_url(world.person.pk)).status_code == 404
    assert not openings(world).exists()


def test_a_key_that_names_nobody_is_the_same_404(world):
    c = client_for(world, "bureau")
    assert c.get(person_url(999999)).status_code == 404
    assert c.get(person_url("r999999")).status_code == 404
    assert c.get(person_url("abc")).status_code == 404


def test_other_county_bureau_gets_404(world):
    assert client_for(world, "other_county_bureau").get(person_url(world.person.pk)).status_code == 404


def test_department_cannot_open_a_person_only_on_another_departments_roster_by_key(world, other_roster_person):
    assert client_for(world, OWN_DEPARTMENT).get(person_url(other_roster_person.pk)).status_code == 404
    assert client_for(world, "disabled_federation").get(person_url(other_roster_person.pk)).status_code == 200


def test_department_cannot_find_a_person_only_on_another_departments_roster_by_search(world, other_roster_person):
    response = search(client_for(world, OWN_DEPARTMENT), other_roster_person.id_number)
    assert response.status_code == 200
    assert 'data-field="not-found"' in response.content.decode()
    response = search(client_for(world, "disabled_federation"), other_roster_person.id_number)
    assert response.status_code == 302
    assert response["Location"] == person_url(other_roster_person.pk)


def test_department_opens_its_own_people_masked(world):
    response = client_for(world, OWN_DEPARTMENT).get(person_url(world.person.pk))
    assert response.status_code == 200
    assert ID_A not in response.content.decode()


def test_a_person_only_on_a_roster_opens_by_identity_key(world, roster_only):
    number, key = roster_only
    assert client_for(world, "bureau").get(person_url(key)).status_code == 200
    assert client_for(world, OWN_DEPARTMENT).get(person_url(key)).status_code == 200
    assert client_for(world, "disabled_federation").get(person_url(key)).status_code == 404
    assert client_for(world, "township").get(person_url(key)).status_code == 404  # registered in no township
    response = search(client_for(world, "bureau"), number)
    assert response["Location"] == person_url(key)


def test_household_and_print_pages_follow_the_same_scope_and_are_recorded(world):
    household_url = reverse("people:household", kwargs={"pk": world.household.pk})
    print_url = reverse("people:person_print", kwargs={"key": world.person.pk})
    assert client_for(world, "other_township").get(household_url).status_code == 404
    assert client_for(world, "other_township").get(print_url).status_code == 404
    assert client_for(world, "township").get(household_url).status_code == 200
    assert client_for(world, "township").get(print_url).status_code == 200
    assert sorted(openings(world).values_list("page", "household_number", "username")) == [
        (FilePage.HOUSEHOLD, "H0001", "township"),
        (FilePage.PRINT, "H0001", "township"),
    ]
