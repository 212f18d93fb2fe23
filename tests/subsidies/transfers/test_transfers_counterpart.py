"""Fiscal counterpart report (SPEC §5, §8): enrolled people × each level's share, with the deadline."""

from datetime import date
from decimal import Decimal

import pytest

from enrollment.places.services import county_ensure
from subsidies.models import FiscalShare, Policy
from subsidies.policies.services import seed_policies_load
from subsidies.transfers.rules import counterpart_rows
from subsidies.transfers.services import counterpart_report
from tests.builders.transfers_helpers import result

D = Decimal


def test_counterpart_rows_multiply_people_by_each_share():
    rows = counterpart_rows({"central": D("512"), "province": D("112"), "city_county": D("16")}, people=29500)
    assert [(r.level, r.total) for r in rows] == [
        ("central", D("15104000.00")),
        ("province", D("3304000.00")),
        ("city_county", D("472000.00")),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "levels"),
    [
        ("530300", [("central", "512.00"), ("province", "89.60"), ("city", "11.52"), ("county", "26.88")]),
        ("530381", [("central", "512.00"), ("province", "108.80"), ("city", "0.00"), ("county", "19.20")]),
        ("620721", [("central", "512.00"), ("province", "112.00"), ("city_county", "16.00")]),
    ],
)
def test_seed_policies_give_the_notices_shares(code, levels):
    seed_policies_load(counties=[code])
    c = county_ensure(code=code)
    for _ in range(3):
        result(c, status="enrolled", paid_on=date(2023, 10, 1), enrolled_on=date(2023, 10, 1))
    result(c, status="proxy_enrolled", subsidy="380", enrolled_on=date(2023, 9, 5))
    report = counterpart_report(county=c, year=2024)
    assert [(r.level, str(r.per_person)) for r in report.rows] == levels
    assert report.per_person == D("640.00") and report.people == 4
    assert [r.total for r in report.rows] == [D(v) * 4 for _, v in levels]
    if code in ("530300", "530381"):  # seed 000: 确保在 2023年12月1日前上缴完成
        assert report.deadline == "2023年12月1日前上缴完成"


@pytest.mark.django_db
def test_report_counts_proxy_and_self_paid_people_of_the_year():
    qujing = county_ensure(code="530300")
    policy = Policy.objects.create(
        county=qujing,
        year=2024,
        title="曲靖 2024",
        collection_start=date(2023, 9, 1),
        collection_end=date(2024, 2, 25),
        fiscal_subsidy=D("640"),
        transfer_deadline="县级配套资金于2023年12月1日前上缴完成",
    )
    for level, pct in [("county", "4.2"), ("central", "80"), ("city", "1.8"), ("province", "14")]:
        FiscalShare.objects.create(policy=policy, level=level, percent=D(pct))
    for _ in range(3):
        result(qujing, status="enrolled", paid_on=date(2023, 10, 1), enrolled_on=date(2023, 10, 1))
    for _ in range(2):
        result(qujing, status="proxy_enrolled", subsidy="380", enrolled_on=date(2023, 9, 5))
    result(qujing, status="underpaid", paid_on=date(2023, 10, 1))
    result(qujing, status="not_enrolled")
    result(qujing, status="enrolled", year=2023, enrolled_on=date(2022, 10, 1))

    report = counterpart_report(county=qujing, year=2024)
    assert report.people == 5
    assert [(r.level, r.per_person, r.total) for r in report.rows] == [
        ("central", D("512.00"), D("2560.00")),
        ("province", D("89.60"), D("448.00")),
        ("city", D("11.52"), D("57.60")),
        ("county", D("26.88"), D("134.40")),
    ]
    assert report.total == D("3200.00") and report.per_person == D("640.00")
    assert "12月1日" in report.deadline


@pytest.mark.django_db
def test_report_without_a_policy_has_no_rows():
    report = counterpart_report(county=county_ensure(code="141181"), year=2030)
    assert report.policy is None and report.rows == [] and report.people == 0
