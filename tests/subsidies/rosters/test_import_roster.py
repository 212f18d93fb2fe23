"""Identity rosters (SPEC §4): versions, diff, valid_from/valid_to, flags, and all-or-nothing commits."""

import datetime
import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import ProtectedError

from enrollment.dbstats import estimated_rows
from enrollment.imports.pipeline import import_file, import_job_commit, import_job_create, import_job_validate
from enrollment.models import ImportKind, ImportStatus
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department, DirtyPerson, Identity, RosterChange, RosterVersion
from tests.builders.importfiles import person_id, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["身份证号码", "姓名", "人员类别", "乡镇", "村", "认定日期", "终止日期"]
D1 = datetime.date(2024, 1, 1)
D2 = datetime.date(2024, 3, 1)


@pytest.fixture
def county():
    return county_ensure(code="620721")


@pytest.fixture
def civil(county):
    dept = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="tekun", name="特困人员（含孤儿）", department=dept, aliases=["特困"])
    Category.objects.create(county=county, code="dibao", name="低保对象", department=dept)
    other = Department.objects.get(code="disabled_federation")
    Category.objects.create(county=county, code="disabled", name="重度残疾人", department=other)
    return dept


def roster(tmp_path, name, rows, **kw):
    return write_csv(tmp_path / name, [HEADER, *rows], **kw)


def run(county, dept, path, day, confirm_removals=None):
    return import_file(
        kind=ImportKind.ROSTER,
        county=county,
        path=path,
        department=dept,
        snapshot_date=day,
        confirm_removals=confirm_removals,
    )


def validated(tmp_path, county, dept, rows, day):
    """A roster job validated (and not committed), as the browser leaves it at the preview."""
    path = roster(tmp_path, "next.csv", rows)
    job = import_job_create(
        kind=ImportKind.ROSTER,
        county=county,
        file=path.open("rb"),
        original_name="next.csv",
        department=dept,
        snapshot_date=day,
    )
    job = import_job_validate(job_id=job.pk)
    assert job.status == ImportStatus.VALIDATED, job.message
    return job


def test_two_versions_yield_added_removed_changed_unchanged_and_validity(tmp_path, county, civil):
    v1 = [
        [person_id(1), "甲", "特困人员(含孤儿)", "红湾寺镇", "", "2023-09-01", ""],
        [person_id(2), "乙", "低保对象", "", "", "", ""],
        [person_id(3), "丙", "低保对象", "", "", "", ""],
    ]
    job1 = run(county, civil, roster(tmp_path, "v1.csv", v1, encoding="gbk"), D1)
    assert job1.status == ImportStatus.COMMITTED, job1.message
    assert job1.summary["result"]["added"] == 3
    first = Identity.objects.get(id_number=person_id(1))
    assert first.valid_from == datetime.date(2023, 9, 1) and first.valid_to is None
    assert Identity.objects.get(id_number=person_id(2)).valid_from == D1  # no date in the file: the snapshot's
    DirtyPerson.objects.all().delete()

    v2 = [
        [person_id(1), "甲", "特困", "红湾寺镇", "", "2023-09-01", ""],  # unchanged (an alias of the same category)
        [person_id(2), "乙", "特困人员（含孤儿）", "", "", "", ""],  # changed category
        [person_id(4), "丁", "低保对象", "", "", "2024-02-15", "2024-12-31"],  # added, with an end date
    ]
    job2 = run(county, civil, roster(tmp_path, "v2.csv", v2, bom=True), D2, confirm_removals=1)  # 1 of 3
    assert job2.status == ImportStatus.COMMITTED, job2.message
    # The preview's counts, computed before the commit by a different query than the commit's own counts.
    assert job2.summary["diff"] == {
        "rows": 3,
        "added": 1,
        "removed": 1,
        "changed": 1,
        "unchanged": 1,
        "name_mismatch": 0,
        "not_in_register": 3,
        "previous": 3,  # people on version 1, and the one removed is more than 20 % of them: to be confirmed
        "removals_to_confirm": 1,
    }
    result = job2.summary["result"]
    assert (result["added"], result["removed"], result["changed"], result["unchanged"]) == (1, 1, 1, 1)
    version = RosterVersion.objects.get(pk=result["version_id"])
    assert version.number == 2 and version.previous.number == 1 and version.snapshot_date == D2
    kinds = dict(RosterChange.objects.filter(version=version).values_list("id_number", "kind"))
    assert kinds == {person_id(2): "changed", person_id(3): "removed", person_id(4): "added"}

    removed = Identity.objects.get(id_number=person_id(3))
    assert removed.valid_to == D2 - datetime.timedelta(days=1) and removed.ended_by == version
    assert not removed.valid_on(D2) and removed.valid_on(D2 - datetime.timedelta(days=1))
    old, new = Identity.objects.filter(id_number=person_id(2)).order_by("pk")
    assert old.category.code == "dibao" and old.valid_to == D2 - datetime.timedelta(days=1)
    assert new.category.code == "tekun" and new.valid_from == D2 and new.valid_to is None
    added = Identity.objects.get(id_number=person_id(4))
    assert (added.valid_from, added.valid_to) == (datetime.date(2024, 2, 15), datetime.date(2024, 12, 31))
    assert Identity.objects.get(id_number=person_id(1)).ended_by is None
    assert set(DirtyPerson.objects.values_list("id_number", flat=True)) == {person_id(2), person_id(3), person_id(4)}


