"""Worked cases from the seed notices, through the whole service (bulk loading, rules, set-based writing)."""

from datetime import date
from decimal import Decimal

import pytest

from subsidies.models import DirtyPerson, Fund, ReconciliationResult, ReconciliationRun
from subsidies.reconciliation.dirty import dirty_mark
from subsidies.reconciliation.runs import reconcile
from tests.builders import recon_data as d

pytestmark = pytest.mark.django_db

AS_OF = date(2024, 3, 1)


def result(policy, who):
    number = who if isinstance(who, str) else who.id_number
    return ReconciliationResult.objects.get(county=policy.county, year=policy.year, id_number=number)


def run(policy, **kwargs):
    kwargs.setdefault("as_of", AS_OF)
    kwargs.setdefault("full", True)
    return reconcile(county=policy.county, year=policy.year, **kwargs)


@pytest.fixture
def sunan():
    return d.sunan_2024()


def test_highest_subsidy_wins_across_departments(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "poverty_relieved", since=date(2023, 1, 1))  # 乡村振兴, 100
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 5, 1))  # 民政, 310
    d.payment(c, p, "70", date(2023, 10, 10), year=2024)
    run(sunan)
    r = result(sunan, p)
    assert (r.status, r.subsidy, r.personal_due, r.paid) == ("enrolled", Decimal("310.00"), Decimal("70.00"), 70)
    assert r.category.code == "rural_dibao_1_2" and r.department.code == "civil_affairs"
    assert r.fund == Fund.objects.get(code="medical_assistance")
    assert r.enrolled_on == date(2023, 10, 10) and r.benefit_start == date(2024, 1, 1)
    assert r.flags == ""


def test_equal_subsidies_go_to_the_policy_priority(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "returned_poverty", since=date(2023, 1, 1))  # 310, priority 3
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 1, 1))  # 310, priority 2
    run(sunan)
    assert result(sunan, p).category.code == "rural_dibao_1_2"


def test_full_subsidy_is_a_proxy_enrolment_from_the_window_start(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "extreme_poverty", since=date(2023, 8, 1))
    run(sunan)
    r = result(sunan, p)
    assert r.status == "proxy_enrolled"
    assert (r.subsidy, r.personal_due, r.paid) == (Decimal("380.00"), 0, 0)
    assert r.enrolled_on == date(2023, 9, 10)  # max(certification, collection start)
    assert r.benefit_start == date(2024, 1, 1)
    assert r.reference_date == AS_OF


def test_proxy_enrolment_survives_a_later_removal_from_the_roster(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "extreme_poverty", since=date(2023, 10, 15), until=date(2024, 1, 31))
    run(sunan)
    r = result(sunan, p)
    assert r.status == "proxy_enrolled" and r.enrolled_on == date(2023, 10, 15)
    assert r.reference_date == date(2023, 10, 15)


def test_underpaid_and_certified_not_enrolled(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "rural_dibao_3_4", since=date(2023, 1, 1))
    d.payment(c, p, "100", date(2023, 10, 1), year=2024)
    q = d.person(c)
    d.identity(c, q, "dibao_marginal", since=date(2023, 1, 1))
    run(sunan)
    r = result(sunan, p)
    assert (r.status, r.personal_due, r.paid) == ("underpaid", Decimal("130.00"), Decimal("100.00"))
    assert r.flag_list == ["certified_not_enrolled", "underpaid"]
    assert r.enrolled_on is None and r.benefit_start is None
    s = result(sunan, q)
    assert (s.status, s.subsidy, s.personal_due) == ("not_enrolled", Decimal("100.00"), Decimal("280.00"))
    assert s.flag_list == ["certified_not_enrolled"]


def test_sunan_top_up_is_owed_the_month_after_a_later_certification(sunan):
    c = sunan.county
    p = d.person(c)
    d.payment(c, p, "380", date(2023, 10, 10), year=2024)
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 11, 5))
    run(sunan)
    r = result(sunan, p)
    assert r.status == "enrolled"
    assert (r.subsidy, r.topup, r.topup_month) == (0, Decimal("310.00"), date(2023, 12, 1))
    assert r.category.code == "rural_dibao_1_2" and r.fund.code == "medical_assistance"
    assert r.flags == ""


def test_no_top_up_where_the_policy_forbids_it():
    fuling = d.fuling_2023()
    c = fuling.county
    p = d.person(c)
    d.payment(c, p, "350", date(2022, 10, 10), year=2023)
    d.identity(c, p, "dibao", since=date(2022, 11, 1))
    run(fuling, as_of=date(2023, 3, 1))
    r = result(fuling, p)
    assert (r.status, r.subsidy, r.topup, r.topup_month, r.category) == ("enrolled", 0, 0, None, None)


