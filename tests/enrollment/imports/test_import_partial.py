"""Partial files never erase: a column the file does not carry keeps what is stored (SPEC §13, issue 20).

A register update without 乡镇, 村, 户号 or 与户主关系 keeps each person's stored value; a roster without 终止日期
(or without 乡镇/村) keeps the stored end dates and places. Every field is read back from the database.
"""

import datetime

import pytest

from enrollment.imports.pipeline import import_file
from enrollment.models import Household, ImportKind, ImportStatus, Person, Township, Village
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department, Identity
from tests.builders.importfiles import person_id, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

FULL_HEADER = ["身份证号码", "姓名", "乡镇（街道）", "村（社区）", "户号", "与户主关系", "分组", "是否学生"]


@pytest.fixture
def county():
    return county_ensure(code="620721")


def stored(ids):
    """Every register field of these people, as the database holds it."""
    rows = Person.objects.filter(id_number__in=ids).order_by("id_number")
    return {
        p.id_number: (
            p.name,
            p.township.name if p.township_id else None,
            p.village.name if p.village_id else None,
            p.household.number if p.household_id else None,
            p.relation,
            p.group,
            p.is_student,
            p.county.code,
        )
        for p in rows.select_related("township", "village", "household", "county")
    }


def full_register(tmp_path, county, n=6):
    rows = [
        [person_id(k), f"人员{k}", "红湾寺镇", "红湾村", f"H{k // 3}", "户主" if k % 3 == 0 else "子女", "零散户", "是"]
        for k in range(n)
    ]
    job = import_file(
        kind=ImportKind.REGISTER, county=county, path=write_xlsx(tmp_path / "full.xlsx", [FULL_HEADER, *rows])
    )
    assert job.status == ImportStatus.COMMITTED, job.message
    return [person_id(k) for k in range(n)]


def test_a_register_update_with_only_id_and_name_keeps_every_other_field(tmp_path, county):
    ids = full_register(tmp_path, county)
    before = stored(ids)
    # A name correction list: the bureau's extract of two columns. One name changes, the others are as stored.
    rows = [[ids[0], "人员零"], *[[i, f"人员{k}"] for k, i in enumerate(ids) if k > 0]]
    path = write_csv(tmp_path / "names.csv", [["身份证号码", "姓名"], *rows])
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert job.summary["diff"]["changed"] == 1 and job.summary["diff"]["unchanged"] == 5
    assert job.summary["result"] == {"rows": 6, "added": 0, "changed": 1, "unchanged": 5}
    after = stored(ids)
    assert after[ids[0]] == ("人员零", *before[ids[0]][1:])
    assert {k: v for k, v in after.items() if k != ids[0]} == {k: v for k, v in before.items() if k != ids[0]}
    assert Household.objects.filter(county=county).count() == 2


def test_a_register_update_with_a_township_but_no_village_keeps_the_village_within_the_same_township(tmp_path, county):
    ids = full_register(tmp_path, county)
    before = stored(ids)
    # Person 0 moves to another township (the stored village is not one of its villages); the others stay.
    rows = [[ids[0], "人员0", "皇城镇"], *[[i, f"人员{k}", "红湾寺镇"] for k, i in enumerate(ids) if k > 0]]
    path = write_csv(tmp_path / "townships.csv", [["身份证号码", "姓名", "乡镇"], *rows])
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert job.summary["result"]["changed"] == 1
    after = stored(ids)
    assert after[ids[0]] == ("人员0", "皇城镇", None, *before[ids[0]][3:])
    assert {k: v for k, v in after.items() if k != ids[0]} == {k: v for k, v in before.items() if k != ids[0]}


def test_a_register_update_with_households_but_no_relation_keeps_the_relation(tmp_path, county):
    ids = full_register(tmp_path, county)
    before = stored(ids)
    rows = [[i, f"人员{k}", "红湾寺镇", "红湾村", "H9"] for k, i in enumerate(ids)]
    path = write_csv(tmp_path / "households.csv", [["身份证号码", "姓名", "乡镇", "村", "户号"], *rows])
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.status == ImportStatus.COMMITTED, job.message
    after = stored(ids)
    assert after == {k: (*v[:3], "H9", *v[4:]) for k, v in before.items()}


def test_a_register_file_with_villages_but_no_townships_is_refused_and_changes_nothing(tmp_path, county):
    ids = full_register(tmp_path, county)
    before = stored(ids)
    path = write_csv(tmp_path / "villages.csv", [["身份证号码", "姓名", "村"], *[[i, "某人", "新村"] for i in ids]])
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.status == ImportStatus.INVALID
    assert "乡镇" in job.message
    assert stored(ids) == before
    assert not Village.objects.filter(name="新村").exists()


def test_a_person_moving_in_from_another_county_without_place_columns_leaves_the_old_places(tmp_path, county):
    ids = full_register(tmp_path, county, n=3)
    other = county_ensure(code="341323")
    path = write_csv(tmp_path / "move.csv", [["身份证号码", "姓名"], [ids[0], "人员0"]])
    job = import_file(kind=ImportKind.REGISTER, county=other, path=path)
    assert job.status == ImportStatus.COMMITTED, job.message
    person = Person.objects.get(id_number=ids[0])
    # The township, village and household belong to 肃南: they cannot follow the person to 灵璧. The relation can.
    places = (person.county_id, person.township_id, person.village_id, person.household_id)
    assert places == (other.pk, None, None, None)
    assert (person.relation, person.group, person.is_student) == ("户主", "零散户", True)
    assert Township.objects.filter(county=other).count() == 0


# -- rosters ---------------------------------------------------------------------------------------------


