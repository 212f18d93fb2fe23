"""Progress per unit from reconciliation results, snapshots, ranking changes, coverage and work fund."""

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enrollment.models import Township, Village
from enrollment.places.services import county_ensure
from quotas.models import CaseReason, FollowUpCase, ProgressSnapshot, QuotaTable, QuotaUnit, SnapshotRow, UnitKind
from quotas.notices import selectors as notice_selectors
from quotas.progress import selectors
from quotas.progress.services import progress_snapshot_take, scheduled_snapshots_take
from quotas.tasks import snapshot_progress_for_all_counties
from subsidies.models import EnrolmentStatus as S
from subsidies.models import Policy
from tests.builders.factories import payment, person, result

pytestmark = pytest.mark.django_db


@pytest.fixture
def xiaoyi():
    """A small 孝义-like table: two townships and two groups that are not places."""
    county = county_ensure(code="141181")
    a = Township.objects.create(county=county, name="新义街道", code="1")
    b = Township.objects.create(county=county, name="崇文街道", code="2")
    table = QuotaTable.objects.create(county=county, year=2024, title="任务表", stated_total=20)
    units = {
        "a": QuotaUnit.objects.create(table=table, seq=1, name=a.name, kind=UnitKind.TOWNSHIP, township=a, target=4),
        "b": QuotaUnit.objects.create(table=table, seq=2, name=b.name, kind=UnitKind.TOWNSHIP, township=b, target=10),
        "school": QuotaUnit.objects.create(
            table=table, seq=3, name="学校", kind=UnitKind.GROUP, group="学校", target=4
        ),
        "firm": QuotaUnit.objects.create(
            table=table, seq=4, name="改制企业", kind=UnitKind.GROUP, group="改制企业", target=2
        ),
    }
    return county, a, b, table, units


def test_progress_counts_enrolled_people_per_township_and_group_once(xiaoyi):
    county, a, b, table, _units = xiaoyi
    result(county, township=a, status=S.ENROLLED)
    result(county, township=a, status=S.PROXY_ENROLLED)
    result(county, township=a, status=S.UNDERPAID)  # not enrolled
    result(county, township=a, status=S.NOT_ENROLLED)
    result(county, township=b, status=S.ENROLLED)
    result(county, township=b, status=S.ENROLLED, year=2023)  # another year
    # A student of 新义街道 counts for 学校 (register group), not for the township.
    student = result(county, township=a, status=S.ENROLLED)
    person(county, id_number=student.id_number, group="学校", township=a)
    # A worker whose payment came through the 改制企业 channel, with no group in the register.
    worker = result(county, township=b, status=S.ENROLLED)
    payment(county, id_number=worker.id_number, channel="改制企业")
    # A channel that is no unit's name changes nothing.
    other = result(county, township=b, status=S.ENROLLED)
    payment(county, id_number=other.id_number, channel="微信")
    with CaptureQueriesContext(connection) as queries:
        progress = {p.unit.name: (p.enrolled, p.rate) for p in selectors.unit_progress(table=table)}
    assert len(queries) == 2  # the units, and one aggregate over the results
    assert progress == {
        "新义街道": (2, D("0.5000")),
        "崇文街道": (2, D("0.2000")),
        "学校": (1, D("0.2500")),
        "改制企业": (1, D("0.5000")),
    }


def test_village_units_count_by_the_result_village():
    county = county_ensure(code="341323")
    town = Township.objects.create(county=county, name="朱集镇")
    v1 = Village.objects.create(township=town, name="姜山村")
    v2 = Village.objects.create(township=town, name="刘寨村")
    table = QuotaTable.objects.create(county=county, year=2023, title="t")
    QuotaUnit.objects.create(
        table=table, seq=1, name="姜山村", kind=UnitKind.VILLAGE, village=v1, township=town, target=2
    )
    QuotaUnit.objects.create(
        table=table, seq=2, name="刘寨村", kind=UnitKind.VILLAGE, village=v2, township=town, target=4
    )
    for _ in range(2):
        result(county, village=v1, year=2023)
    result(county, village=v2, year=2023)
    progress = {p.unit.name: p.enrolled for p in selectors.unit_progress(table=table)}
    assert progress == {"姜山村": 2, "刘寨村": 1}