def test_paid_in_full_while_certified_is_overpaid(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 9, 1))
    d.payment(c, p, "380", date(2023, 10, 1), year=2024)
    run(sunan)
    r = result(sunan, p)
    assert r.status == "enrolled" and r.subsidy == Decimal("310.00") and r.topup == 0
    assert r.flag_list == ["overpaid"]


def test_two_full_payments_are_enrolled_twice(sunan):
    c = sunan.county
    p = d.person(c)
    d.payment(c, p, "380", date(2023, 10, 1), year=2024)
    d.payment(c, p, "380", date(2023, 10, 9), year=2024)
    run(sunan)
    r = result(sunan, p)
    assert (r.status, r.paid, r.enrolled_on) == ("enrolled", Decimal("760.00"), date(2023, 10, 1))
    assert r.flag_list == ["enrolled_twice"]


def test_payments_adding_up_enrol_on_the_day_the_due_is_reached(sunan):
    c = sunan.county
    p = d.person(c)
    d.payment(c, p, "200", date(2023, 10, 1), year=2024)
    d.payment(c, p, "180", date(2023, 11, 2), year=2024)
    run(sunan)
    r = result(sunan, p)
    assert (r.status, r.paid_on, r.enrolled_on, r.flags) == ("enrolled", date(2023, 10, 1), date(2023, 11, 2), "")


def test_locked_subsidy_survives_a_later_roster_change(sunan):
    c = sunan.county
    p = d.person(c)
    low = d.identity(c, p, "rural_dibao_3_4", since=date(2023, 1, 1))
    d.payment(c, p, "130", date(2023, 10, 1), year=2024)
    run(sunan)
    ReconciliationResult.objects.filter(id_number=p.id_number).update(locked=True)  # as an approved batch does
    low.valid_to = date(2023, 12, 31)
    low.save()
    d.identity(c, p, "extreme_poverty", since=date(2023, 9, 1), name="张三丰")
    dirty_mark(county_id=c.pk, id_numbers=[p.id_number])
    run(sunan, full=False)
    r = result(sunan, p)
    assert r.locked
    assert (r.category.code, r.subsidy, r.personal_due) == ("rural_dibao_3_4", Decimal("250.00"), 130)
    assert r.status == "enrolled"
    assert r.flag_list == ["name_mismatch"]  # fields outside the subsidy still follow the data
    assert not DirtyPerson.objects.exists()


def test_zhuji_refuses_a_subsidy_after_the_deadline_but_not_for_new_people():
    zhuji = d.zhuji_2023()
    c = zhuji.county
    late = d.person(c)
    d.identity(c, late, "dibao", since=date(2022, 11, 1))
    d.payment(c, late, "350", date(2023, 3, 15), year=2023)
    late_short = d.person(c)
    d.identity(c, late_short, "dibao", since=date(2022, 11, 1))
    d.payment(c, late_short, "50", date(2023, 3, 15), year=2023)
    new = d.person(c)
    d.identity(c, new, "dibao", since=date(2023, 3, 10))  # 动态新增: certified after the deadline
    d.payment(c, new, "50", date(2023, 3, 20), year=2023)
    in_time = d.person(c)
    d.identity(c, in_time, "dibao", since=date(2022, 11, 1))
    d.payment(c, in_time, "50", date(2022, 12, 1), year=2023)
    run(zhuji, as_of=date(2023, 4, 1))
    r = result(zhuji, late)
    assert (r.status, r.subsidy, r.personal_due, r.category) == ("enrolled", 0, Decimal("350.00"), None)
    assert r.flag_list == ["after_deadline"]
    r = result(zhuji, late_short)
    assert r.status == "underpaid"
    assert r.flag_list == ["certified_not_enrolled", "underpaid", "after_deadline"]
    r = result(zhuji, new)
    assert (r.status, r.subsidy, r.flags) == ("enrolled", Decimal("300.00"), "")
    assert r.benefit_start == date(2023, 3, 21)  # 自参保缴费次日起
    r = result(zhuji, in_time)
    assert (r.status, r.subsidy, r.benefit_start) == ("enrolled", Decimal("300.00"), date(2023, 1, 1))


def test_zhuji_stable_poverty_exit_gets_no_subsidy():
    zhuji = d.zhuji_2023()
    c = zhuji.county
    p = d.person(c)
    d.identity(c, p, "stable_relieved", since=date(2022, 1, 1))
    d.payment(c, p, "350", date(2022, 11, 1), year=2023)
    run(zhuji, as_of=date(2023, 1, 15))
    r = result(zhuji, p)
    assert (r.status, r.subsidy, r.personal_due, r.fund, r.flags) == ("enrolled", 0, Decimal("350.00"), None, "")


