"""The explanation's sentences, rendered from `outcome_for`'s reasons without a database: every figure, date and
rule a clerk reads out, for each kind of decision (the person file shows these steps; `test_explain.py` checks
them through real runs)."""

from datetime import date

from django.utils import translation

from subsidies.reconciliation import rules as rr
from subsidies.reconciliation.explain import Renderer
from tests.builders.seed_rules import seed_rules
from tests.subsidies.reconciliation.test_outcome_cases import (
    AS_OF,
    CANJI,
    CL,
    DIBAO,
    FUND_MZ,
    MZ,
    TEKUN,
    TUOPIN,
    XC,
    D,
    paid,
    policy,
)

NAMES = {TEKUN: "特困人员", DIBAO: "低保", TUOPIN: "已脱贫", CANJI: "残疾人"}


def steps(p, viewer=None, **kw):
    trace: list = []
    outcome = rr.outcome_for(p, trace=trace, **kw)
    with translation.override("zh-hans"):
        rendered = Renderer(policy=p, viewer=viewer, year=p.year, outcome=outcome, names=NAMES).steps(
            trace, outcome, household=None, in_register=True
        )
    return [(s.code, s.title, s.lines) for s in rendered]


def test_two_identities_the_higher_wins():
    assert steps(
        policy(),
        as_of=AS_OF,
        identities=[rr.Held(TUOPIN, XC, date(2023, 1, 1)), rr.Held(DIBAO, MZ, date(2023, 5, 1), date(2024, 6, 30))],
        paid=paid((date(2023, 10, 10), "70")),
    ) == [
        ("payments", "缴费", ("2023年10月10日 缴费 70.00 元。", "本年度实缴合计 70.00 元；缴费档次：第 1 档。")),
        ("reference_date", "判定日期", ("判定日期 2023年10月10日：本年度首次缴费之日。",)),
        (
            "identities",
            "判定日期的有效身份",
            (
                "已脱贫（有效期 2023年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 100.00 元。",
                "低保（有效期 2023年5月1日 至 2024年6月30日） 在判定日期有效：按本档次资助 310.00 元。",
            ),
        ),
        (
            "winner",
            "资助",
            ("资助：低保，310.00 元。", "当日有效的多个身份中，按资助标准最高的一项资助，不重复资助（就高不重复）。"),
        ),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 310.00 元 = 个人应缴 70.00 元；已缴 70.00 元。",)),
        ("status", "状态：已参保", ("个人应缴部分已于 2023年10月10日 缴清。",)),
        ("topup", "次月资助判定", ("无次月资助：缴费当日已认定身份。",)),
        (
            "benefit_start",
            "待遇享受起始日",
            ("在集中征缴期内（截至 2023年12月31日）参保：自 2024年1月1日 起享受待遇。",),
        ),
        ("flag", "标记", ("无标记。",)),
    ]


def test_a_tie_and_an_unsubsidised_category():
    assert steps(
        policy(),
        as_of=AS_OF,
        identities=[
            rr.Held(DIBAO, MZ, date(2023, 1, 1)),
            rr.Held(CANJI, CL, date(2023, 1, 1)),
            rr.Held(99, 40, date(2023, 1, 1)),
        ],
        paid=paid((date(2023, 10, 10), "50")),
    ) == [
        ("payments", "缴费", ("2023年10月10日 缴费 50.00 元。", "本年度实缴合计 50.00 元；缴费档次：第 1 档。")),
        ("reference_date", "判定日期", ("判定日期 2023年10月10日：本年度首次缴费之日。",)),
        ("unsubsidised", "政策不予资助的身份", ("99（有效期 2023年1月1日 至 无终止日期）：政策对该类别不予资助。",)),
        (
            "identities",
            "判定日期的有效身份",
            (
                "低保（有效期 2023年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 310.00 元。",
                "残疾人（有效期 2023年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 310.00 元。",
            ),
        ),
        ("winner", "资助", ("资助：低保，310.00 元。", "残疾人 的资助金额相同；按政策规定的优先顺序，以 低保 为准。")),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 310.00 元 = 个人应缴 70.00 元；已缴 50.00 元。",)),
        ("status", "状态：欠缴", ("已缴 50.00 元，少于个人应缴 70.00 元，尚差 20.00 元。",)),
        ("topup", "次月资助判定", ("无次月资助：缴费当日已认定身份。",)),
        ("flag", "标记", ("已认定未参保：判定日期已认定身份，但未参保。", "欠缴：缴费少于个人应缴金额。")),
    ]


