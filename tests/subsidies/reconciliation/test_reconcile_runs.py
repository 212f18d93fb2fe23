"""Runs as a whole: idempotent, incremental equal to full, the same with 1 or 4 parts, the chord on a real worker,
the trigger after an import, the commands and the CSV layout."""

import csv
import io
import random
import re
import time
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction

from enrollment.models import ImportJob
from enrollment.signals import import_committed
from subsidies.models import DirtyPerson, Identity, ReconciliationResult, ReconciliationRun, RunStatus
from subsidies.reconciliation.dirty import dirty_mark
from subsidies.reconciliation.runs import reconcile
from subsidies.tasks import reconcile_enqueue
from tests.builders import recon_data as d
from tests.conftest import running_worker

AS_OF = date(2024, 3, 1)
COMPARED = (
    "id_number",
    "name",
    "township_id",
    "village_id",
    "reference_date",
    "tier",
    "category_id",
    "department_id",
    "fund_id",
    "subsidy",
    "personal_due",
    "paid",
    "paid_on",
    "enrolled_on",
    "status",
    "topup",
    "topup_month",
    "benefit_start",
    "flags",
    "locked",
)


def snapshot(policy):
    qs = ReconciliationResult.objects.filter(county=policy.county, year=policy.year).order_by("id_number")
    return [tuple(row) for row in qs.values_list(*COMPARED)]


def mixed_county(policy, n=120, seed=7):
    """People in every township and a few without one, households, identities of all kinds, payments of all sizes."""
    rng = random.Random(seed)
    c = policy.county
    townships = list(c.townships.order_by("pk").values_list("name", flat=True))
    codes = ["extreme_poverty", "rural_dibao_1_2", "returned_poverty", "rural_dibao_3_4", "dibao_marginal"]
    codes.append("poverty_relieved")
    people = []
    for i in range(n):
        household = f"H{i // 3}" if i % 2 else None
        p = d.person(c, township=townships[i % len(townships)], village=f"{i % 4}村", household=household)
        if i % 17 == 0:
            p.township = p.village = None
            p.save()
        if i % 19 == 0:  # left employee insurance: never on the SQL path
            p.left_employee_insurance_on = date(2023, 11, 1)
            p.save()
        people.append(p)
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            since = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 420))
            until = since + timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.3 else None
            d.identity(c, p, rng.choice(codes), since=since, until=until, name=p.name if rng.random() < 0.9 else "某某")
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            day = date(2023, 9, 10) + timedelta(days=rng.randrange(0, 150))
            d.payment(c, p, rng.choice(["380", "70", "130", "280", "100", "0.50"]), day, year=2024)
    for _ in range(5):
        d.identity(c, d.id_number(), rng.choice(codes), since=date(2023, 6, 1), name="名册外", township=townships[0])
    return people


def change_some(policy, people, seed=11):
    """What a roster upload and a payment import do: change a few people and mark them dirty."""
    rng = random.Random(seed)
    c = policy.county
    touched = rng.sample(people, 12)
    for p in touched[:4]:
        Identity.objects.filter(id_number=p.id_number).update(valid_to=date(2023, 12, 31))
    for p in touched[4:8]:
        d.identity(c, p, "extreme_poverty", since=date(2023, 12, 20))
    for p in touched[8:]:
        d.payment(c, p, "380", date(2023, 12, 28), year=2024)
    dirty_mark(county_id=c.pk, id_numbers=[p.id_number for p in touched])


@pytest.mark.django_db
def test_second_run_changes_nothing():
    policy = d.sunan_2024()
    mixed_county(policy, n=60)
    first = reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    stamps = dict(ReconciliationResult.objects.values_list("id_number", "updated_at"))
    second = reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    assert first.changed == len(stamps) > 60
    assert second.changed == 0 and second.persons == first.persons
    assert dict(ReconciliationResult.objects.values_list("id_number", "updated_at")) == stamps
    assert set(ReconciliationResult.objects.values_list("run_id", flat=True)) == {first.pk}