def snapshot(table, when, rates):
    snap = ProgressSnapshot.objects.create(table=table, taken_at=when)
    for unit, (enrolled, rank) in rates.items():
        SnapshotRow.objects.create(
            snapshot=snap, unit=unit, enrolled=enrolled, target=unit.target, rate=D(enrolled) / unit.target, rank=rank
        )
    return snap


def test_snapshot_records_rates_and_ranks(xiaoyi):
    county, a, _b, table, _units = xiaoyi
    for _ in range(4):
        result(county, township=a)
    snap = progress_snapshot_take(table=table)
    rows = {r.unit.name: (r.enrolled, r.rate, r.rank) for r in snap.rows.select_related("unit")}
    assert rows["新义街道"] == (4, D("1.0000"), 1)
    assert rows["崇文街道"] == (0, D("0.0000"), 2)
    assert rows["学校"][2] == rows["改制企业"][2] == 2


def test_ranking_shows_change_since_the_last_snapshot_and_flags_two_bad_weeks(xiaoyi):
    county, a, b, table, u = xiaoyi
    extra = [
        QuotaUnit.objects.create(table=table, seq=5 + i, name=f"单位{i}", kind=UnitKind.GROUP, group=f"g{i}", target=10)
        for i in range(2)
    ]
    now = timezone.now()
    # Week 1: bottom three are b, firm, extra0. Week 2: bottom three are b, school, extra0.
    snapshot(
        table,
        now - datetime.timedelta(days=14),
        {u["a"]: (4, 1), u["b"]: (1, 6), u["school"]: (3, 2), u["firm"]: (1, 5), extra[0]: (2, 4), extra[1]: (7, 3)},
    )
    snapshot(
        table,
        now - datetime.timedelta(days=7),
        {u["a"]: (4, 1), u["b"]: (2, 6), u["school"]: (1, 4), u["firm"]: (2, 1), extra[0]: (3, 5), extra[1]: (8, 3)},
    )
    for _ in range(3):
        result(county, township=a)
    for _ in range(9):
        result(county, township=b)
    rank = selectors.table_ranking(table=table)
    rows = {r.unit.name: r for r in rank.rows}
    assert {n for n, r in rows.items() if r.flagged} == {"崇文街道", "单位0"}
    assert rows["崇文街道"].rate == D("0.9000")
    assert rows["崇文街道"].rate_change == D("0.7000")
    assert rows["崇文街道"].rank == 1 and rows["崇文街道"].rank_change == 5
    assert rows["新义街道"].rate_change == D("-0.2500")
    assert [r.unit.name for r in rank.rows[:2]] == ["崇文街道", "新义街道"]
    assert rank.compared_with.taken_at == now - datetime.timedelta(days=7)


def test_ranking_of_an_earlier_snapshot_compares_with_the_one_before(xiaoyi):
    _county, _a, _b, table, u = xiaoyi
    now = timezone.now()
    first = snapshot(table, now - datetime.timedelta(days=14), {u["a"]: (1, 2), u["b"]: (5, 1)})
    second = snapshot(table, now - datetime.timedelta(days=7), {u["a"]: (2, 2), u["b"]: (6, 1)})
    snapshot(table, now, {u["a"]: (4, 1), u["b"]: (6, 2)})
    rank = selectors.table_ranking(table=table, snapshot=second)
    assert rank.compared_with == first
    rows = {r.unit.name: r for r in rank.rows}
    assert rows["新义街道"].enrolled == 2 and rows["新义街道"].rate_change == D("0.25")


def test_special_group_rate_counts_covered_elsewhere_but_not_refusals():
    county = county_ensure(code="620721")
    for status in (S.ENROLLED, S.PROXY_ENROLLED, S.NOT_ENROLLED, S.NOT_ENROLLED, S.UNDERPAID):
        result(county, status=status, department="civil_affairs")
    employee = result(county, status=S.NOT_ENROLLED, department="civil_affairs")
    elsewhere = result(county, status=S.NOT_ENROLLED, department="civil_affairs")
    refused = result(county, status=S.NOT_ENROLLED, department="civil_affairs")
    result(county, status=S.ENROLLED, department="disabled_federation")
    result(county, status=S.ENROLLED)  # not certified: in no department's rate
    for r, reason in (
        (employee, CaseReason.EMPLOYEE_INSURANCE),
        (elsewhere, CaseReason.ELSEWHERE),
        (refused, CaseReason.REFUSED),
    ):
        FollowUpCase.objects.create(county=county, year=2024, id_number=r.id_number, name=r.name, reason=reason)
    coverage = {c.department.code: c for c in selectors.special_group_coverage(county_id=county.pk, year=2024)}
    civil = coverage["civil_affairs"]
    assert (civil.certified, civil.enrolled, civil.covered_elsewhere, civil.covered) == (8, 2, 2, 4)
    assert civil.rate == D("0.5000")
    assert coverage["disabled_federation"].rate == D("1.0000")
    only = selectors.special_group_coverage(county_id=county.pk, year=2024, department_id=civil.department.pk)
    assert [c.department.code for c in only] == ["civil_affairs"]