def test_unknown_category_other_department_dates_and_duplicates_are_rejected_per_row(tmp_path, county, civil):
    rows = [
        [person_id(1), "甲", "五保户", "", "", "", ""],
        [person_id(2), "乙", "重度残疾人", "", "", "", ""],
        [person_id(3), "丙", "低保对象", "", "", "2023-13-01", ""],
        [person_id(4), "丁", "低保对象", "", "", "2023-09-01", "2023-08-01"],
        [person_id(5), "戊", "低保对象", "", "", "", ""],
        [person_id(5), "戊", "低保对象", "", "", "", ""],
        [person_id(6), "己", "低保对象", "不存在镇", "", "", ""],
    ]
    job = run(county, civil, roster(tmp_path, "bad.csv", rows), D1)
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 5 and job.rows_accepted == 2
    by_line = {r["line"]: r for r in job.summary["bad_rows"]}
    assert by_line[2]["column"] == "人员类别" and "低保对象" in by_line[2]["reason"]  # lists the valid categories
    assert "残联" in by_line[3]["reason"]
    assert by_line[4]["column"] == "认定日期"
    assert by_line[5]["column"] == "终止日期"
    assert by_line[7]["column"] == "身份证号码"
    assert [w["column"] for w in job.summary["warn_rows"]] == ["乡镇"]
    assert not RosterVersion.objects.exists() and not Identity.objects.exists()


def test_name_mismatch_and_not_in_register_are_flagged_in_the_preview(tmp_path, county, civil):
    from enrollment.models import Person

    Person.objects.create(id_number=person_id(1), name="张三", sex="M", birth_date=D1, county=county)
    rows = [[person_id(1), "张叁", "低保对象", "", "", "", ""], [person_id(2), "李四", "低保对象", "", "", "", ""]]
    job = validated(tmp_path, county, civil, rows, D1)
    assert job.summary["diff"]["name_mismatch"] == 1 and job.summary["diff"]["not_in_register"] == 1
    assert "张三" in job.summary["warn_rows"][0]["reason"] and job.summary["warn_rows"][0]["line"] == 2


def test_a_committed_roster_leaves_statistics_that_let_the_next_diff_find_identities_by_id_number(
    tmp_path, county, civil
):
    """The commit analyzes what it wrote, on both databases. On SQLite, without statistics, the planner took
    identity_department_idx for every row of the next roster and scanned the whole department each time (a
    5,000-row diff ran 15 s, growing with the square of the roster)."""
    with connection.cursor() as cur:
        # A known start: statistics of the table as this test's transaction sees it (empty). PostgreSQL writes
        # them in place, so an earlier test's rolled-back rows may otherwise still be counted.
        cur.execute("ANALYZE subsidies_identity")
    rows = [[person_id(k), f"人{k}", "低保对象", "", "", "", ""] for k in range(80)]
    job = run(county, civil, roster(tmp_path, "v1.csv", rows), D1)
    assert job.status == ImportStatus.COMMITTED, job.message
    with connection.cursor() as cur:
        assert estimated_rows(cur, "subsidies_identity") == Identity.objects.count() == 80
        if connection.vendor == "sqlite":
            cur.execute(
                "EXPLAIN QUERY PLAN SELECT i.id FROM subsidies_identity i WHERE i.county_id = %s "
                "AND i.department_id = %s AND i.ended_by_id IS NULL AND i.id_number = %s",
                [county.pk, civil.pk, person_id(3)],
            )
            plan = " ".join(str(row[-1]) for row in cur.fetchall())
            assert "identity_person_idx" in plan, plan