@pytest.mark.django_db
def test_a_run_with_nothing_marked_does_nothing_and_counts_as_the_last_run(django_capture_on_commit_callbacks):
    from subsidies.signals import reconciliation_finished

    policy = d.sunan_2024()
    people = mixed_county(policy, n=30)
    first = reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    stamps = dict(ReconciliationResult.objects.values_list("id_number", "updated_at"))
    seen = []
    reconciliation_finished.connect(listener := lambda sender, **kw: seen.append(kw["run_id"]), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            idle = reconcile(county=policy.county, year=2024, as_of=AS_OF)
    finally:
        reconciliation_finished.disconnect(listener)
    assert (idle.status, idle.full, idle.persons, idle.changed) == (RunStatus.DONE, False, 0, 0)
    assert idle.counts == first.counts and sum(idle.counts.values()) == len(stamps)
    assert seen == [idle.pk]  # the follow-up case sync still hears of it
    assert dict(ReconciliationResult.objects.values_list("id_number", "updated_at")) == stamps
    # A marked person makes the next incremental run recompute and count again.
    dirty_mark(county_id=policy.county_id, id_numbers=[people[0].id_number])
    again = reconcile(county=policy.county, year=2024, as_of=AS_OF)
    assert again.persons >= 1 and sum(again.counts.values()) == len(stamps)


@pytest.mark.django_db
def test_incremental_run_equals_a_full_run():
    policy = d.sunan_2024()
    people = mixed_county(policy)
    reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    DirtyPerson.objects.all().delete()
    change_some(policy, people)
    incremental = reconcile(county=policy.county, year=2024, as_of=AS_OF)
    assert 12 <= incremental.persons < 60
    assert incremental.changed > 0
    assert not DirtyPerson.objects.exists()
    after_incremental = snapshot(policy)
    full = reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    assert full.changed == 0
    assert snapshot(policy) == after_incremental


@pytest.mark.django_db
def test_an_incremental_run_takes_as_many_parts_as_its_marks_need_and_most_of_a_county_a_full_run(monkeypatch):
    # A part reads the register and the payments whatever its size: an incremental run is not cut per township.
    from subsidies.reconciliation import runs

    policy = d.sunan_2024()
    people = mixed_county(policy)
    reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    full = snapshot(policy)
    ReconciliationResult.objects.filter(id_number__in=[p.id_number for p in people[:25]]).delete()
    dirty_mark(county_id=policy.county_id, id_numbers=[p.id_number for p in people[:25]], years=[2024])
    one = reconcile(county=policy.county, year=2024, as_of=AS_OF)
    assert (one.full, one.chunks_total, one.chunks_done, one.persons) == (False, 1, 1, one.persons)
    assert one.persons >= 25 and snapshot(policy) == full
    monkeypatch.setattr(runs, "PART_PEOPLE", 10)
    ReconciliationResult.objects.filter(id_number__in=[p.id_number for p in people[:25]]).delete()
    dirty_mark(county_id=policy.county_id, id_numbers=[p.id_number for p in people[:25]], years=[2024])
    three = reconcile(county=policy.county, year=2024, as_of=AS_OF)
    assert (three.full, three.chunks_total, three.chunks_done) == (False, 3, 3)
    assert snapshot(policy) == full
    assert not DirtyPerson.objects.filter(county=policy.county).exists()
    # Marks for a third of the register or more: a full run (each township read once), all marks taken.
    ReconciliationResult.objects.filter(id_number__in=[p.id_number for p in people[:40]]).delete()
    dirty_mark(county_id=policy.county_id, id_numbers=[p.id_number for p in people[:40]], years=[2024])
    whole = reconcile(county=policy.county, year=2024, as_of=AS_OF)
    assert whole.full and whole.chunks_total == policy.county.townships.count() + 2
    assert snapshot(policy) == full
    assert not DirtyPerson.objects.filter(county=policy.county).exists()


@pytest.mark.django_db
def test_one_part_and_four_parts_give_the_same_rows():
    policy = d.sunan_2024()
    mixed_county(policy)
    reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True, chunks=1)
    one = snapshot(policy)
    ReconciliationResult.objects.all().delete()
    run = reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True, chunks=4)
    assert run.chunks_total == 4
    four = snapshot(policy)
    assert len(one) == len(four) > 100
    for a, b in zip(one, four, strict=True):
        assert a == b