def test_a_covered_elsewhere_reason_on_an_enrolled_person_is_not_counted_twice():
    county = county_ensure(code="620721")
    r = result(county, status=S.ENROLLED, department="civil_affairs")
    FollowUpCase.objects.create(
        county=county, year=2024, id_number=r.id_number, name=r.name, reason=CaseReason.ELSEWHERE
    )
    (civil,) = selectors.special_group_coverage(county_id=county.pk, year=2024)
    assert (civil.covered, civil.rate) == (1, D("1.0000"))


def test_village_work_fund_is_enrolled_times_the_policy_amount():
    county = county_ensure(code="341323")
    town = Township.objects.create(county=county, name="朱集镇")
    v1 = Village.objects.create(township=town, name="姜山村")
    Village.objects.create(township=town, name="刘寨村")
    Policy.objects.create(
        county=county,
        year=2023,
        title="朱集 2023",
        collection_start=datetime.date(2022, 9, 1),
        collection_end=datetime.date(2023, 2, 28),
        fiscal_subsidy=D("610"),
        work_fund_per_person=D("1"),
    )
    for _ in range(3):
        result(county, village=v1, year=2023)
    result(county, village=v1, year=2023, status=S.PROXY_ENROLLED)
    result(county, village=v1, year=2023, status=S.NOT_ENROLLED)
    funds = {
        f.village.name: (f.enrolled, f.amount)
        for f in notice_selectors.village_work_funds(county_id=county.pk, year=2023)
    }
    assert funds == {"姜山村": (4, D("4.00")), "刘寨村": (0, D("0.00"))}


def test_no_work_fund_without_a_policy_amount():
    county = county_ensure(code="620721")
    assert notice_selectors.village_work_funds(county_id=county.pk, year=2024) == []


def test_snapshot_progress_command(xiaoyi):
    county, a, _b, table, _u = xiaoyi
    result(county, township=a)
    out = StringIO()
    call_command("snapshot_progress", county="141181", year=2024, stdout=out)
    assert table.snapshots.count() == 1
    assert "4" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("snapshot_progress", county="141181", year=2030, stdout=out)


def test_scheduled_snapshot_takes_each_countys_latest_table_once(xiaoyi):
    county, _a, _b, table, _u = xiaoyi
    older = QuotaTable.objects.create(county=county, year=2023, title="旧表")
    taken = snapshot_progress_for_all_counties()  # the beat task, run eagerly
    assert len(taken) == 1 and table.snapshots.count() == 1
    assert not older.snapshots.exists()
    # Delivered again (Celery is at-least-once): nothing new.
    assert scheduled_snapshots_take() == []
    assert scheduled_snapshots_take(now=timezone.now() + datetime.timedelta(days=3))
    assert table.snapshots.count() == 2


def test_a_snapshot_of_a_county_with_an_as_of_date_is_dated_on_that_day(xiaoyi):
    """The demo county (County.as_of): the beat's and the page's snapshots fall inside its campaign, after the
    history that led there, not on the real date."""
    county, _a, _b, table, _u = xiaoyi
    county.as_of = datetime.date(2024, 3, 31)
    county.save(update_fields=["as_of"])
    (scheduled,) = scheduled_snapshots_take()
    assert timezone.localtime(scheduled.taken_at).date() == datetime.date(2024, 3, 31)
    on_demand = progress_snapshot_take(table=table)
    assert timezone.localtime(on_demand.taken_at).date() == datetime.date(2024, 3, 31)
    assert list(table.snapshots.order_by("taken_at", "pk")) == [scheduled, on_demand]
    # Delivered again within minutes: the county's clock finds the one just taken.
    assert scheduled_snapshots_take() == []
