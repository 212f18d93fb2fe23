"""What the person file, the household file and the printed statement show, and what the page costs in queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrollment import models as em
from subsidies import models as sm
from tests.builders.idnumbers import id_number
from tests.builders.people import HREF, category_of, client_for, identity, payment, person
from tests.builders.world import ID_A, OWN_DEPARTMENT, build_world

pytestmark = pytest.mark.django_db

MASKED_A = f"{ID_A[:6]}********{ID_A[-4:]}"


@pytest.fixture
def world():
    return build_world()


def person_url(key, **query) -> str:
    url = reverse("people:person", kwargs={"key": key})
    return url + (f"?year={query['year']}" if "year" in query else "")


def _household_of(world, size: int, payments: int, first: int = 100) -> em.Person:
    """World's person with `size - 1` more household members and `payments` payments, each member with a result."""
    for seq in range(1, size):
        number = id_number(first + seq, born="19950101")
        person(world, number=number, name=f"成员{seq}", household=world.household, relation="子")
        sm.ReconciliationResult.objects.create(
            county=world.county,
            year=2026,
            id_number=number,
            name=f"成员{seq}",
            township=world.township,
            village=world.village,
            reference_date=datetime.date(2025, 12, 31),
            status=sm.EnrolmentStatus.ENROLLED,
        )
    for _ in range(size - 1):  # and as many identities, each from its own roster version
        identity(world, number=ID_A, name="张三", category=world.category)
    for n in range(payments):
        payment(world, number=ID_A, amount="10.00", day=datetime.date(2025, 10, 1) + datetime.timedelta(days=n))
    return world.person


def _queries(world, role="bureau") -> int:
    c = client_for(world, role)
    c.get(person_url(world.person.pk))  # warm: sessions, content types, the user's profile
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(person_url(world.person.pk))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_person_page_costs_the_same_queries_whatever_the_household_and_payments(world):
    # Two members, two payments, two identities: every source holds more than one row (the engine's loader reads
    # a person's payments once more when there are several, whatever their number).
    _household_of(world, size=2, payments=1)
    small = _queries(world)
    _household_of(world, size=8, payments=12, first=200)
    big = _queries(world)
    assert big == small
    assert big <= 40


def test_the_person_page_shows_who_household_identities_payments_result_money_and_case(world):
    world.person.relation = "户主"
    world.person.save()
    member = person(world, number=id_number(55, born="20100101"), name="张小三", household=world.household)
    world.case.reason = "working"
    world.case.note = "在外务工"
    world.case.recorded_by = world.users["township"]
    world.case.save()
    body = client_for(world, "bureau").get(person_url(world.person.pk)).content.decode()
    for text in ("张三", ID_A, "甲村", "H0001", "户主", "张小三", "低保对象", "民政", "400.00", "200.00"):
        assert text in body, text
    assert "620721-civil-202601" in body  # the transfer line's batch
    assert "在外务工" in body and "township" in body  # the case's note and who recorded it
    assert person_url(member.pk) in body
    assert reverse("people:household", kwargs={"pk": world.household.pk}) in body
    assert not [h for h in HREF.findall(body) if ID_A in h]
    explanation = body.split('id="explanation"')[1].split("</section>")[0]
    assert explanation.count("data-step=") >= 3  # the explanation engine's steps, each with its lines
    assert "低保对象" in explanation
    assert 'data-field="employee-left"' not in body  # nothing said of employee insurance the register does not give
    world.person.left_employee_insurance_on = datetime.date(2025, 11, 3)
    world.person.save()
    body = client_for(world, "bureau").get(person_url(world.person.pk)).content.decode()
    assert '职工医保终止日期</dt><dd data-field="employee-left">2025-11-03</dd>' in body


def test_a_department_user_sees_another_departments_winner_only_as_the_presenters_sentence(world):
    severe = category_of(world, "disabled_federation", "severe", "重度残疾人")
    identity(world, number=ID_A, name="张三", category=severe)
    result = world.result
    result.category, result.department, result.subsidy = severe, severe.department, Decimal("310.00")
    result.benefit_start = datetime.date(2026, 1, 1)
    result.save()
    body = client_for(world, OWN_DEPARTMENT).get(person_url(world.person.pk)).content.decode()
    assert "重度残疾人" not in body and "残联" not in body  # in the identities, the result and the explanation
    assert "低保对象" in body  # its own identity in full
    assert 'data-field="other-department"' in body and "310.00" in body
    assert MASKED_A in body and ID_A not in body
    bureau = client_for(world, "bureau").get(person_url(world.person.pk)).content.decode()
    assert "重度残疾人" in bureau