def test_xlsx_roster_with_text_ids(tmp_path, county, civil):
    rows = [HEADER, [person_id(1), "甲", "低保对象", "", "", datetime.datetime(2023, 9, 1), None]]
    job = run(county, civil, write_xlsx(tmp_path / "r.xlsx", rows, text_columns=(0,)), D1)
    assert job.status == ImportStatus.COMMITTED
    assert Identity.objects.get().valid_from == datetime.date(2023, 9, 1)


@pytest.mark.postgres
def test_a_commit_failing_midway_leaves_the_previous_version_intact(tmp_path, county, civil, require_postgres):
    v1 = [[person_id(k), f"人{k}", "低保对象", "", "", "", ""] for k in range(1, 6)]
    assert run(county, civil, roster(tmp_path, "v1.csv", v1), D1).status == ImportStatus.COMMITTED
    before = list(Identity.objects.order_by("pk").values())
    v2 = [[person_id(k), f"人{k}", "特困人员（含孤儿）", "", "", "", ""] for k in range(3, 9)]
    job = validated(tmp_path, county, civil, v2, D2)
    # Real bad data reaches the staging table after validation: an end date before the start. The database's
    # check constraint (identity_period_ordered) stops the commit at step 6, after the diff and the endings ran.
    with connection.cursor() as cur:
        cur.execute(f"UPDATE import_stage_{job.pk} SET valid_to = %s WHERE id_number = %s", [D1, person_id(8)])
    job = import_job_commit(job_id=job.pk, confirm_removals=2)
    assert job.status == ImportStatus.FAILED and "identity_period_ordered" in job.message
    assert list(Identity.objects.order_by("pk").values()) == before
    assert RosterVersion.objects.count() == 1 and not RosterChange.objects.filter(version__number=2).exists()
    assert not DirtyPerson.objects.filter(id_number=person_id(8)).exists()
    with pytest.raises(IntegrityError):
        Identity.objects.create(
            county=county,
            department=civil,
            category=Category.objects.get(code="dibao"),
            id_number="x",
            name="x",
            valid_from=D2,
            valid_to=D1,
            version=RosterVersion.objects.get(),
        )


@pytest.mark.parametrize("meanwhile", ["deleted", "moved"])
def test_a_category_deleted_or_moved_after_validation_fails_the_commit_and_keeps_the_previous_version(
    tmp_path, county, civil, meanwhile
):
    v1 = [[person_id(k), f"人{k}", "低保对象", "", "", "", ""] for k in range(1, 4)]
    assert run(county, civil, roster(tmp_path, "v1.csv", v1), D1).status == ImportStatus.COMMITTED
    before = list(Identity.objects.order_by("pk").values())
    fresh = Category.objects.create(county=county, code="bianyuan", name="低保边缘家庭成员", department=civil)
    v2 = [*v1, [person_id(4), "人4", "低保边缘家庭成员", "", "", "", ""]]
    job = validated(tmp_path, county, civil, v2, D2)
    if meanwhile == "deleted":
        fresh.delete()  # no identity uses it yet: nothing in Django protects it
    else:
        fresh.department = Department.objects.get(code="veterans_affairs")
        fresh.save()
    job = import_job_commit(job_id=job.pk)
    assert job.status == ImportStatus.FAILED
    assert "类别" in job.message and "重新上传" in job.message, job.message
    assert list(Identity.objects.order_by("pk").values()) == before
    assert list(RosterVersion.objects.values_list("number", flat=True)) == [1]