def test_sunan_household_partly_enrolled_is_flagged(sunan):
    c = sunan.county
    head = d.person(c, household="H1")
    member = d.person(c, household="H1", relation="子")
    d.payment(c, head, "380", date(2023, 10, 1), year=2024)
    whole = [d.person(c, household="H2"), d.person(c, household="H2")]
    for p in whole:
        d.payment(c, p, "380", date(2023, 10, 1), year=2024)
    run(sunan)
    assert result(sunan, head).flag_list == ["household_partial"]
    assert result(sunan, member).flag_list == ["household_partial"]
    assert all(result(sunan, p).flags == "" for p in whole)
    # The member pays: an incremental run of the member alone clears the flag on the head too.
    d.payment(c, member, "380", date(2023, 11, 1), year=2024)
    dirty_mark(county_id=c.pk, id_numbers=[member.id_number])
    run(sunan, full=False)
    assert result(sunan, head).flags == "" and result(sunan, member).flags == ""


def test_household_is_not_flagged_where_enrolment_is_personal():
    xiaoyi = d.xiaoyi_2024()
    c = xiaoyi.county
    head = d.person(c, household="H1")
    d.person(c, household="H1")
    d.payment(c, head, "380", date(2023, 10, 1), year=2024)
    run(xiaoyi)
    assert result(xiaoyi, head).flags == ""


def test_xiaoyi_percentages_of_the_standard():
    xiaoyi = d.xiaoyi_2024()
    c = xiaoyi.county
    p, q = d.person(c), d.person(c)
    d.identity(c, p, "dibao", since=date(2023, 1, 1))
    d.payment(c, p, "76", date(2023, 10, 1), year=2024)
    d.identity(c, q, "returned_poverty", since=date(2023, 1, 1))
    run(xiaoyi)
    assert (result(xiaoyi, p).subsidy, result(xiaoyi, p).status) == (Decimal("304.00"), "enrolled")
    assert (result(xiaoyi, q).subsidy, result(xiaoyi, q).personal_due) == (Decimal("342.00"), Decimal("38.00"))


def test_roster_name_differing_from_the_register_is_flagged(sunan):
    c = sunan.county
    p = d.person(c, name="李四")
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 1, 1), name="李 四")  # spacing only: same name
    q = d.person(c, name="王五")
    d.identity(c, q, "rural_dibao_1_2", since=date(2023, 1, 1), name="王伍")
    run(sunan)
    assert "name_mismatch" not in result(sunan, p).flag_list
    assert "name_mismatch" in result(sunan, q).flag_list
    assert result(sunan, q).name == "王五"  # the register's name is kept


def test_roster_person_missing_from_the_register(sunan):
    c = sunan.county
    t, v = d.place(c, "皇城镇", "二村")
    missing = d.id_number()
    d.identity(c, missing, "extreme_poverty", since=date(2023, 9, 1), name="赵六", township="皇城镇", village="二村")
    good = d.id_number()
    bad = good[:17] + ("1" if good[17] != "1" else "2")  # wrong check character
    d.identity(c, bad, "dibao_marginal", since=date(2023, 9, 1), name="钱七")
    run(sunan)
    r = result(sunan, missing)
    assert (r.name, r.township, r.village, r.status) == ("赵六", t, v, "proxy_enrolled")
    assert r.flag_list == ["not_in_register"]
    assert result(sunan, bad).flag_list == ["invalid_id", "not_in_register", "certified_not_enrolled"]


def test_register_warning_marks_a_suspect_id(sunan):
    p = d.person(sunan.county, id_warning="未知地区代码")
    run(sunan)
    assert result(sunan, p).flag_list == ["suspect_id"]


def test_payments_after_the_as_of_date_are_not_counted(sunan):
    c = sunan.county
    p = d.person(c)
    d.payment(c, p, "380", date(2023, 12, 1), year=2024)
    run(sunan, as_of=date(2023, 11, 1))
    assert result(sunan, p).status == "not_enrolled"


def test_run_history_records_counts_and_duration(sunan):
    c = sunan.county
    d.identity(c, d.person(c), "extreme_poverty", since=date(2023, 1, 1))
    d.payment(c, d.person(c), "380", date(2023, 10, 1), year=2024)
    d.person(c)
    r = run(sunan)
    r.refresh_from_db()
    assert r.status == "done" and r.full and r.as_of == AS_OF
    assert r.counts == {"proxy_enrolled": 1, "enrolled": 1, "underpaid": 0, "not_enrolled": 1}
    assert r.persons == 3 and r.changed == 3
    assert r.chunks_done == r.chunks_total > 0
    assert r.duration is not None
    assert ReconciliationRun.objects.count() == 1
