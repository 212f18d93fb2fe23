"""One person's file over the API: found by the ID number in the body, scoped and masked as the person page,
each lookup recorded as an opening of the file (and with the token's name)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ExportRecord
from people.openings.models import FileOpening
from tests.builders.api_clients import ApiClient, token_for
from tests.builders.world import ID_A, build_world

pytestmark = pytest.mark.django_db
LOOKUP = "/api/v1/people/lookup/"


@pytest.fixture
def world(db):
    w = build_world()
    w.users_clients = {}
    w.openings_before = set(FileOpening.objects.values_list("pk", flat=True))
    return w


def lookup(world, role: str, body: dict):
    if role not in world.users_clients:
        world.users_clients[role] = ApiClient(token_for(world.users[role], name=f"{role}-系统"))
    return world.users_clients[role].post(reverse("api:person_lookup"), body)


def new_openings(world):
    return FileOpening.objects.exclude(pk__in=world.openings_before)


def test_the_lookup_takes_the_id_number_in_the_body_only():
    assert reverse("api:person_lookup") == LOOKUP


def test_the_bureau_reads_the_whole_file_and_the_opening_is_recorded(world):
    response = lookup(world, "bureau", {"id_number": ID_A.lower(), "year": 2026})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["year"] == 2026
    assert (data["who"]["name"], data["who"]["id_number"], data["who"]["township"]) == (
        "张三",
        ID_A,
        world.township.name,
    )
    assert [(i["department"], i["category"], i["valid_from"]) for i in data["identities"]] == [
        (world.department.name, "低保对象", "2025-01-01")
    ]
    assert data["result"]["status"] == "not_enrolled" and data["result"]["subsidy"] == "200.00"
    assert data["payments"][0]["amount"] == "400.00"
    assert [line["amount"] for line in data["transfer_lines"]] == ["200.00"]
    opening = new_openings(world).get()
    assert (opening.username, opening.id_number, opening.page, opening.year) == ("bureau", ID_A, "person", 2026)
    record = ExportRecord.objects.get(kind="api_person_file")
    assert (record.username, record.token_name, record.rows, record.full_ids) == ("bureau", "bureau-系统", 1, True)
    assert ID_A not in record.description


@pytest.mark.parametrize("role", ["civil_affairs", "township"])
def test_department_and_township_read_a_masked_id(world, role):
    data = lookup(world, role, {"id_number": ID_A}).json()
    assert data["who"]["id_number"] == ID_A[:6] + "********" + ID_A[-4:]
    assert ID_A not in str(data)


@pytest.mark.parametrize("role", ["rural_revitalization", "other_township", "other_county_bureau"])
def test_outside_the_scope_the_answer_is_404_and_nothing_is_recorded(world, role):
    response = lookup(world, role, {"id_number": ID_A})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not new_openings(world).exists()
    assert not ExportRecord.objects.filter(kind="api_person_file").exists()


def test_a_name_or_a_bad_id_number_is_refused_with_the_field(world):
    by_name = lookup(world, "bureau", {"id_number": "张三"})
    assert by_name.status_code == 400 and by_name.json()["field"] == "id_number"
    bad = lookup(world, "bureau", {"id_number": ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_id_number"
    extra = lookup(world, "bureau", {"id_number": ID_A, "name": "张三"})
    assert extra.status_code == 400 and extra.json()["field"] == "name"
    assert not new_openings(world).exists()