def test_a_top_up_the_month_after():
    assert steps(
        policy(),
        as_of=AS_OF,
        identities=[rr.Held(DIBAO, MZ, date(2023, 11, 5))],
        paid=paid((date(2023, 10, 10), "380")),
    ) == [
        ("payments", "缴费", ("2023年10月10日 缴费 380.00 元。", "本年度实缴合计 380.00 元；缴费档次：第 1 档。")),
        ("reference_date", "判定日期", ("判定日期 2023年10月10日：本年度首次缴费之日。",)),
        (
            "identities",
            "判定日期的有效身份",
            ("低保（有效期 2023年11月5日 至 无终止日期） 在 2023年10月10日 不在有效期内。",),
        ),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 0.00 元 = 个人应缴 380.00 元；已缴 380.00 元。",)),
        ("status", "状态：已参保", ("个人应缴部分已于 2023年10月10日 缴清。",)),
        (
            "topup",
            "次月资助判定",
            (
                "2023年10月10日 已按全额缴费，当时尚未认定身份；之后认定为 低保（有效期 2023年11月5日 至 无终止日期）：应于 2023年12月 补发资助 310.00 元（当月参保、次月资助）。",  # noqa: E501 - a sentence as the clerk reads it
            ),
        ),
        (
            "benefit_start",
            "待遇享受起始日",
            ("在集中征缴期内（截至 2023年12月31日）参保：自 2024年1月1日 起享受待遇。",),
        ),
        ("flag", "标记", ("无标记。",)),
    ]


def test_no_readjustment():
    assert steps(
        policy(no_readjustment=True),
        as_of=AS_OF,
        identities=[rr.Held(TEKUN, MZ, date(2023, 10, 15), date(2024, 1, 31))],
    ) == [
        ("payments", "缴费", ("没有 2024 年度的缴费记录。",)),
        ("reference_date", "判定日期", ("判定日期 2024年3月1日：未缴费，按对账截止日期判定。",)),
        (
            "identities",
            "判定日期的有效身份",
            ("特困人员（有效期 2023年10月15日 至 2024年1月31日） 在 2024年3月1日 不在有效期内。",),
        ),
        (
            "proxy",
            "不再调整",
            (
                "特困人员（有效期 2023年10月15日 至 2024年1月31日） 自 2023年10月15日 起享受全额资助；政策规定资助后不再调整，本年度代缴参保继续有效。",  # noqa: E501 - a sentence as the clerk reads it
            ),
        ),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 380.00 元 = 个人应缴 0.00 元；已缴 0.00 元。",)),
        ("status", "状态：代缴参保", ("资助覆盖全部缴费标准：由医保部门代缴参保，参保日期 2023年10月15日。",)),
        (
            "benefit_start",
            "待遇享受起始日",
            ("在集中征缴期内（截至 2023年12月31日）参保：自 2024年1月1日 起享受待遇。",),
        ),
        ("flag", "标记", ("无标记。",)),
    ]


def test_after_the_deadline():
    assert steps(
        policy(subsidy_deadline=date(2024, 2, 28)),
        as_of=AS_OF,
        identities=[rr.Held(DIBAO, MZ, date(2023, 1, 1))],
        paid=paid((date(2024, 2, 29), "380")),
    ) == [
        ("payments", "缴费", ("2024年2月29日 缴费 380.00 元。", "本年度实缴合计 380.00 元；缴费档次：第 1 档。")),
        ("reference_date", "判定日期", ("判定日期 2024年2月29日：本年度首次缴费之日。",)),
        (
            "identities",
            "判定日期的有效身份",
            ("低保（有效期 2023年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 310.00 元。",),
        ),
        (
            "deadline",
            "资助截止日期",
            (
                "缴费在资助截止日期 2024年2月28日 之后：只有在此之后新认定的人员仍予资助。",
                "低保（有效期 2023年1月1日 至 无终止日期） 在截止日期前已认定：不予资助。",
            ),
        ),
        ("winner", "资助", ("判定日期的有效身份均不能享受资助。",)),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 0.00 元 = 个人应缴 380.00 元；已缴 380.00 元。",)),
        ("status", "状态：已参保", ("个人应缴部分已于 2024年2月29日 缴清。",)),
        ("topup", "次月资助判定", ("无次月资助：缴费之后、截至对账日期且在本年度内，没有新认定的可资助身份。",)),
        ("benefit_start", "待遇享受起始日", ("在集中征缴期外缴费，且不属于政策规定的其他参保期：本年度不享受待遇。",)),
        ("flag", "标记", ("超过资助截止日期：缴费在资助截止日期之后，更高的资助未予享受。",)),
    ]


