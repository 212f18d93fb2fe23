"""Every decision of a result explained (issue 24): worked cases from the seed notices, each through a real run,
then `explain_person`, whose sentences are checked and whose recomputed figures equal the stored result."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enrollment.models import Person
from subsidies.models import Department, ReconciliationResult
from subsidies.reconciliation.explain import explain_person
from subsidies.reconciliation.runs import reconcile
from tests.builders import recon_data as d

pytestmark = pytest.mark.django_db
AS_OF = date(2024, 3, 1)


def run(policy, as_of=AS_OF):
    reconcile(county=policy.county, year=policy.year, as_of=as_of, full=True)


def explain(policy, who, **kw):
    number = who if isinstance(who, str) else who.id_number
    e = explain_person(county_id=policy.county_id, year=policy.year, id_number=number, **kw)
    assert e.matches_stored, (e.outcome, e.stored and e.stored.__dict__)
    return e


def text(e, code) -> list[str]:
    return [line for step in e.steps if step.code == code for line in step.lines]


def codes(e) -> list[str]:
    return [step.code for step in e.steps]


@pytest.fixture
def sunan():
    return d.sunan_2024()


def test_the_highest_of_several_identities_wins(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "poverty_relieved", since=date(2023, 1, 1))  # 乡村振兴, 100
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 5, 1))  # 民政, 310
    d.payment(c, p, "70", date(2023, 10, 10), year=2024)
    run(sunan)
    e = explain(sunan, p)
    assert codes(e) == [
        "payments",
        "reference_date",
        "identities",
        "winner",
        "amounts",
        "status",
        "topup",
        "benefit_start",
        "flag",
    ]
    assert text(e, "reference_date") == ["判定日期 2023年10月10日：本年度首次缴费之日。"]
    assert text(e, "identities") == [
        "已脱贫人口（有效期 2023年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 100.00 元。",
        "农村一、二类低保（有效期 2023年5月1日 至 无终止日期） 在判定日期有效：按本档次资助 310.00 元。",
    ]
    assert text(e, "winner") == [
        "资助：农村一、二类低保，310.00 元。",
        "当日有效的多个身份中，按资助标准最高的一项资助，不重复资助（就高不重复）。",
    ]
    assert text(e, "amounts") == ["缴费标准 380.00 元 − 资助 310.00 元 = 个人应缴 70.00 元；已缴 70.00 元。"]
    assert text(e, "status") == ["个人应缴部分已于 2023年10月10日 缴清。"]
    assert text(e, "topup") == ["无次月资助：缴费当日已认定身份。"]
    assert text(e, "benefit_start") == ["在集中征缴期内（截至 2023年12月31日）参保：自 2024年1月1日 起享受待遇。"]
    assert text(e, "flag") == ["无标记。"]


def test_a_tie_is_decided_by_the_policy_priority(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "returned_poverty", since=date(2023, 1, 1))  # 310, priority 3
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 1, 1))  # 310, priority 2
    run(sunan)
    e = explain(sunan, p)
    assert text(e, "winner") == [
        "资助：农村一、二类低保，310.00 元。",
        "农村返贫致贫人口 的资助金额相同；按政策规定的优先顺序，以 农村一、二类低保 为准。",
    ]


def test_proxy_enrolment_from_the_window_start(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "extreme_poverty", since=date(2023, 8, 1))
    run(sunan)
    e = explain(sunan, p)
    assert text(e, "reference_date") == ["判定日期 2024年3月1日：未缴费，按对账截止日期判定。"]
    assert text(e, "status") == ["资助覆盖全部缴费标准：由医保部门代缴参保，参保日期 2023年9月10日。"]
    assert e.steps[[s.code for s in e.steps].index("status")].title == "状态：代缴参保"
    assert "topup" not in codes(e)


def test_underpaid_says_by_how_much_and_flags_it(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 1, 1))
    d.payment(c, p, "50", date(2023, 10, 1), year=2024)
    run(sunan)
    e = explain(sunan, p)
    assert text(e, "status") == ["已缴 50.00 元，少于个人应缴 70.00 元，尚差 20.00 元。"]
    assert text(e, "flag") == ["已认定未参保：判定日期已认定身份，但未参保。", "欠缴：缴费少于个人应缴金额。"]


def test_a_sunan_top_up_is_owed_the_month_after_certification(sunan):
    c = sunan.county
    p = d.person(c)
    d.payment(c, p, "380", date(2023, 10, 10), year=2024)
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 11, 5))
    run(sunan)
    e = explain(sunan, p)
    assert text(e, "identities") == [
        "农村一、二类低保（有效期 2023年11月5日 至 无终止日期） 在 2023年10月10日 不在有效期内。"
    ]
    assert text(e, "topup") == [
        "2023年10月10日 已按全额缴费，当时尚未认定身份；之后认定为 农村一、二类低保（有效期 2023年11月5日 至 "
        "无终止日期）：应于 2023年12月 补发资助 310.00 元（当月参保、次月资助）。"
    ]


def test_a_top_up_refused_because_the_subsidy_is_locked(sunan):
    c = sunan.county
    p = d.person(c)
    d.payment(c, p, "380", date(2023, 10, 10), year=2024)
    run(sunan)
    ReconciliationResult.objects.filter(id_number=p.id_number).update(locked=True)  # as an approved batch does
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 11, 5))
    run(sunan)
    e = explain(sunan, p)
    assert e.stored.topup == 0
    assert text(e, "locked") == ["资助（0.00 元）已列入审核通过的划拨批次：本年度之后的名册变动不再改变它。"]
    assert text(e, "topup") == ["不再新增次月资助：结果已由审核通过的划拨批次锁定。"]


def test_no_re_adjustment_keeps_the_proxy_enrolment_after_removal(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "extreme_poverty", since=date(2023, 10, 15), until=date(2024, 1, 31))
    run(sunan)
    e = explain(sunan, p)
    assert text(e, "proxy") == [
        "特困人员（有效期 2023年10月15日 至 2024年1月31日） 自 2023年10月15日 起享受全额资助；政策规定资助后不再调整，"
        "本年度代缴参保继续有效。"
    ]
    assert e.stored.status == "proxy_enrolled"


def test_fuling_march_to_june_waits_90_days():
    fuling = d.fuling_2023()
    c = fuling.county
    p = d.person(c)
    d.payment(c, p, "350", date(2023, 4, 10), year=2023)
    run(fuling, as_of=date(2023, 8, 1))
    e = explain(fuling, p)
    assert e.stored.benefit_start == date(2023, 7, 10)
    assert text(e, "benefit_start") == [
        "在3—6月参保期间缴费（集中征缴期外）：自 2023年7月10日 起享受待遇。",
        "政策规定缴清费用后设 90 天等待期。",
    ]


def test_a_newborn_is_covered_from_birth(sunan):
    c = sunan.county
    baby = d.person(c)
    Person.objects.filter(pk=baby.pk).update(birth_date=date(2024, 1, 20))
    d.payment(c, baby, "380", date(2024, 4, 20), year=2024)
    run(sunan, as_of=date(2024, 6, 1))
    e = explain(sunan, baby)
    assert e.stored.benefit_start == date(2024, 1, 20)
    assert text(e, "benefit_start") == ["新生儿在出生（2024年1月20日）后规定期限内参保：自 2024年1月20日 起享受待遇。"]


def test_zhuji_refuses_the_subsidy_after_the_deadline():
    zhuji = d.zhuji_2023()
    c = zhuji.county
    late = d.person(c)
    d.identity(c, late, "dibao", since=date(2022, 11, 1))
    d.payment(c, late, "350", date(2023, 3, 15), year=2023)
    run(zhuji, as_of=date(2023, 4, 1))
    e = explain(zhuji, late)
    deadline = text(e, "deadline")
    assert deadline[0] == "缴费在资助截止日期 2023年2月28日 之后：只有在此之后新认定的人员仍予资助。"
    assert deadline[1].endswith("在截止日期前已认定：不予资助。")
    assert text(e, "flag")[-1].endswith("：缴费在资助截止日期之后，更高的资助未予享受。")


def test_a_household_partly_enrolled(sunan):
    c = sunan.county
    head = d.person(c, household="H1", relation="户主")
    d.person(c, household="H1", relation="子")
    d.payment(c, head, "380", date(2023, 10, 1), year=2024)
    run(sunan)
    e = explain(sunan, head)
    lines = text(e, "household")
    assert lines[0] == "本县政策以户为单位参保：全户 2 人中已参保 1 人。"
    assert sorted(lines[1:]) == sorted(["户主 张三：已参保", "子 张三：未参保"])
    assert text(e, "flag")[-1].endswith("：家庭成员中有人已参保、有人未参保。")


def test_a_roster_person_missing_from_the_register(sunan):
    c = sunan.county
    missing = d.id_number()
    d.identity(c, missing, "extreme_poverty", since=date(2023, 9, 1), name="赵六")
    run(sunan)
    e = explain(sunan, missing)
    assert text(e, "flag")[0].endswith("：在身份名册中，但不在户籍名册中。")
    assert codes(e)[0] == "register"
    assert text(e, "register") == [
        "此人在身份名册中，但不在本县户籍名册中：姓名和所在地取自身份名册，结果已标记待核实。"
    ]
    assert e.stored.status == "proxy_enrolled"


def test_a_department_user_sees_another_departments_winner_only_as_higher_with_its_amount(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "poverty_relieved", since=date(2023, 1, 1))  # 乡村振兴, 100
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 5, 1))  # 民政, 310: the winner
    d.payment(c, p, "70", date(2023, 10, 10), year=2024)
    run(sunan)
    rural = Department.objects.get(code="rural_revitalization")
    e = explain(sunan, p, viewer_department_id=rural.pk)
    everything = "".join(line for step in e.steps for line in step.lines)
    assert "低保" not in everything and "民政" not in everything
    assert text(e, "winner") == ["另一部门的类别资助更高（或相同且优先）：310.00 元。"]
    assert text(e, "identities") == [
        "已脱贫人口（有效期 2023年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 100.00 元。"
    ]
    assert text(e, "benefit_start") == ["由另一部门的身份决定。"]


def test_a_department_user_does_not_see_the_day_of_a_proxy_enrolment_by_another_department(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "extreme_poverty", since=date(2023, 8, 1))  # 民政
    run(sunan)
    rural = Department.objects.get(code="rural_revitalization")
    e = explain(sunan, p, viewer_department_id=rural.pk)
    assert text(e, "status") == ["资助覆盖全部缴费标准：由医保部门代缴参保。"]
    everything = "".join(line for step in e.steps for line in step.lines)
    assert "特困" not in everything and "2023年9月10日" not in everything


def test_the_command_prints_the_steps_and_refuses_an_unknown_person(sunan):
    c = sunan.county
    p = d.person(c)
    d.identity(c, p, "extreme_poverty", since=date(2023, 8, 1))
    run(sunan)
    out = io.StringIO()
    call_command("explain", county=c.code, year=2024, id_number=p.id_number.lower(), stdout=out)
    assert out.getvalue().splitlines() == [
        f"{c.name}，2024 年度，对账截至 2024-03-01",
        "【缴费】",
        "  没有 2024 年度的缴费记录。",
        "【判定日期】",
        "  判定日期 2024年3月1日：未缴费，按对账截止日期判定。",
        "【判定日期的有效身份】",
        "  特困人员（有效期 2023年8月1日 至 无终止日期） 在判定日期有效：按本档次资助 380.00 元。",
        "【资助】",
        "  资助：特困人员，380.00 元。",
        "【金额】",
        "  缴费标准 380.00 元 − 资助 380.00 元 = 个人应缴 0.00 元；已缴 0.00 元。",
        "【状态：代缴参保】",
        "  资助覆盖全部缴费标准：由医保部门代缴参保，参保日期 2023年9月10日。",
        "【待遇享受起始日】",
        "  在集中征缴期内（截至 2023年12月31日）参保：自 2024年1月1日 起享受待遇。",
        "【标记】",
        "  无标记。",
        "【结果】",
        "  状态：代缴参保",
        "  人员类别：特困人员",
        "  资助：380.00 元",
        "  个人应缴：0.00 元",
        "  已缴：0.00 元",
        "  次月资助：0.00 元",
        "  待遇享受起始日：2024年1月1日",
        "  标记：—",
    ]
    with pytest.raises(CommandError, match="此人既不在户籍名册中，也不在 2024 年度有效的任何身份名册中。"):
        call_command("explain", county=c.code, year=2024, id_number=d.id_number(), stdout=io.StringIO())


def test_the_explanation_of_every_person_of_the_demo_county_equals_the_stored_result(tmp_path):
    """The demo county (`setup_demo`, what `make run` shows): register, rosters, payments, a run; then every
    person's explanation, recomputed by the engine's own per-person call, equals what the run stored."""
    call_command("setup_demo", county="620721", persons=3000, output=str(tmp_path), stdout=io.StringIO())
    results = ReconciliationResult.objects.filter(county__code="620721")
    year = results.values_list("year", flat=True).first()
    numbers = list(results.filter(year=year).values_list("id_number", flat=True))
    assert len(numbers) > 2500
    print(f"explained {len(numbers)} persons")
    differing = []
    for number in numbers:
        e = explain_person(county_id=results.first().county_id, year=year, id_number=number)
        if not e.matches_stored:
            differing.append(number)
    assert differing == []


@pytest.mark.parametrize(
    "make_policy, as_of",
    [
        (d.sunan_2024, date(2024, 3, 1)),
        (d.zhuji_2023, date(2023, 4, 30)),
        (d.fuling_2023, date(2023, 8, 31)),
        (d.xiaoyi_2024, date(2024, 2, 29)),
    ],
    ids=["sunan", "zhuji", "fuling", "xiaoyi"],
)
def test_the_explanation_of_every_person_of_each_seed_county_equals_the_stored_result(make_policy, as_of):
    """Each seed notice's county, filled at random from its own categories (a fixed seed), reconciled in full:
    every person's explanation recomputes exactly the result the run stored, for the whole county."""
    policy = make_policy()
    numbers = d.random_county(policy, seed=policy.year)
    run(policy, as_of=as_of)
    stored = set(
        ReconciliationResult.objects.filter(county=policy.county, year=policy.year).values_list("id_number", flat=True)
    )
    assert stored == set(numbers)
    differing = [
        n
        for n in numbers
        if not explain_person(county_id=policy.county_id, year=policy.year, id_number=n).matches_stored
    ]
    assert differing == []
    statuses = set(ReconciliationResult.objects.filter(county=policy.county).values_list("status", flat=True))
    # The dataset reaches every kind of outcome, not one.
    assert statuses >= {"enrolled", "not_enrolled", "proxy_enrolled", "underpaid"}, statuses