def test_the_household_page_lists_every_member_with_links_and_the_household_flag(world):
    policy = world.policy
    policy.household_enrolment = True
    policy.save()
    member = person(world, number=id_number(56, born="20100101"), name="张小三", household=world.household)
    sm.ReconciliationResult.objects.create(
        county=world.county,
        year=2026,
        id_number=member.id_number,
        name="张小三",
        township=world.township,
        village=world.village,
        reference_date=datetime.date(2025, 12, 31),
        status=sm.EnrolmentStatus.ENROLLED,
    )
    response = client_for(world, "bureau").get(reverse("people:household", kwargs={"pk": world.household.pk}))
    body = response.content.decode()
    assert person_url(world.person.pk) in body and person_url(member.pk) in body
    assert 'data-field="household-rule"' in body
    flags = body.split('data-field="household-flags">')[1].split("</dd>")[0]
    assert flags != "—"  # 张三 not enrolled, 张小三 enrolled: partly enrolled


def test_the_print_view_is_the_statement_for_the_resident(world):
    body = client_for(world, "bureau").get(reverse("people:person_print", kwargs={"key": world.person.pk})).content
    body = body.decode()
    assert "参保资助情况说明" in body
    assert MASKED_A in body and ID_A not in body  # masked even for the bureau: it is handed to the resident
    assert f"{world.county.name}医疗保障局" in body
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in body
    assert "css/people_print.css" in body  # the A4 page and its print rules
    decision = body.split('data-field="decision">')[1].split("</p>")[0]
    assert "未参保" in decision and "200.00" in decision


@pytest.mark.parametrize(
    ("url_name", "kwargs_of"),
    [
        ("subsidies:reconciliation_results", lambda w: {}),
        ("quotas:case_list", lambda w: {}),
        ("subsidies:transfer_detail", lambda w: {"pk": w.batch.pk}),
        ("subsidies:roster_version", lambda w: {"pk": w.roster_version.pk}),
        ("quotas:notice", lambda w: {"village_id": w.village.pk}),
    ],
)
def test_every_people_table_links_to_the_person_file_by_key(world, url_name, kwargs_of):
    if url_name == "quotas:notice":
        world.result.status = sm.EnrolmentStatus.ENROLLED
        world.result.paid = Decimal("200.00")
        world.result.save()
    body = client_for(world, "bureau").get(reverse(url_name, kwargs=kwargs_of(world))).content.decode()
    assert f'class="person-link" href="{person_url(world.person.pk)}"' in body
    assert not [h for h in HREF.findall(body) if ID_A in h]


def test_a_department_user_sees_household_members_it_does_not_certify_by_relation_only(world):
    member = person(world, number=id_number(57, born="20100101"), name="张小三", household=world.household)
    member.relation = "子"
    member.save()
    body = client_for(world, OWN_DEPARTMENT).get(reverse("people:household", kwargs={"pk": world.household.pk}))
    body = body.content.decode()
    assert person_url(world.person.pk) in body
    assert "张小三" not in body and person_url(member.pk) not in body
    assert f"{member.id_number[:6]}********{member.id_number[-4:]}" not in body
    assert "不在您的查看范围内" in body


def test_the_department_users_page_is_bounded_too(world):
    _household_of(world, size=2, payments=1)
    small = _queries(world, OWN_DEPARTMENT)
    _household_of(world, size=6, payments=5, first=200)
    assert _queries(world, OWN_DEPARTMENT) == small


def test_the_money_section_lists_the_subsidy_line_and_its_adjustment_in_the_scopes_batches(world):
    sm.TransferLine.objects.create(
        batch=world.batch,
        year=2026,
        id_number=ID_A,
        name="张三",
        township=world.township,
        category=world.category,
        kind=sm.LineKind.ADJUSTMENT,
        amount=Decimal("-200.00"),
        reason="退费冲回",
    )
    body = client_for(world, "bureau").get(person_url(world.person.pk)).content.decode()
    money = body.split('id="money"')[1].split("</section>")[0]
    assert money.count("620721-civil-202601") == 2
    assert "-200.00" in money and "退费冲回" in money
    assert money.index(">200.00<") < money.index("-200.00")  # the subsidy first, then its adjustment
    # A department that also certifies the person, but whose fund did not pay the batch, sees none of its lines.
    severe = category_of(world, "disabled_federation", "severe", "重度残疾人")
    identity(world, number=ID_A, name="张三", category=severe)
    other = client_for(world, "disabled_federation").get(person_url(world.person.pk)).content.decode()
    assert "620721-civil-202601" not in other.split('id="money"')[1].split("</section>")[0]


def test_who_names_the_register_import_that_last_wrote_the_person(world):
    from django.core.files.base import ContentFile

    p = world.person
    job = em.ImportJob.objects.create(
        kind=em.ImportKind.REGISTER,
        status=em.ImportStatus.COMMITTED,
        county=world.county,
        file=ContentFile(b"x", name="register.csv"),
        original_name="register.csv",
    )
    # The register commit writes updated_at inside the job's run: after it was created, before it was committed.
    em.ImportJob.objects.filter(pk=job.pk).update(
        created_at=p.updated_at - datetime.timedelta(minutes=5),
        committed_at=p.updated_at + datetime.timedelta(seconds=3),
    )
    body = client_for(world, "bureau").get(person_url(p.pk)).content.decode()
    assert f"最近由第 {job.pk} 号登记导入更新" in body
