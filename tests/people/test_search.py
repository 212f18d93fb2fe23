"""Finding a person from the header: every spelling SPEC §3 accepts, a POST, and never the ID number in a URL."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.builders.people import HREF, client_for, person
from tests.builders.world import ID_A, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def person_url(key) -> str:
    return reverse("people:person", kwargs={"key": key})


def test_search_by_the_15_digit_number_finds_the_person(world):
    old = ID_A[:6] + ID_A[8:17]  # the legacy form: no century, no check character
    assert len(old) == 15
    response = client_for(world, "bureau").post(reverse("people:search"), {"q": old})
    assert response.status_code == 302
    assert response["Location"] == person_url(world.person.pk)


def test_search_by_lower_case_x_and_spaces_finds_the_person(world):
    from tests.builders.people import id_with_x

    number = id_with_x()
    p = person(world, number=number, name="赵六")
    spelled = f" {number[:6]} {number[6:14]}　{number[14:17]}{number[17].lower()} "
    response = client_for(world, "bureau").post(reverse("people:search"), {"q": spelled})
    assert response["Location"] == person_url(p.pk)


def test_search_is_post_only(world):
    assert client_for(world, "bureau").get(reverse("people:search"), {"q": ID_A}).status_code == 405


def test_the_id_number_is_in_no_url_of_the_response_chain(world):
    c = client_for(world, "bureau")
    response = c.post(reverse("people:search"), {"q": ID_A}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain and all(ID_A not in url for url, _ in response.redirect_chain)
    assert ID_A not in response.request["PATH_INFO"] and ID_A not in response.request.get("QUERY_STRING", "")
    hrefs = HREF.findall(response.content.decode())
    assert hrefs and not [h for h in hrefs if ID_A in h or ID_A[:17] in h]
    assert str(world.person.pk) in response.redirect_chain[-1][0]


def test_search_by_name_lists_the_matches_with_masked_ids(world):
    from tests.builders.idnumbers import id_number

    other = person(world, number=id_number(11, born="19900101"), name="张三")
    response = client_for(world, "bureau").post(reverse("people:search"), {"q": "张三"})
    assert response.status_code == 200
    body = response.content.decode()
    assert ID_A not in body and other.id_number not in body
    assert f"{ID_A[:6]}********{ID_A[-4:]}" in body
    assert f"{other.id_number[:6]}********{other.id_number[-4:]}" in body
    assert person_url(world.person.pk) in body and person_url(other.pk) in body
    assert body.count('class="person-link"') == 2
    assert "甲村" in body


def test_search_by_a_name_nobody_has_says_so(world):
    response = client_for(world, "bureau").post(reverse("people:search"), {"q": "无此人"})
    assert 'data-field="not-found"' in response.content.decode()


def test_search_by_a_broken_number_names_the_error_without_echoing_it(world):
    broken = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    response = client_for(world, "bureau").post(reverse("people:search"), {"q": broken})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-field="not-found"' in body
    assert broken not in body


def test_the_header_carries_the_search_form_for_staff(world):
    body = client_for(world, "township").get(reverse("home")).content.decode()
    assert f'action="{reverse("people:search")}"' in body and 'method="post"' in body


def test_no_log_line_carries_the_id_number(world, caplog):
    import logging

    c = client_for(world, "bureau")
    with caplog.at_level(logging.DEBUG):
        c.post(reverse("people:search"), {"q": ID_A}, follow=True)
        c.post(reverse("people:search"), {"q": ID_A[:17] + "0"})
        client_for(world, "other_township").get(person_url(world.person.pk))  # a 404 is logged with its path
    assert caplog.records
    assert not [r.getMessage() for r in caplog.records if ID_A[:14] in r.getMessage()]