def test_another_departments_winner_hidden():
    assert steps(
        policy(),
        viewer=XC,
        as_of=AS_OF,
        identities=[rr.Held(TUOPIN, XC, date(2023, 1, 1)), rr.Held(DIBAO, MZ, date(2023, 5, 1))],
        paid=paid((date(2023, 10, 10), "70")),
    ) == [
        ("payments", "缴费", ("2023年10月10日 缴费 70.00 元。", "本年度实缴合计 70.00 元；缴费档次：第 1 档。")),
        ("reference_date", "判定日期", ("判定日期 2023年10月10日：本年度首次缴费之日。",)),
        (
            "identities",
            "判定日期的有效身份",
            ("已脱贫（有效期 2023年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 100.00 元。",),
        ),
        ("winner", "资助", ("另一部门的类别资助更高（或相同且优先）：310.00 元。",)),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 310.00 元 = 个人应缴 70.00 元；已缴 70.00 元。",)),
        ("status", "状态：已参保", ("个人应缴部分已于 2023年10月10日 缴清。",)),
        ("topup", "次月资助判定", ("无次月资助：缴费当日已认定身份。",)),
        ("benefit_start", "待遇享受起始日", ("由另一部门的身份决定。",)),
        ("flag", "标记", ("无标记。",)),
    ]


def test_a_refunded_duplicate():
    assert steps(
        policy(topup_after_full_payment=False),
        as_of=AS_OF,
        paid=paid((date(2023, 10, 10), "380"), (date(2023, 11, 1), "380"), (date(2023, 11, 20), "-380")),
    ) == [
        (
            "payments",
            "缴费",
            (
                "2023年10月10日 缴费 380.00 元。",
                "2023年11月1日 缴费 380.00 元。",
                "2023年11月20日 退费 380.00 元。",
                "本年度实缴合计 380.00 元；缴费档次：第 1 档。",
            ),
        ),
        ("reference_date", "判定日期", ("判定日期 2023年10月10日：本年度首次缴费之日。",)),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 0.00 元 = 个人应缴 380.00 元；已缴 380.00 元。",)),
        ("status", "状态：已参保", ("个人应缴部分已于 2023年10月10日 缴清。",)),
        ("topup", "次月资助判定", ("无次月资助：本县政策对全额缴费后认定的人员不予补发。",)),
        (
            "benefit_start",
            "待遇享受起始日",
            ("在集中征缴期内（截至 2023年12月31日）参保：自 2024年1月1日 起享受待遇。",),
        ),
        ("flag", "标记", ("有退费：有一笔缴费已退费。",)),
    ]


def test_a_refund_after_a_locked_subsidy():
    assert steps(
        policy(),
        as_of=AS_OF,
        identities=[rr.Held(DIBAO, MZ, date(2023, 1, 1))],
        paid=paid((date(2023, 10, 10), "70"), (date(2023, 12, 1), "-70")),
        locked=rr.Locked(DIBAO, MZ, FUND_MZ, D("310"), D("0"), None, None),
    ) == [
        ("payments", "缴费", ("没有 2024 年度的缴费记录。", "所缴费用已全部退回（70.00 元），视同未缴费。")),
        ("reference_date", "判定日期", ("判定日期 2024年3月1日：未缴费，按对账截止日期判定。",)),
        (
            "identities",
            "判定日期的有效身份",
            ("低保（有效期 2023年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 310.00 元。",),
        ),
        ("winner", "资助", ("资助：低保，310.00 元。",)),
        (
            "locked",
            "已由审核通过的划拨批次锁定",
            ("资助（310.00 元）已列入审核通过的划拨批次：本年度之后的名册变动不再改变它。",),
        ),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 310.00 元 = 个人应缴 70.00 元；已缴 0.00 元。",)),
        ("status", "状态：未参保", ("未缴费，且没有覆盖全部缴费标准的资助。",)),
        ("topup", "次月资助判定", ("不再新增次月资助：结果已由审核通过的划拨批次锁定。",)),
        (
            "flag",
            "标记",
            (
                "已认定未参保：判定日期已认定身份，但未参保。",
                "有退费：有一笔缴费已退费。",
                "资金划拨审批后退费：需跟进处理：资助已列入审核通过的划拨批次后发生退费，不自动追回。",
            ),
        ),
    ]


