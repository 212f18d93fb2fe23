"""A small fabricated county whose dashboard figures are known by hand (used by dashboard and e2e tests).

Quota targets: 红湾村 4 + 隆畅村 4 + 北极村 5 (villages) + 康乐镇 2 (township row) = 15, stated 16.
Results: 11 enrolled (1 by proxy), 3 not enrolled, 1 underpaid → county rate 11/15 = 73.3%.
Townships: 皇城镇 5/5 = 100% (rank 1), 红湾寺镇 5/8 = 62.5% (2), 康乐镇 1/2 = 50% (3).
This month: 医疗救助资金 owes 380 + 310 = 690.00 (batch built, approved); 乡村振兴部门资金 100.00 (a top-up).
Open cases: 3 (1 in 红湾寺镇). Civil affairs certifies 3 now, 1 of them not enrolled (红湾寺镇).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.models import County, Township, Village
from enrollment.places.services import county_ensure
from quotas.models import CaseStatus, FollowUpCase, ProgressSnapshot, QuotaTable, QuotaUnit, SnapshotRow, UnitKind
from subsidies.models import (
    BatchStatus,
    Category,
    Department,
    EnrolmentStatus,
    Fund,
    Identity,
    Policy,
    ReconciliationResult,
    ReconciliationRun,
    RosterVersion,
    RunStatus,
    TransferBatch,
)
from tests.builders.idnumbers import id_number as make_id_number

PASSWORD = "Demo-pass-2026!"

# The county's today, fixed: it is the county's as-of date (`enrollment.places.clock`), so its pages and services
# see the same day whatever the real clock says, and every date and time below is counted from it.
TODAY = date(2026, 3, 17)
NOW = timezone.make_aware(datetime(2026, 3, 17, 10, 0))


def id_number(seq: int, born: str = "19800101") -> str:
    """A valid 18-character ID number for county 620721."""
    assert seq < 1000, seq
    return make_id_number(seq, born=born)


@dataclass
class DashboardCounty:
    county: County
    year: int
    month: date
    townships: dict[str, Township]
    villages: dict[str, Village]
    categories: dict[str, Category]


def _month_back(day: date, months: int) -> date:
    y, m = day.year, day.month - months
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def build_dashboard_county(*, with_users: bool = True, with_batch: bool = True) -> DashboardCounty:
    today = TODAY
    year = today.year
    this_month = today.replace(day=1)
    county = county_ensure(code="620721")
    county.as_of = today
    county.save(update_fields=["as_of"])
    townships = {t.name: t for t in county.townships.all()}
    t1, t2, t3 = townships["红湾寺镇"], townships["皇城镇"], townships["康乐镇"]
    villages = {
        "红湾村": Village.objects.create(township=t1, name="红湾村", code="620721001001"),
        "隆畅村": Village.objects.create(township=t1, name="隆畅村", code="620721001002"),
        "北极村": Village.objects.create(township=t2, name="北极村", code="620721002001"),
        "康丰村": Village.objects.create(township=t3, name="康丰村", code="620721003001"),
    }
    civil = Department.objects.get(code="civil_affairs")
    rural = Department.objects.get(code="rural_revitalization")
    ma = Fund.objects.get(code="medical_assistance")
    rr = Fund.objects.get(code="rural_revitalization")
    categories = {
        "tekun": Category.objects.create(county=county, code="tekun", name="特困人员", department=civil),
        "dibao": Category.objects.create(county=county, code="dibao", name="低保对象", department=civil),
        "jiance": Category.objects.create(county=county, code="jiance", name="监测对象", department=rural),
    }
    Policy.objects.create(
        county=county,
        year=year,
        title=f"肃南县{year}年度城乡居民医保政策",
        collection_start=date(year - 1, 9, 1),
        collection_end=date(year - 1, 12, 31),
        fiscal_subsidy=Decimal("640.00"),
    )
    run = ReconciliationRun.objects.create(
        county=county, year=year, as_of=today, full=True, status=RunStatus.DONE, persons=16, finished_at=NOW
    )
    seq = iter(range(1, 999))
    enrolled_this_month = this_month + timedelta(days=min(today.day, 28) - 1)
    last_month = _month_back(today, 1)

    def result(village: str, status: str, **kw):
        v = villages[village]
        number = id_number(next(seq))
        ReconciliationResult.objects.create(
            county=county,
            year=year,
            id_number=number,
            name=kw.pop("name", f"居民{number[-4:]}"),
            township=v.township,
            village=v,
            reference_date=today,
            status=status,
            run=run,
            **kw,
        )
        return number

    E, P, U, N = (
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.PROXY_ENROLLED,
        EnrolmentStatus.UNDERPAID,
        EnrolmentStatus.NOT_ENROLLED,
    )
    tekun = result(
        "红湾村",
        P,
        name="张特困",
        category=categories["tekun"],
        department=civil,
        fund=ma,
        subsidy=Decimal("380.00"),
        enrolled_on=enrolled_this_month,
    )
    dibao_paid = result(
        "红湾村",
        E,
        name="李低保",
        category=categories["dibao"],
        department=civil,
        fund=ma,
        subsidy=Decimal("310.00"),
        personal_due=Decimal("70.00"),
        paid=Decimal("70.00"),
        enrolled_on=enrolled_this_month,
    )
    result("红湾村", E, paid=Decimal("380.00"), personal_due=Decimal("380.00"), enrolled_on=last_month)
    dibao_missing = result(
        "红湾村",
        N,
        name="王未缴",
        category=categories["dibao"],
        department=civil,
        fund=ma,
        subsidy=Decimal("310.00"),
        personal_due=Decimal("70.00"),
    )
    result("隆畅村", E, paid=Decimal("380.00"), enrolled_on=last_month)
    result("隆畅村", E, paid=Decimal("380.00"), enrolled_on=last_month)
    underpaid = result("隆畅村", U, name="赵欠缴", paid=Decimal("100.00"), personal_due=Decimal("380.00"))
    jiance_paid = result(
        "北极村",
        E,
        name="孙监测",
        category=categories["jiance"],
        department=rural,
        fund=rr,
        subsidy=Decimal("250.00"),
        enrolled_on=last_month,
        topup=Decimal("100.00"),
        topup_month=this_month,
    )
    for _ in range(4):
        result("北极村", E, paid=Decimal("380.00"), enrolled_on=last_month)
    result("康丰村", E, paid=Decimal("380.00"), enrolled_on=last_month)
    result("康丰村", N)
    jiance_missing = result("康丰村", N, name="周监测", category=categories["jiance"], department=rural, fund=rr)

    # Rosters: civil affairs handed in this month (v2), rural revitalisation last did two months ago.
    v1 = RosterVersion.objects.create(
        county=county, department=civil, number=1, snapshot_date=_month_back(today, 1), rows=38, added=38, unchanged=0
    )
    v2 = RosterVersion.objects.create(
        county=county,
        department=civil,
        number=2,
        snapshot_date=today,
        previous=v1,
        rows=40,
        added=3,
        removed=1,
        changed=0,
        unchanged=37,
    )
    RosterVersion.objects.filter(pk=v2.pk).update(created_at=NOW)
    RosterVersion.objects.filter(pk=v1.pk).update(created_at=NOW - timedelta(days=35))
    r1 = RosterVersion.objects.create(
        county=county, department=rural, number=1, snapshot_date=_month_back(today, 2), rows=12, added=12
    )
    two_months_ago = timezone.make_aware(datetime.combine(_month_back(today, 2), datetime.min.time()))
    RosterVersion.objects.filter(pk=r1.pk).update(created_at=two_months_ago + timedelta(days=3))
    ident = {"county": county, "valid_from": date(year - 1, 1, 1)}
    Identity.objects.create(
        department=civil, category=categories["tekun"], id_number=tekun, name="张特困", version=v1, **ident
    )
    Identity.objects.create(
        department=civil, category=categories["dibao"], id_number=dibao_paid, name="李低保", version=v1, **ident
    )
    Identity.objects.create(
        department=civil, category=categories["dibao"], id_number=dibao_missing, name="王未缴", version=v2, **ident
    )
    # A former identity: ended last year, so the underpaid person is no longer civil affairs' to chase.
    Identity.objects.create(
        department=civil,
        category=categories["dibao"],
        id_number=underpaid,
        name="赵欠缴",
        version=v1,
        ended_by=v2,
        county=county,
        valid_from=date(year - 2, 1, 1),
        valid_to=date(year - 1, 6, 30),
    )
    Identity.objects.create(
        department=rural, category=categories["jiance"], id_number=jiance_paid, name="孙监测", version=r1, **ident
    )
    Identity.objects.create(
        department=rural, category=categories["jiance"], id_number=jiance_missing, name="周监测", version=r1, **ident
    )

    # Follow-up cases: 3 open (1 in 红湾寺镇), 1 closed.
    for number, name, v in ((dibao_missing, "王未缴", "红湾村"), (jiance_missing, "周监测", "康丰村")):
        FollowUpCase.objects.create(
            county=county, year=year, id_number=number, name=name, township=villages[v].township, village=villages[v]
        )
    FollowUpCase.objects.create(
        county=county, year=year, id_number=id_number(900), name="吴外出", township=t3, village=villages["康丰村"]
    )
    FollowUpCase.objects.create(
        county=county,
        year=year,
        id_number=id_number(901),
        name="郑已办",
        township=t1,
        village=villages["隆畅村"],
        status=CaseStatus.CLOSED,
    )

    # Transfers: this month's medical-assistance batch is built and approved.
    if with_batch:
        TransferBatch.objects.create(
            county=county,
            fund=ma,
            month=this_month,
            number=f"620721-{this_month:%Y%m}-MA",
            status=BatchStatus.APPROVED,
            total=Decimal("690.00"),
            lines_count=2,
        )

    # Quota table and three weekly snapshots (county: 6/15, 9/15, 11/15).
    table = QuotaTable.objects.create(county=county, year=year, title=f"{year}年度参保任务", stated_total=16)
    units = {
        "红湾村": QuotaUnit.objects.create(
            table=table, seq=1, name="红湾村", kind=UnitKind.VILLAGE, village=villages["红湾村"], township=t1, target=4
        ),
        "隆畅村": QuotaUnit.objects.create(
            table=table, seq=2, name="隆畅村", kind=UnitKind.VILLAGE, village=villages["隆畅村"], township=t1, target=4
        ),
        "北极村": QuotaUnit.objects.create(
            table=table, seq=3, name="北极村", kind=UnitKind.VILLAGE, village=villages["北极村"], township=t2, target=5
        ),
        "康乐镇": QuotaUnit.objects.create(
            table=table, seq=4, name="康乐镇", kind=UnitKind.TOWNSHIP, township=t3, target=2
        ),
    }
    series = {"红湾村": (1, 2, 3), "隆畅村": (1, 1, 2), "北极村": (3, 5, 5), "康乐镇": (1, 1, 1)}
    now = NOW
    for index in range(3):
        snapshot = ProgressSnapshot.objects.create(table=table, taken_at=now - timedelta(days=7 * (2 - index)))
        for rank, (name, values) in enumerate(sorted(series.items(), key=lambda kv: -kv[1][index]), start=1):
            unit = units[name]
            SnapshotRow.objects.create(
                snapshot=snapshot,
                unit=unit,
                enrolled=values[index],
                target=unit.target,
                rate=Decimal(values[index]) / unit.target,
                rank=rank,
            )
    if with_users:
        staff_user_create(username="bureau", password=PASSWORD, role=Role.BUREAU, county=county, full_name="局办公室")
        staff_user_create(username="bureau2", password=PASSWORD, role=Role.BUREAU, county=county, full_name="复核员")
        staff_user_create(username="auditor", password=PASSWORD, role=Role.AUDITOR, county=county)
        staff_user_create(username="minzheng", password=PASSWORD, role=Role.DEPARTMENT, county=county, department=civil)
        staff_user_create(username="xiangcun", password=PASSWORD, role=Role.DEPARTMENT, county=county, department=rural)
        staff_user_create(username="xiangzhen", password=PASSWORD, role=Role.TOWNSHIP, county=county, township=t1)
    return DashboardCounty(county, year, this_month, townships, villages, categories)