@pytest.mark.django_db
def test_full_run_drops_people_gone_from_register_and_rosters():
    policy = d.sunan_2024()
    c = policy.county
    gone = d.person(c)
    kept = d.person(c)
    reconcile(county=c, year=2024, as_of=AS_OF, full=True)
    ReconciliationResult.objects.filter(id_number=kept.id_number).update(locked=True)
    gone.delete()
    kept.delete()
    reconcile(county=c, year=2024, as_of=AS_OF, full=True)
    assert list(ReconciliationResult.objects.values_list("id_number", flat=True)) == [kept.id_number]


@pytest.mark.django_db
def test_incremental_run_drops_a_dirty_person_now_unknown():
    policy = d.sunan_2024()
    c = policy.county
    p = d.person(c)
    reconcile(county=c, year=2024, as_of=AS_OF, full=True)
    number = p.id_number
    p.delete()
    dirty_mark(county_id=c.pk, id_numbers=[number])
    run = reconcile(county=c, year=2024, as_of=AS_OF)
    assert run.changed == 1 and not ReconciliationResult.objects.exists()


@pytest.mark.django_db
def test_finished_run_is_announced_after_commit(django_capture_on_commit_callbacks):
    from subsidies.signals import reconciliation_finished

    policy = d.sunan_2024()
    d.person(policy.county)
    seen = []

    def listener(sender, **kwargs):
        seen.append(kwargs)

    reconciliation_finished.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    finally:
        reconciliation_finished.disconnect(listener)
    assert seen == [{"signal": reconciliation_finished, "run_id": run.pk, "county_id": policy.county_id, "year": 2024}]


@pytest.mark.django_db
def test_committed_import_enqueues_an_incremental_run(django_capture_on_commit_callbacks):
    policy = d.sunan_2024()
    p = d.person(policy.county)
    dirty_mark(county_id=policy.county_id, id_numbers=[p.id_number])
    with django_capture_on_commit_callbacks(execute=True):
        import_committed.send(sender=ImportJob, job_id=1, county_id=policy.county_id, kind="payments")
    run = ReconciliationRun.objects.get()
    assert (run.full, run.year, run.persons, run.status) == (False, 2024, 1, RunStatus.DONE)
    assert ReconciliationResult.objects.filter(id_number=p.id_number).exists()
    with django_capture_on_commit_callbacks(execute=True):
        import_committed.send(sender=ImportJob, job_id=2, county_id=policy.county_id, kind="quotas")
    assert ReconciliationRun.objects.count() == 1


@pytest.mark.django_db
def test_commands_reconcile_and_export_the_fixed_csv_layout(tmp_path):
    policy = d.sunan_2024()
    c = policy.county
    p = d.person(c, name="=HYPERLINK(1)")
    d.identity(c, p, "rural_dibao_1_2", since=date(2023, 1, 1), name="=HYPERLINK(1)")
    d.payment(c, p, "70", date(2023, 10, 10), year=2024)
    q = d.person(c, name="李四")
    d.identity(c, q, "rural_dibao_3_4", since=date(2023, 1, 1))
    out = io.StringIO()
    call_command("reconcile", county="620721", year=2024, as_of="2024-03-01", full=True, stdout=out)
    first, *counts = out.getvalue().splitlines()
    assert re.fullmatch(
        r"已对账 肃南裕固族自治县（620721） 2024 年度（截至 2024-03-01）："
        r"重新计算 2 人，变更结果 2 条，用时 \d+\.\d 秒。",
        first,
    ), first
    assert counts == ["  proxy_enrolled: 0", "  enrolled: 1", "  underpaid: 0", "  not_enrolled: 1"]
    target = tmp_path / "r.csv"
    call_command("export_reconciliation", county="620721", year=2024, output=str(target), stdout=io.StringIO())
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = "身份证号码,姓名,乡镇,村,年度,资助类别,资助部门,资助金额,个人应缴,已缴金额,缴费日期,状态代码,状态,待遇起始日期,问题"  # noqa: E501
    assert ",".join(rows[0]) == header
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[p.id_number] == [
        p.id_number,
        "'=HYPERLINK(1)",
        p.township.name,
        p.village.name,
        "2024",
        "农村一、二类低保",
        "民政",
        "310.00",
        "70.00",
        "70.00",
        "2023-10-10",
        "enrolled",
        "已参保",
        "2024-01-01",
        "",
    ]
    assert by_id[q.id_number][7:15] == [
        "250.00",
        "130.00",
        "0.00",
        "",
        "not_enrolled",
        "未参保",
        "",
        "certified_not_enrolled",
    ]


