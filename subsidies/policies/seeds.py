"""The five seed notices as policy data (SPEC §5, seeds/000–004). Plain data, no Django imports.

Loaded by `manage.py seed_policies`. Every figure comes from the notice named in `source`; where a notice leaves a
figure out, the choice made is written in the policy's `note` so the bureau sees it on the policy page.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

CIVIL = "civil_affairs"
RURAL = "rural_revitalization"
DISABLED = "disabled_federation"
VETERANS = "veterans_affairs"
HEALTH = "health_commission"
ENTERPRISE = "enterprise_office"
MEDICAL_ASSISTANCE = "medical_assistance"


def cat(code, name, department, fund, amounts, *, aliases=(), low_income=False, exempt=False, student=False):
    """A category line: amounts maps tier number -> ("fixed"|"percent", value)."""
    return {
        "code": code,
        "name": name,
        "department": department,
        "fund": fund,
        "amounts": amounts,
        "aliases": list(aliases),
        "is_low_income": low_income,
        "exempt_from_window": exempt,
        "uses_student_standard": student,
    }


def full(*tiers):
    return {t: ("percent", D(100)) for t in tiers}


def fixed(**per_tier):
    return {int(k[1:]): ("fixed", D(v)) for k, v in per_tier.items()}


def percent(value, *tiers):
    return {t: ("percent", D(value)) for t in tiers}


QUJING_NOTE = (
    "曲政办函〔2023〕91号未列分类资助标准：资助类别由医保局在后台补充。大学生个人缴费标准与居民相同（含大学生380元）。"
)

SEED_POLICIES = [
    # --- seed 000: 曲靖 and 宣威 (province-managed) ---------------------------------------------------------------
    {
        "county": "530300",
        "year": 2024,
        "title": "曲靖市2024年度城乡居民基本医疗保险参保筹资",
        "source": "曲政办函〔2023〕91号",
        "collection_start": date(2023, 9, 1),
        "collection_end": date(2024, 2, 25),
        "fiscal_subsidy": D(640),
        "transfer_deadline": "2023年12月1日前上缴完成",
        "note": QUJING_NOTE,
        "tiers": [(1, "", D(380), None)],
        "fiscal_shares": [
            ("central", D(80), None),
            ("province", D(14), None),
            ("city", D("1.8"), None),
            ("county", D("4.2"), None),
        ],
        "categories": [],
    },
    {
        "county": "530381",
        "year": 2024,
        "title": "宣威市2024年度城乡居民基本医疗保险参保筹资（省级直管）",
        "source": "曲政办函〔2023〕91号",
        "collection_start": date(2023, 9, 1),
        "collection_end": date(2024, 2, 25),
        "fiscal_subsidy": D(640),
        "transfer_deadline": "2023年12月1日前上缴完成",
        "note": QUJING_NOTE + "宣威市属省级直管：省级财政补助17%，宣威市承担3%，市级不承担。",
        "tiers": [(1, "", D(380), None)],
        "fiscal_shares": [
            ("central", D(80), None),
            ("province", D(17), None),
            ("city", D(0), None),
            ("county", D(3), None),
        ],
        "categories": [],
    },
    # --- seed 001: 肃南 ---------------------------------------------------------------------------------------------
    {
        "county": "620721",
        "year": 2024,
        "title": "肃南裕固族自治县2024年度城乡居民基本医疗保险参保缴费",
        "source": "肃医保〔2023〕48号",
        "collection_start": date(2023, 9, 10),
        "collection_end": date(2023, 12, 31),
        "fiscal_subsidy": D(640),
        "topup_after_full_payment": True,
        "household_enrolment": True,
        "note": (
            "低收入人口、当年退出现役军人等特殊人群可不受集中缴费期限制实时参保；通知未载明其待遇起始日，"
            "按缴费次日起享受设置。新生儿在出生3个月内参保缴费的，自出生之日起享受待遇。"
        ),
        "tiers": [(1, "", D(380), None)],
        "fiscal_shares": [("central", None, D(512)), ("province", None, D(112)), ("city_county", None, D(16))],
        "categories": [
            cat(
                "extreme_poverty",
                "特困人员",
                CIVIL,
                MEDICAL_ASSISTANCE,
                full(1),
                aliases=["特困供养人员", "特困", "特困供养"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "orphan",
                "孤儿（含事实无人抚养儿童）",
                CIVIL,
                MEDICAL_ASSISTANCE,
                full(1),
                aliases=["孤儿", "事实无人抚养儿童"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "rural_dibao_1_2",
                "农村一、二类低保",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=310),
                aliases=["农村一类低保", "农村二类低保", "一类低保", "二类低保", "农村一二类低保"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "urban_dibao_full",
                "城市全额保障对象",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=310),
                aliases=["城市低保全额保障对象", "全额保障对象"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "returned_poverty",
                "农村返贫致贫人口",
                RURAL,
                RURAL,
                fixed(t1=310),
                aliases=["返贫致贫人口", "返贫致贫"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "rural_dibao_3_4",
                "农村三、四类低保",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=250),
                aliases=["农村三类低保", "农村四类低保", "三类低保", "四类低保", "农村三四类低保"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "urban_dibao_partial",
                "城市低保差额保障对象",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=250),
                aliases=["差额保障对象", "城市差额保障对象"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "at_risk",
                "农村易返贫致贫人口（含脱贫不稳定户、边缘易致贫户、突发严重疾病困难户）",
                RURAL,
                RURAL,
                fixed(t1=250),
                aliases=[
                    "易返贫致贫人口",
                    "农村易返贫致贫人口",
                    "脱贫不稳定户",
                    "边缘易致贫户",
                    "突发严重疾病困难户",
                    "监测对象",
                ],
                low_income=True,
                exempt=True,
            ),
            cat(
                "dibao_marginal",
                "城乡低保边缘家庭成员",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=100),
                aliases=["低保边缘家庭成员", "低保边缘户", "低保边缘"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "poverty_relieved",
                "已脱贫人口",
                RURAL,
                RURAL,
                fixed(t1=100),
                aliases=["脱贫人口", "已脱贫"],
                exempt=True,
            ),
        ],
        "mid_year": [
            {
                "name": "特殊人群实时参保",
                "applies_from": date(2024, 1, 1),
                "applies_to": date(2024, 12, 31),
                "start": "next_day",
                "exempt_only": True,
            },
        ],
        "special": [("newborn", 3, "months", "birth_date", None)],
    },
    # --- seed 002: 朱集镇 (灵璧县) ----------------------------------------------------------------------------------
    {
        "county": "341323",
        "year": 2023,
        "title": "灵璧县朱集镇2023年度城乡居民基本医疗保险征缴",
        "source": "朱政〔2022〕34号",
        "collection_start": date(2022, 10, 1),
        "collection_end": date(2023, 2, 28),
        "subsidy_deadline": date(2023, 2, 28),
        "fiscal_subsidy": D(610),
        "work_fund_per_person": D(1),
        "note": (
            "集中筹资阶段自2022年10月1日起，原则上12月31日前完成，返乡农民工可延长至2023年2月28日。"
            "通知未载明财政补助610元的分级比例。特困人员、低保对象由医疗救助资金资助；返贫致贫人口、监测人口"
            "属医疗救助资助参保政策（稳定脱贫人口“不再享受医疗救助资助参保政策”），亦由医疗救助资金资助。"
            "稳定脱贫人口（未纳入监测）资助0元。职工医保中断缴费不超过3个月的自缴费次日起享受待遇，"
            "超过3个月的设置6个月等待期；通知另要求已连续2年以上参加职工医保，该条件由经办人员核实。"
        ),
        "tiers": [(1, "", D(350), None)],
        "fiscal_shares": [],
        "categories": [
            cat(
                "extreme_poverty",
                "特困人员（含孤儿和事实无人抚养儿童）",
                CIVIL,
                MEDICAL_ASSISTANCE,
                full(1),
                aliases=["特困人员", "特困供养人员", "特困", "孤儿", "事实无人抚养儿童"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "family_planning",
                "计生代缴对象",
                HEALTH,
                HEALTH,
                full(1),
                aliases=["计生代缴", "独生子女领证户", "农村双女绝育户", "计生特殊困难家庭人员", "计生特殊困难家庭"],
            ),
            cat("key_entitled", "重点优抚对象", VETERANS, VETERANS, full(1), aliases=["优抚对象", "重点优抚"]),
            cat(
                "dibao",
                "低保对象",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=300),
                aliases=["低保", "城乡低保对象", "农村低保", "城市低保", "最低生活保障对象"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "returned_poverty",
                "返贫致贫人口",
                RURAL,
                MEDICAL_ASSISTANCE,
                fixed(t1=270),
                aliases=["返贫致贫", "农村返贫致贫人口"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "monitored",
                "监测人口（脱贫不稳定、纳入监测范围）",
                RURAL,
                MEDICAL_ASSISTANCE,
                fixed(t1=175),
                aliases=[
                    "监测人口",
                    "监测对象",
                    "脱贫不稳定人口",
                    "脱贫不稳定户",
                    "纳入监测范围人口",
                    "农村低收入人口监测对象",
                ],
                low_income=True,
                exempt=True,
            ),
            cat(
                "stable_relieved",
                "稳定脱贫人口（未纳入监测）",
                RURAL,
                None,
                fixed(t1=0),
                aliases=["稳定脱贫人口", "脱贫人口", "已脱贫人口", "未纳入农村低收入人口监测范围的稳定脱贫人口"],
            ),
        ],
        "mid_year": [
            {
                "name": "动态新增救助对象补办参保",
                "applies_from": date(2023, 3, 1),
                "applies_to": date(2023, 12, 31),
                "start": "next_day",
                "exempt_only": True,
            },
        ],
        "special": [("newborn", 90, "days", "birth_date", None), ("employee_leaver", 3, "months", "next_day", 6)],
    },
    # --- seed 003: 涪陵 ---------------------------------------------------------------------------------------------
    {
        "county": "500102",
        "year": 2023,
        "title": "涪陵区2023年度城乡居民基本医疗保险参保征收",
        "source": "涪陵区人民政府办公室 2022年11月2日",
        "collection_start": date(2022, 9, 1),
        "collection_end": date(2022, 12, 31),
        "fiscal_subsidy": D(0),
        "note": (
            "通知只载明集中参保截止时间2022年12月31日，起始日按2022年9月1日设置。通知未载明当年人均财政补助金额："
            "7—9月中途参保的缴费标准为“个人缴费标准+当年财政补助金额”，该金额须由医保局在“年中参保规则”中填写后"
            "方能计价。资助对象原则上不允许“先收后退”，故不设“全额缴费后次月资助”。大学生按学年参保"
            "（2022年9月1日至2023年8月31日，当年毕业生延长至12月31日）。特困、低保、返贫致贫及监测人口、"
            "低保边缘户和稳定脱贫人口在7月1日至12月31日参保的不设等待期。家庭经济困难大学生由区民政局认定，"
            "通知未载明资助资金来源，按医疗救助资金设置。"
        ),
        "tiers": [(1, "一档", D(350), D(320)), (2, "二档", D(725), D(695))],
        "fiscal_shares": [],
        "categories": [
            cat(
                "extreme_poverty",
                "特困人员（含三无、五保、孤儿、事实无人抚养困境儿童）",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=350, t2=350),
                aliases=[
                    "特困人员",
                    "特困供养人员",
                    "特困",
                    "城市三无人员",
                    "三无人员",
                    "农村五保对象",
                    "五保",
                    "孤儿",
                    "城乡孤儿",
                    "事实无人抚养困境儿童",
                ],
                low_income=True,
                exempt=True,
            ),
            cat(
                "dibao",
                "低保对象",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=315, t2=350),
                aliases=["低保", "最低生活保障家庭成员", "城乡低保对象", "低保家庭成员"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "returned_poverty",
                "返贫致贫人口",
                RURAL,
                MEDICAL_ASSISTANCE,
                fixed(t1=245, t2=350),
                aliases=["返贫致贫", "返贫致贫户"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "monitored",
                "脱贫不稳定户、边缘易致贫户、突发严重困难户",
                RURAL,
                MEDICAL_ASSISTANCE,
                fixed(t1=245, t2=350),
                aliases=[
                    "脱贫不稳定户",
                    "边缘易致贫户",
                    "突发严重困难户",
                    "监测对象",
                    "监测户",
                    "因病因灾因意外事故等刚性支出较大或收入大幅缩减导致基本生活出现严重困难户",
                ],
                low_income=True,
                exempt=True,
            ),
            cat(
                "dibao_marginal",
                "低保边缘户",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=245, t2=350),
                aliases=["低保边缘", "低保边缘家庭成员"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "key_entitled",
                "在乡重点优抚对象（不含1—6级残疾军人）",
                VETERANS,
                VETERANS,
                fixed(t1=245, t2=350),
                aliases=["在乡重点优抚对象", "重点优抚对象", "优抚对象"],
            ),
            cat(
                "severe_disabled",
                "城乡重度（1—2级）残疾人",
                DISABLED,
                DISABLED,
                fixed(t1=245, t2=350),
                aliases=[
                    "重度残疾人",
                    "城乡重度残疾人员",
                    "城乡重度（1—2级）残疾人员",
                    "一级残疾",
                    "二级残疾",
                    "重度残疾",
                ],
            ),
            cat(
                "poor_student",
                "家庭经济困难大学生",
                CIVIL,
                MEDICAL_ASSISTANCE,
                fixed(t1=224, t2=320),
                aliases=["家庭经济困难学生", "困难大学生"],
                student=True,
            ),
            cat(
                "stable_relieved",
                "稳定脱贫人口（未纳入监测）",
                RURAL,
                RURAL,
                fixed(t1=50, t2=50),
                aliases=["稳定脱贫人口", "脱贫人口"],
                exempt=True,
            ),
            cat("old_demobilised", "在乡老复员军人", VETERANS, VETERANS, full(2), aliases=["老复员军人", "复员军人"]),
            cat(
                "fp_reward",
                "计划生育奖励扶助人员",
                HEALTH,
                HEALTH,
                fixed(t1=280, t2=280),
                aliases=["计生奖扶", "奖励扶助人员", "计生奖励扶助"],
            ),
            cat(
                "fp_special",
                "计生特别扶助人员、其残疾子女、手术并发症人员",
                HEALTH,
                HEALTH,
                fixed(t1=350, t2=350),
                aliases=[
                    "计划生育特别扶助人员",
                    "计生特扶",
                    "特别扶助人员",
                    "计划生育特别扶助人员残疾子女",
                    "计划生育手术并发症人员",
                    "手术并发症人员",
                ],
            ),
        ],
        "mid_year": [
            {
                "name": "1—2月参保",
                "applies_from": date(2023, 1, 1),
                "applies_to": date(2023, 2, 28),
                "start": "next_month",
            },
            {
                "name": "3—6月参保",
                "applies_from": date(2023, 3, 1),
                "applies_to": date(2023, 6, 30),
                "start": "after_days",
                "wait": 90,
            },
            {
                "name": "7—9月参保",
                "applies_from": date(2023, 7, 1),
                "applies_to": date(2023, 9, 30),
                "start": "after_days",
                "wait": 90,
                "price": "standard_plus_fiscal",
                "fiscal_amount": None,
                "low_income_exempt": True,
            },
            {
                "name": "10—12月资助对象参保",
                "applies_from": date(2023, 10, 1),
                "applies_to": date(2023, 12, 31),
                "start": "immediate",
                "low_income_exempt": True,
                "exempt_only": True,
            },
        ],
        "special": [],
    },
    # --- seed 004: 孝义 ---------------------------------------------------------------------------------------------
    {
        "county": "141181",
        "year": 2024,
        "title": "孝义市2024年度城乡居民基本医疗保险参保缴费",
        "source": "孝义市医疗保障局 2024年度参保缴费工作政策解读（2023.09）",
        "collection_start": date(2023, 9, 1),
        "collection_end": date(2023, 12, 31),
        "fiscal_subsidy": D(640),
        "note": (
            "人均财政补助“不低于640元”，按640元设置，通知未载明分级比例。集中征缴期间每月1—25日可办理缴费。"
            "新生儿出生当年不缴费，自出生之日起享受待遇（通知未设登记时限）。"
            "职工医保断保90天内参加居民医保的，自参保之日起享受待遇。"
        ),
        "tiers": [(1, "", D(380), None)],
        "fiscal_shares": [],
        "categories": [
            cat(
                "extreme_poverty",
                "特困人员",
                CIVIL,
                MEDICAL_ASSISTANCE,
                full(1),
                aliases=["特困供养人员", "特困"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "dibao",
                "低保对象",
                CIVIL,
                MEDICAL_ASSISTANCE,
                percent(80, 1),
                aliases=["低保", "城乡低保对象", "农村低保", "城市低保"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "returned_poverty",
                "返贫致贫人口",
                RURAL,
                RURAL,
                percent(90, 1),
                aliases=["返贫致贫"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "monitored",
                "监测对象（脱贫不稳定人口、边缘易致贫人口和突发严重困难人口）",
                RURAL,
                RURAL,
                fixed(t1=280),
                aliases=["监测对象", "脱贫不稳定人口", "边缘易致贫人口", "突发严重困难人口", "监测人口"],
                low_income=True,
                exempt=True,
            ),
            cat(
                "disabled",
                "持有二代残疾证的残疾人员",
                DISABLED,
                DISABLED,
                fixed(t1=304),
                aliases=["残疾人员", "残疾人", "持证残疾人", "持有二代残疾证的残疾人", "二代残疾证持证人员"],
            ),
            cat(
                "restructured_enterprise",
                "市属改制企业职工（含市属未改制企业退休人员）",
                ENTERPRISE,
                ENTERPRISE,
                full(1),
                aliases=["市属改制企业职工", "改制企业职工", "未改制企业退休人员", "市属未改制企业退休人员"],
            ),
        ],
        "mid_year": [],
        "special": [
            ("newborn", None, "days", "birth_date", None, True),
            ("employee_leaver", 90, "days", "immediate", None),
        ],
    },
]