def _waiting_on_locks(count: int) -> None:
    """Until `count` other sessions of this database wait on a lock (10 s at most)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connections["default"].cursor() as cur:
            cur.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction it would stay as first read
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cur.fetchone()[0] >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"{count} sessions never waited on a lock")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_category_delete_racing_a_roster_commit_waits_and_then_sees_its_identities(
    tmp_path, county, civil, require_postgres
):
    """identity.category has no database constraint: the commit and a delete of the category settle by locks."""
    fresh = Category.objects.create(county=county, code="bianyuan", name="低保边缘家庭成员", department=civil)
    rows = [[person_id(k), f"人{k}", "低保边缘家庭成员", "", "", "", ""] for k in range(1, 4)]
    job = validated(tmp_path, county, civil, rows, D1)
    outcome = {}

    def in_thread(name, work):
        def run():
            try:
                outcome[name] = work()
            except Exception as exc:  # looked at below, in the test's thread
                outcome[name] = exc
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    # Hold the roster commit part-way: after it locked the department and its categories, before its first
    # write (the roster changes). The delete then starts, its collector finding no identity yet.
    with transaction.atomic(), connections["default"].cursor() as cur:
        cur.execute("LOCK TABLE subsidies_rosterchange IN EXCLUSIVE MODE")
        committing = in_thread("commit", lambda: import_job_commit(job_id=job.pk))
        _waiting_on_locks(1)
        deleting = in_thread("delete", lambda: Category.objects.get(pk=fresh.pk).delete())
        _waiting_on_locks(2)
    committing.join(30)
    deleting.join(30)
    assert outcome["commit"].status == ImportStatus.COMMITTED, outcome["commit"].message
    assert isinstance(outcome["delete"], ProtectedError), outcome["delete"]
    assert Category.objects.filter(pk=fresh.pk).exists()
    assert Identity.objects.filter(category=fresh).count() == 3


@pytest.mark.postgres
def test_identities_a_new_version_ends_are_updated_in_place(tmp_path, county, civil, require_postgres):
    """Ending identities rewrites valid_to and ended_by only, on pages left half free: PostgreSQL updates them in
    place (HOT), with no new entry in any index (158,281 category changes of a 250,000-row diff: 0.5 s, not 1.9).

    Nearly all: an ended identity is a few bytes longer, so where every identity of a page ends at once the last
    ones may not fit (here 284 of 300; in the bench's diff, 170,107 of 170,781 ends). With valid_to indexed, none.
    """
    people = range(1, 301)  # several pages of identities
    v1 = [[person_id(k), f"人{k}", "低保对象", "", "", "", ""] for k in people]
    assert run(county, civil, roster(tmp_path, "v1.csv", v1), D1).status == ImportStatus.COMMITTED
    v2 = [[person_id(k), f"人{k}", "特困人员（含孤儿）", "", "", "", ""] for k in people]
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_get_xact_tuples_updated('subsidies_identity'::regclass)")
        updated_before = cur.fetchone()[0]
        job = run(county, civil, roster(tmp_path, "v2.csv", v2), D2)
        assert job.status == ImportStatus.COMMITTED and job.summary["result"]["changed"] == 300
        cur.execute(
            "SELECT pg_stat_get_xact_tuples_updated('subsidies_identity'::regclass), "
            "pg_stat_get_xact_tuples_hot_updated('subsidies_identity'::regclass)"
        )
        updated, hot = cur.fetchone()
    assert updated - updated_before == 300
    assert hot >= 0.9 * 300, hot
    assert Identity.objects.filter(valid_to=D2 - datetime.timedelta(days=1), ended_by__number=2).count() == 300


def test_a_confirmed_number_of_removals_that_changed_since_the_preview_commits_nothing(tmp_path, county, civil):
    people = [[person_id(k), f"人员{k}", "低保对象", "", "", "", ""] for k in range(10)]
    assert run(county, civil, roster(tmp_path, "v1.csv", people), D1).status == ImportStatus.COMMITTED
    preview = validated(tmp_path, county, civil, people[:1], D2)
    assert preview.summary["diff"]["removals_to_confirm"] == 9
    # Before it is confirmed, another version removes two of the ten.
    assert run(county, civil, roster(tmp_path, "v2.csv", people[:8]), D2).status == ImportStatus.COMMITTED
    before = list(Identity.objects.order_by("pk").values_list("pk", "valid_to", "ended_by_id"))
    job = import_job_commit(job_id=preview.pk, confirm_removals=9)
    assert job.status == ImportStatus.FAILED
    assert "此版本将移出的人数已变为 7 人" in job.message
    assert list(Identity.objects.order_by("pk").values_list("pk", "valid_to", "ended_by_id")) == before
    assert RosterVersion.objects.filter(department=civil).count() == 2