def test_fuling_exempt_category_in_july_to_september():
    assert steps(
        seed_rules("500102"),
        as_of=date(2023, 12, 1),
        identities=[rr.Held(1, None, date(2022, 1, 1))],
        paid=paid((date(2023, 8, 10), "375"), tier=2),
    ) == [
        ("payments", "缴费", ("2023年8月10日 缴费 375.00 元。", "本年度实缴合计 375.00 元；缴费档次：第 2 档。")),
        ("reference_date", "判定日期", ("判定日期 2023年8月10日：本年度首次缴费之日。",)),
        (
            "identities",
            "判定日期的有效身份",
            ("特困人员（有效期 2022年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 350.00 元。",),
        ),
        ("winner", "资助", ("资助：特困人员，350.00 元。",)),
        ("amounts", "金额", ("缴费标准 725.00 元 − 资助 350.00 元 = 个人应缴 375.00 元；已缴 375.00 元。",)),
        ("status", "状态：已参保", ("个人应缴部分已于 2023年8月10日 缴清。",)),
        ("topup", "次月资助判定", ("无次月资助：本县政策对全额缴费后认定的人员不予补发。",)),
        (
            "benefit_start",
            "待遇享受起始日",
            ("在7—9月参保期间缴费，属免等待期的资助类别：无等待期，自 2023年8月10日 起享受待遇。",),
        ),
        ("flag", "标记", ("无标记。",)),
    ]


def test_a_newborn():
    assert steps(
        seed_rules("620721"),
        as_of=date(2024, 6, 1),
        paid=paid((date(2024, 4, 20), "380")),
        birth_date=date(2024, 1, 20),
    ) == [
        ("payments", "缴费", ("2024年4月20日 缴费 380.00 元。", "本年度实缴合计 380.00 元；缴费档次：第 1 档。")),
        ("reference_date", "判定日期", ("判定日期 2024年4月20日：本年度首次缴费之日。",)),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 0.00 元 = 个人应缴 380.00 元；已缴 380.00 元。",)),
        ("status", "状态：已参保", ("个人应缴部分已于 2024年4月20日 缴清。",)),
        ("topup", "次月资助判定", ("无次月资助：本县政策对全额缴费后认定的人员不予补发。",)),
        (
            "benefit_start",
            "待遇享受起始日",
            ("新生儿在出生（2024年1月20日）后规定期限内参保：自 2024年1月20日 起享受待遇。",),
        ),
        ("flag", "标记", ("无标记。",)),
    ]


def test_paid_before_the_window():
    assert steps(seed_rules("620721"), as_of=date(2024, 6, 1), paid=paid((date(2023, 9, 1), "380"))) == [
        ("payments", "缴费", ("2023年9月1日 缴费 380.00 元。", "本年度实缴合计 380.00 元；缴费档次：第 1 档。")),
        ("reference_date", "判定日期", ("判定日期 2023年9月1日：本年度首次缴费之日。",)),
        ("amounts", "金额", ("缴费标准 380.00 元 − 资助 0.00 元 = 个人应缴 380.00 元；已缴 380.00 元。",)),
        ("status", "状态：已参保", ("个人应缴部分已于 2023年9月1日 缴清。",)),
        ("topup", "次月资助判定", ("无次月资助：本县政策对全额缴费后认定的人员不予补发。",)),
        ("benefit_start", "待遇享受起始日", ("缴费早于集中征缴期开始（2023年9月10日）：本年度不享受待遇。",)),
        ("flag", "标记", ("无标记。",)),
    ]


def test_a_student_and_every_data_flag():
    assert steps(
        policy(),
        as_of=AS_OF,
        identities=[rr.Held(TUOPIN, XC, date(2023, 1, 1))],
        paid=paid((date(2023, 10, 10), "280")),
        student=True,
        invalid_id=True,
        suspect_id=True,
        name_mismatch=True,
        in_register=False,
    ) == [
        (
            "payments",
            "缴费",
            ("2023年10月10日 缴费 280.00 元。", "本年度实缴合计 280.00 元；缴费档次：第 1 档（按学生标准）。"),
        ),
        ("reference_date", "判定日期", ("判定日期 2023年10月10日：本年度首次缴费之日。",)),
        (
            "identities",
            "判定日期的有效身份",
            ("已脱贫（有效期 2023年1月1日 至 无终止日期） 在判定日期有效：按本档次资助 100.00 元。",),
        ),
        ("winner", "资助", ("资助：已脱贫，100.00 元。",)),
        ("amounts", "金额", ("缴费标准 300.00 元 − 资助 100.00 元 = 个人应缴 200.00 元；已缴 280.00 元。",)),
        ("status", "状态：已参保", ("个人应缴部分已于 2023年10月10日 缴清。",)),
        ("topup", "次月资助判定", ("无次月资助：缴费当日已认定身份。",)),
        (
            "benefit_start",
            "待遇享受起始日",
            ("在集中征缴期内（截至 2023年12月31日）参保：自 2024年1月1日 起享受待遇。",),
        ),
        (
            "flag",
            "标记",
            (
                "身份证号码无效：身份证号码未通过 GB 11643 校验。",
                "身份证号码存疑：户籍名册中的身份证号码有警告。",
                "姓名与户籍不一致：名册中的姓名与户籍名册不一致。",
                "名册有、户籍无：在身份名册中，但不在户籍名册中。",
            ),
        ),
    ]