@pytest.fixture
def civil(county):
    dept = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="dibao", name="低保对象", department=dept)
    return dept


def open_identities(dept):
    return {
        i.id_number: (i.category.code, i.valid_from, i.valid_to, i.township_name, i.village_name)
        for i in Identity.objects.filter(department=dept, ended_by__isnull=True).select_related("category")
    }


def roster(county, dept, path, snapshot):
    job = import_file(kind=ImportKind.ROSTER, county=county, path=path, department=dept, snapshot_date=snapshot)
    assert job.status == ImportStatus.COMMITTED, job.message
    return job


def test_a_roster_without_end_dates_or_places_keeps_the_stored_ones(tmp_path, county, civil):
    header = ["身份证号码", "姓名", "人员类别", "乡镇", "村", "认定日期", "终止日期"]
    rows = [
        [person_id(0), "人员0", "低保对象", "红湾寺镇", "红湾村", "2023-01-01", "2024-12-31"],
        [person_id(1), "人员1", "低保对象", "皇城镇", "北极村", "2023-02-01", ""],
        [person_id(2), "人员2", "低保对象", "康乐镇", "", "2023-03-01", "2024-06-30"],
    ]
    roster(county, civil, write_csv(tmp_path / "v1.csv", [header, *rows]), datetime.date(2024, 1, 1))
    before = open_identities(civil)
    assert before[person_id(0)][2] == datetime.date(2024, 12, 31)
    # The next month's list has neither an end date nor a place column: what is stored stays.
    short = [["身份证号码", "姓名", "人员类别"], *[[r[0], r[1], r[2]] for r in rows]]
    job = roster(county, civil, write_csv(tmp_path / "v2.csv", short), datetime.date(2024, 2, 1))
    assert job.summary["result"]["unchanged"] == 3
    assert open_identities(civil) == before


def test_a_roster_with_an_end_date_column_still_clears_an_end_date_left_empty(tmp_path, county, civil):
    header = ["身份证号码", "姓名", "人员类别", "终止日期"]
    roster(
        county,
        civil,
        write_csv(tmp_path / "v1.csv", [header, [person_id(0), "人员0", "低保对象", "2024-12-31"]]),
        datetime.date(2024, 1, 1),
    )
    roster(
        county,
        civil,
        write_csv(tmp_path / "v2.csv", [header, [person_id(0), "人员0", "低保对象", ""]]),
        datetime.date(2024, 2, 1),
    )
    assert open_identities(civil)[person_id(0)][2] is None


def _left_on(ids) -> dict:
    return dict(Person.objects.filter(id_number__in=ids).values_list("id_number", "left_employee_insurance_on"))


def test_the_day_employee_insurance_ended_is_stored_kept_when_absent_and_a_bad_one_refuses_the_row(tmp_path, county):
    header = ["身份证号码", "姓名", "职工医保终止日期（停保）"]
    rows = [[person_id(0), "人员0", "2023年2月1日"], [person_id(1), "人员1", "20221101"], [person_id(2), "人员2", ""]]
    job = import_file(kind=ImportKind.REGISTER, county=county, path=write_xlsx(tmp_path / "a.xlsx", [header, *rows]))
    assert job.status == ImportStatus.COMMITTED, job.message
    ids = [person_id(k) for k in range(3)]
    assert _left_on(ids) == {ids[0]: datetime.date(2023, 2, 1), ids[1]: datetime.date(2022, 11, 1), ids[2]: None}
    # A file without the column keeps the stored days, and counts nobody as changed for it.
    job = import_file(
        kind=ImportKind.REGISTER,
        county=county,
        path=write_csv(tmp_path / "b.csv", [["身份证号码", "姓名"], *[r[:2] for r in rows]]),
    )
    assert job.status == ImportStatus.COMMITTED and job.summary["result"]["unchanged"] == 3
    assert _left_on(ids) == {ids[0]: datetime.date(2023, 2, 1), ids[1]: datetime.date(2022, 11, 1), ids[2]: None}
    # A day that is no date refuses the row (the file whole), naming its line and column; nothing changes.
    rows[2][2] = "二月份"
    job = import_file(kind=ImportKind.REGISTER, county=county, path=write_xlsx(tmp_path / "c.xlsx", [header, *rows]))
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 1
    assert [(r["line"], r["column"], r["value"]) for r in job.summary["bad_rows"]] == [
        (4, "职工医保终止日期（停保）", "二月份")
    ]
    assert _left_on(ids) == {ids[0]: datetime.date(2023, 2, 1), ids[1]: datetime.date(2022, 11, 1), ids[2]: None}
    # With the column, a changed day is a change, and an emptied one is cleared.
    rows[0][2], rows[1][2], rows[2][2] = "2023-03-01", "", ""
    job = import_file(kind=ImportKind.REGISTER, county=county, path=write_xlsx(tmp_path / "d.xlsx", [header, *rows]))
    assert job.status == ImportStatus.COMMITTED and job.summary["result"]["changed"] == 2
    assert _left_on(ids) == {ids[0]: datetime.date(2023, 3, 1), ids[1]: None, ids[2]: None}


def test_the_register_template_carries_the_employee_insurance_column_and_reads_back(tmp_path, county):
    import io

    import openpyxl

    from enrollment.files.templates import template_workbook

    data, _name = template_workbook(kind="register")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[1]]
    assert header[-1] == "职工医保终止日期"
    ws.append([person_id(7), "人员7", "红湾寺镇", "红湾村", "H9", "户主", "否", "2024-01-31"])
    path = tmp_path / "filled.xlsx"
    ws.parent.save(path)
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert _left_on([person_id(7)]) == {person_id(7): datetime.date(2024, 1, 31)}