@pytest.mark.django_db
def test_reconcile_command_without_policy_fails_in_chinese():
    from django.core.management.base import CommandError

    d.sunan_2024()
    with pytest.raises(CommandError, match="没有"):
        call_command("reconcile", county="620721", year=2030, stdout=io.StringIO())


def _run_on_workers(policy, *, pool: str, concurrency: int) -> list:
    """A full run as the chord of per-township parts, on a real worker taking `concurrency` parts at once."""
    ReconciliationResult.objects.all().delete()
    with running_worker(pool=pool, concurrency=concurrency):
        with transaction.atomic():
            run = reconcile_enqueue(county=policy.county, year=2024, as_of=AS_OF, full=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status != RunStatus.RUNNING:
                break
            time.sleep(0.2)
    assert run.status == RunStatus.DONE, run.message
    assert run.chunks_done == run.chunks_total == policy.county.townships.count() + 2
    return snapshot(policy)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # reference data back for the next such test
def test_one_worker_and_four_workers_give_the_inline_result_row_by_row():
    policy = d.sunan_2024()
    mixed_county(policy)
    reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True, chunks=1)
    inline = snapshot(policy)
    one = _run_on_workers(policy, pool="solo", concurrency=1)
    four = _run_on_workers(policy, pool="threads", concurrency=4)
    assert len(inline) == len(one) == len(four) > 100
    for a, b, c in zip(inline, one, four, strict=True):
        assert a == b == c


@pytest.mark.django_db
def test_fast_path_equals_the_rules(monkeypatch):
    """People without identities skip `outcome_for`; the rows must be the ones the rules give."""
    from subsidies.reconciliation.engine import _Part

    policy = d.sunan_2024()
    people = mixed_county(policy, n=90, seed=3)
    for i, p in enumerate(people[:30]):  # several payments, short payments, suspect IDs, students
        d.payment(policy.county, p, ["380", "20", "0.01"][i % 3], date(2023, 12, 1 + i % 20), year=2024)
        if i % 4 == 0:
            p.id_warning = "未知地区代码"
            p.is_student = True
            p.save()
    reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    fast = snapshot(policy)
    ReconciliationResult.objects.all().delete()
    monkeypatch.setattr(_Part, "fast_path", False)
    monkeypatch.setattr(_Part, "sql_path", False)
    reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    assert snapshot(policy) == fast


@pytest.mark.postgres
@pytest.mark.django_db
def test_sql_path_equals_python(require_postgres, monkeypatch):
    """On PostgreSQL people holding no identity are computed in SQL: the rows are the ones Python gives,
    households flagged across parts, for full and incremental runs alike."""
    from subsidies.reconciliation.engine import _Part

    policy = d.sunan_2024()
    people = mixed_county(policy, n=150, seed=5)
    for i, p in enumerate(people[:40]):
        if i % 5 == 0:
            p.birth_date = date(2023, 11, 1)  # a newborn: Python's business
        p.is_student = i % 3 == 0
        p.id_warning = "未知地区代码" if i % 4 == 0 else ""
        p.save()
        d.payment(policy.county, p, ["380", "20", "0"][i % 3], date(2023, 11, 20), year=2024)
    d.payment(policy.county, people[41], "380", date(2023, 11, 20), year=2024, tier=7)  # a tier the policy lacks

    done_in_sql = []
    original = _Part._simple_in_sql

    def counting(self, *args, **kwargs):
        n = original(self, *args, **kwargs)
        done_in_sql.append(n)
        return n

    monkeypatch.setattr(_Part, "_simple_in_sql", counting)

    def both_ways(**kwargs):
        reconcile(county=policy.county, year=2024, as_of=AS_OF, **kwargs)
        assert sum(done_in_sql) > 30  # those holding no identity went through SQL
        in_sql = snapshot(policy)
        ReconciliationResult.objects.all().delete()
        with monkeypatch.context() as m:
            m.setattr(_Part, "sql_path", False)
            reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True, chunks=kwargs.get("chunks"))
        return in_sql, snapshot(policy)

    in_sql, in_python = both_ways(full=True, chunks=4)
    assert len(in_sql) > 150 and in_sql == in_python
    assert any("household_partial" in row[-2] for row in in_sql)
    change_some(policy, people)
    reconcile(county=policy.county, year=2024, as_of=AS_OF)  # incremental, SQL path
    after = snapshot(policy)
    ReconciliationResult.objects.all().delete()
    monkeypatch.setattr(_Part, "sql_path", False)
    reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    assert snapshot(policy) == after


