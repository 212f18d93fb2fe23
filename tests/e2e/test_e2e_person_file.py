"""In Chromium: the bureau finds a resident by ID number from the header, reads why the result is what it is,
opens the household and prints the statement for the resident; the ID number is never in the address bar."""

from datetime import date

import pytest

from accounts.models import Role
from accounts.services import staff_user_create
from people.models import FileOpening
from subsidies.reconciliation.runs import reconcile
from tests.builders import recon_data as d
from tests.e2e.conftest import assert_chinese_page, login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("e2e"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "Person-file-2026!"


@pytest.fixture
def county():
    policy = d.sunan_2024()
    c = policy.county
    head = d.person(c, name="甲户主", household="H-E2E", relation="户主")
    child = d.person(c, name="甲之子", household="H-E2E", relation="子")
    d.identity(c, head, "rural_dibao_1_2", since=date(2023, 1, 1))
    d.payment(c, child, "380", date(2023, 10, 1), year=2024)
    reconcile(county=c, year=2024, as_of=date(2024, 3, 1), full=True)
    staff_user_create(username="bureau", password=PASSWORD, role=Role.BUREAU, county=c)
    return {"head": head, "child": child}


def test_bureau_finds_a_person_by_id_reads_the_explanation_opens_household_and_prints(page, shot, county):
    head = county["head"]
    login(page, "bureau", PASSWORD)
    # Lower-case x or spaces would do too; typed with spaces here, as people read numbers out at the counter.
    spelled = f"{head.id_number[:6]} {head.id_number[6:14]} {head.id_number[14:]}".lower()
    page.fill("#person-search-q", spelled)
    page.click("form.person-search button[type=submit]")
    page.wait_for_url(f"**/people/{head.pk}/")
    assert_chinese_page(page)
    assert head.id_number not in page.url
    assert "个人档案" in page.inner_text("h1") and "甲户主" in page.inner_text("h1")
    assert head.id_number in page.inner_text("#who")  # the bureau reads the full number
    steps = page.locator("#explanation li[data-step]")
    assert steps.count() > 0
    explanation = page.inner_text("#explanation")
    assert "低保" in explanation
    shot(page, "person-file", full_page=True)

    page.click("a[data-link=household]")
    assert_chinese_page(page)
    members = page.inner_text("table.members")
    assert "甲户主" in members and "甲之子" in members and "户主" in members
    shot(page, "household")
    page.click("table.members >> text=甲之子")
    page.wait_for_url(f"**/people/{county['child'].pk}/**")
    assert_chinese_page(page)
    page.go_back()
    page.go_back()

    page.click("a[data-link=print]")
    page.wait_for_load_state()
    statement = page.inner_text("article.statement")
    assert "参保资助情况说明" in statement and "医疗保障局" in statement
    assert head.id_number not in statement and f"{head.id_number[:6]}********{head.id_number[-4:]}" in statement
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    shot(page, "print")

    history = page.evaluate("() => performance.getEntriesByType('navigation').map(e => e.name)")
    assert all(head.id_number not in url for url in history)
    # Going back reloads (no page of ours is cached), so each of these pages was recorded at least once.
    opened = set(FileOpening.objects.filter(username="bureau").values_list("page", "id_number"))
    assert {("person", head.id_number), ("household", ""), ("person", county["child"].id_number)} <= opened
    assert ("print", head.id_number) in opened