def test_an_employee_insurance_leaver_within_three_months_from_the_next_day_and_later_after_six_months():
    """朱集 (seed 002): "职工医保断保人员…3个月内" enrol outside the window from the day after payment; later, a
    6-month wait from the payment. The day employee insurance ended comes from the register; without it the same
    payment, after the window, gives no benefits this year."""
    policy = d.zhuji_2023()
    c = policy.county
    within = d.person(c, name="甲", left_employee_insurance_on=date(2023, 2, 1))
    late = d.person(c, name="乙", left_employee_insurance_on=date(2022, 11, 1))
    unknown = d.person(c, name="丙")
    for who in (within, late, unknown):
        d.payment(c, who, "350", date(2023, 4, 10), year=2023)
    run(policy, as_of=date(2023, 6, 30))
    starts = dict(ReconciliationResult.objects.filter(county=c).values_list("name", "benefit_start"))
    assert starts == {"甲": date(2023, 4, 11), "乙": date(2023, 10, 11), "丙": None}
    e = explain(policy, within, as_of=date(2023, 6, 30))
    assert any("2023年2月1日" in line and "职工医保" in line for line in text(e, "benefit_start")), e.steps
    e = explain(policy, late, as_of=date(2023, 6, 30))
    assert any("6 个月" in line or "6个月" in line for line in text(e, "benefit_start")), e.steps


def test_a_xiaoyi_employee_insurance_leaver_within_90_days_is_covered_from_the_enrolment_day():
    policy = d.xiaoyi_2024()
    c = policy.county
    leaver = d.person(c, name="甲", left_employee_insurance_on=date(2024, 3, 1))
    d.payment(c, leaver, "380", date(2024, 5, 20), year=2024)
    run(policy, as_of=date(2024, 6, 30))
    assert ReconciliationResult.objects.get(county=c, id_number=leaver.id_number).benefit_start == date(2024, 5, 20)
    explain(policy, leaver, as_of=date(2024, 6, 30))