@pytest.mark.django_db
def test_an_import_reaches_every_current_year(django_capture_on_commit_callbacks):
    """During a campaign two years are current (this one, and the next whose collection has begun): a committed
    import recomputes its people in both, not only in the first year's run (which used to take every mark)."""
    from django.utils import timezone

    from subsidies.reconciliation.dirty import current_years

    year = timezone.localdate().year
    this = d.sunan_for(year)
    d.sunan_for(year + 1)
    assert current_years(county_id=this.county_id) == [year, year + 1]
    reconcile(county=this.county, year=year, full=True)
    reconcile(county=this.county, year=year + 1, full=True)
    p = d.person(this.county)
    dirty_mark(county_id=this.county_id, id_numbers=[p.id_number])
    with django_capture_on_commit_callbacks(execute=True):
        import_committed.send(sender=ImportJob, job_id=1, county_id=this.county_id, kind="register")
    runs = ReconciliationRun.objects.filter(full=False).order_by("year")
    assert [(r.year, r.persons, r.status) for r in runs] == [(year, 1, RunStatus.DONE), (year + 1, 1, RunStatus.DONE)]
    assert sorted(ReconciliationResult.objects.filter(id_number=p.id_number).values_list("year", flat=True)) == [
        year,
        year + 1,
    ]
    assert not DirtyPerson.objects.exists()


@pytest.mark.django_db
def test_a_whole_county_mark_is_taken_only_by_a_run_that_saw_it(monkeypatch):
    """The mark makes the next run full; renewed while that run works, it stays for the next; a failed run leaves it."""
    from subsidies.models import DirtyCounty
    from subsidies.reconciliation.dirty import county_mark_dirty
    from subsidies.reconciliation.engine import run_chunk
    from subsidies.reconciliation.runs import chunk_groups, run_fail, run_finish, run_start

    policy = d.sunan_2024()
    people = mixed_county(policy, n=30)
    county_mark_dirty(county_id=policy.county_id)
    assert list(DirtyCounty.objects.values_list("year", "generation")) == [(2024, 1)]
    failed = run_start(county=policy.county, year=2024, as_of=AS_OF)
    run_fail(run_id=failed.pk, message="worker lost")
    assert DirtyCounty.objects.filter(generation=1).exists()

    run = run_start(county=policy.county, year=2024, as_of=AS_OF)
    assert run.full
    county_mark_dirty(county_id=policy.county_id)  # an import commits while the run works
    for keys in chunk_groups(county_id=policy.county_id):
        run_chunk(run_id=run.pk, keys=keys)
    run_finish(run_id=run.pk)
    assert ReconciliationResult.objects.filter(id_number__in=[p.id_number for p in people]).count() == 30
    assert list(DirtyCounty.objects.values_list("year", "generation")) == [(2024, 2)]

    again = reconcile(county=policy.county, year=2024, as_of=AS_OF)
    assert again.full and again.changed == 0
    assert not DirtyCounty.objects.exists()
    assert not reconcile(county=policy.county, year=2024, as_of=AS_OF).full
