"""Importing the population register and tax payments: dry run, error workbook, one-transaction commit."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import ProtectedError

from enrollment.imports.pipeline import ImportError_, import_file, import_job_commit
from enrollment.models import Household, ImportKind, ImportStatus, Payment, Person, Township, Village
from enrollment.places.services import county_ensure
from enrollment.signals import import_committed
from subsidies.models import DirtyPerson
from tests.builders.importfiles import person_id, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

REGISTER_HEADER = ["身份证号码", "姓名", "乡镇（街道）", "村（社区）", "户号", "与户主关系"]


@pytest.fixture
def county():
    return county_ensure(code="620721")


def register_rows(n, start=0):
    return [
        [person_id(k), f"人员{k}", "红湾寺镇", "红湾村", f"H{k // 3}", "户主" if k % 3 == 0 else "子女"]
        for k in range(start, start + n)
    ]


def test_register_gbk_csv_creates_people_places_and_households(tmp_path, county):
    path = write_csv(tmp_path / "register.csv", [REGISTER_HEADER, *register_rows(9)], encoding="gbk")
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert job.summary["result"] == {"rows": 9, "added": 9, "changed": 0, "unchanged": 0}
    person = Person.objects.get(id_number=person_id(4))
    assert person.name == "人员4" and person.township.name == "红湾寺镇" and person.village.name == "红湾村"
    assert person.household.number == "H1" and person.relation == "子女"
    assert person.birth_date == datetime.date(1950, 1, 1) + datetime.timedelta(days=4 * 37)
    assert person.sex == ("M" if int(person_id(4)[16]) % 2 else "F")
    assert Household.objects.filter(county=county).count() == 3
    assert Village.objects.filter(township__county=county).count() == 1
    assert DirtyPerson.objects.filter(county=county).count() == 9


def test_new_households_are_numbered_in_the_order_the_file_first_names_them(tmp_path, county):
    # The people then append to the household index as the merge inserts them (RegisterImporter.commit).
    numbers = ["H9", "H1", "H9", "H5", "H1", "H7", "H5", "H0"]
    rows = [[person_id(k), f"人员{k}", "红湾寺镇", "红湾村", number, ""] for k, number in enumerate(numbers)]
    Household.objects.create(county=county, number="H5")  # already known: not created again
    path = write_csv(tmp_path / "register.csv", [REGISTER_HEADER, *rows])
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.status == ImportStatus.COMMITTED, job.message
    new = Household.objects.filter(county=county).exclude(number="H5").order_by("pk")
    assert list(new.values_list("number", flat=True)) == ["H9", "H1", "H7", "H0"]
    members = dict(Person.objects.filter(county=county).values_list("id_number", "household__number"))
    assert members == {person_id(k): number for k, number in enumerate(numbers)}


def test_register_reimport_changes_only_what_changed(tmp_path, county):
    path = write_csv(tmp_path / "r1.csv", [REGISTER_HEADER, *register_rows(5)])
    import_file(kind=ImportKind.REGISTER, county=county, path=path)
    DirtyPerson.objects.all().delete()
    rows = register_rows(5)
    rows[2][1] = "改名"
    rows[3][2] = "皇城镇"
    path = write_csv(tmp_path / "r2.csv", [REGISTER_HEADER, *rows], encoding="gb18030")
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.summary["diff"]["changed"] == 2
    assert job.summary["result"] == {"rows": 5, "added": 0, "changed": 2, "unchanged": 3}
    assert Person.objects.get(id_number=person_id(2)).name == "改名"
    assert Person.objects.get(id_number=person_id(3)).township.name == "皇城镇"
    assert set(DirtyPerson.objects.values_list("id_number", flat=True)) == {person_id(2), person_id(3)}


def test_register_marks_its_people_for_each_current_year(tmp_path, county):
    """Two policy years are current during a campaign: each year's run must find the people an import changed."""
    from django.utils import timezone

    from tests.builders.recon_data import sunan_for

    year = timezone.localdate().year
    sunan_for(year), sunan_for(year + 1)
    path = write_csv(tmp_path / "r1.csv", [REGISTER_HEADER, *register_rows(4)])
    import_file(kind=ImportKind.REGISTER, county=county, path=path)
    rows = register_rows(4)
    rows[1][1] = "改名"
    DirtyPerson.objects.filter(id_number=person_id(0), year=year).delete()  # one year's run took this mark
    path = write_csv(tmp_path / "r2.csv", [REGISTER_HEADER, *rows, *register_rows(1, start=4)])
    import_file(kind=ImportKind.REGISTER, county=county, path=path)
    marks = sorted(DirtyPerson.objects.filter(county=county).values_list("year", "id_number"))
    assert marks == sorted((y, person_id(k)) for y in (year, year + 1) for k in range(5) if (y, k) != (year, 0))


def test_register_changing_most_of_the_county_marks_it_whole(tmp_path, county, monkeypatch):
    """A first load (or a register mostly new) marks the county once, not each person; the next run is full."""
    from subsidies.models import DirtyCounty, ReconciliationResult
    from subsidies.reconciliation import dirty as reconcile_module
    from subsidies.reconciliation.runs import reconcile
    from tests.builders import recon_data

    monkeypatch.setattr(reconcile_module, "WHOLE_COUNTY_MIN", 4)
    recon_data.sunan_2024()
    path = write_csv(tmp_path / "r1.csv", [REGISTER_HEADER, *register_rows(6)])
    import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert not DirtyPerson.objects.exists()
    assert list(DirtyCounty.objects.filter(county=county).values_list("year", "generation")) == [(2024, 1)]
    rows = register_rows(6)
    rows[1][1] = "改名"
    path = write_csv(tmp_path / "r2.csv", [REGISTER_HEADER, *rows])
    import_file(kind=ImportKind.REGISTER, county=county, path=path)  # one change: marked on its own
    assert list(DirtyPerson.objects.values_list("id_number", flat=True)) == [person_id(1)]
    run = reconcile(county=county, year=2024)
    assert run.full and run.persons == 6
    assert ReconciliationResult.objects.filter(county=county).count() == 6
    assert not DirtyCounty.objects.exists() and not DirtyPerson.objects.exists()


def test_register_moves_people_between_counties_and_re_marks_people_already_dirty(tmp_path, county):
    other = county_ensure(code="620702")
    path = write_csv(tmp_path / "other.csv", [REGISTER_HEADER, *register_rows(3)])
    assert import_file(kind=ImportKind.REGISTER, county=other, path=path).status == ImportStatus.COMMITTED
    before = DirtyPerson.objects.get(county=other, id_number=person_id(1)).marked_at
    # Person 1 moves to this county; person 2 stays behind; the file also sets the student and group columns.
    header = [*REGISTER_HEADER, "是否学生", "分组"]
    rows = [[*register_rows(2, start=1)[0], "是", "学校"], [*register_rows(1, start=5)[0], "", ""]]
    job = import_file(kind=ImportKind.REGISTER, county=county, path=write_csv(tmp_path / "move.csv", [header, *rows]))
    assert job.status == ImportStatus.COMMITTED, job.message
    assert job.summary["result"] == {"rows": 2, "added": 1, "changed": 1, "unchanged": 0}
    moved = Person.objects.select_related("township", "household").get(id_number=person_id(1))
    assert moved.county == county and moved.township.county == county and moved.household.county == county
    assert moved.is_student and moved.group == "学校"
    assert Person.objects.get(id_number=person_id(2)).county == other
    # Dirty in both counties, the old county's mark renewed rather than duplicated.
    marks = DirtyPerson.objects.filter(id_number=person_id(1))
    assert sorted(marks.values_list("county__code", flat=True)) == ["620702", "620721"]
    assert marks.get(county=other).marked_at > before
    assert DirtyPerson.objects.filter(county=other).count() == 3
    assert set(DirtyPerson.objects.filter(county=county).values_list("id_number", flat=True)) == {
        person_id(1),
        person_id(5),
    }


def test_person_keys_without_database_constraints_still_protect_and_null_through_the_orm(tmp_path, county):
    path = write_csv(tmp_path / "register.csv", [REGISTER_HEADER, *register_rows(3)])
    import_file(kind=ImportKind.REGISTER, county=county, path=path)
    with pytest.raises(ProtectedError):
        Township.objects.get(county=county, name="红湾寺镇").delete()
    Household.objects.get(county=county, number="H0").delete()
    assert Person.objects.filter(household__isnull=True).count() == 3


def test_bad_rows_are_reported_with_line_column_reason_and_nothing_is_committed(tmp_path, county):
    rows = register_rows(3)
    rows.append(["6.20721E+17", "科学计数", "红湾寺镇", "红湾村", "H9", "户主"])
    rows.append([person_id(1), "重复", "红湾寺镇", "红湾村", "H9", "户主"])
    rows.append([person_id(7), "", "红湾寺镇", "红湾村", "H9", "户主"])
    path = write_csv(tmp_path / "bad.csv", [REGISTER_HEADER, *rows], bom=True)
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.status == ImportStatus.VALIDATED
    assert (job.rows_accepted, job.rows_rejected) == (3, 3)
    assert not Person.objects.exists()
    bad = {row["line"]: row for row in job.summary["bad_rows"]}
    assert set(bad) == {5, 6, 7}
    assert bad[5]["column"] == "身份证号码" and "Excel" in bad[5]["reason"]
    assert "3" in bad[6]["reason"]  # the first occurrence is on line 3
    assert "*" in bad[6]["value"]  # IDs are masked on screen
    assert bad[7]["column"] == "姓名"
    # The error workbook: the original columns plus 错误原因, the ID column as text.
    book = openpyxl.load_workbook(io.BytesIO(job.error_file.read()))
    ws = book.active
    header = [c.value for c in ws[1]]
    assert header == [*REGISTER_HEADER, "错误原因"]
    assert ws.max_row == 4
    assert ws.cell(row=3, column=1).value == person_id(1)
    assert ws.cell(row=3, column=1).number_format == "@"
    with pytest.raises(ImportError_):
        import_job_commit(job_id=job.pk)
    job = import_job_commit(job_id=job.pk, skip_rejected=True)
    assert job.status == ImportStatus.COMMITTED
    assert Person.objects.count() == 3


def test_xlsx_register_with_damaged_numeric_ids(tmp_path, county):
    rows = [REGISTER_HEADER]
    rows.append([person_id(1), "文本", "红湾寺镇", "", "", ""])
    rows.append([float(person_id(2)), "数字", "红湾寺镇", "", "", ""])
    rows.append([int(person_id(3)[:15] + "000"), "截断", "红湾寺镇", "", "", ""])
    path = write_xlsx(tmp_path / "r.xlsx", rows, text_columns=(0,))
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.rows_accepted == 1 and job.rows_rejected == 2
    assert all("Excel" in r["reason"] for r in job.summary["bad_rows"])


def test_import_committed_is_sent_on_commit(tmp_path, county, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    import_committed.connect(listener)
    try:
        path = write_csv(tmp_path / "r.csv", [REGISTER_HEADER, *register_rows(2)])
        with django_capture_on_commit_callbacks(execute=True):
            job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    finally:
        import_committed.disconnect(listener)
    assert received == [{"signal": import_committed, "job_id": job.pk, "county_id": county.pk, "kind": "register"}]


PAYMENT_HEADER = ["证件号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次", "缴费渠道"]


def test_payments_import_is_idempotent_and_validates_each_field(tmp_path, county):
    rows = [
        [person_id(1), "甲", "2024", "380", "2023年9月1日", "1", "微信"],
        [person_id(2), "乙", "2024年度", "380.00", "20230902", "", "银行"],
        [person_id(3), "丙", "二〇二四", "0", "2099-01-01", "x", "银行"],
    ]
    path = write_csv(tmp_path / "p.csv", [PAYMENT_HEADER, *rows], encoding="gbk")
    job = import_file(kind=ImportKind.PAYMENTS, county=county, path=path, skip_rejected=True)
    assert job.status == ImportStatus.COMMITTED
    assert {r["column"] for r in job.summary["bad_rows"]} == {"缴费年度", "缴费金额", "缴费日期", "档次"}
    assert Payment.objects.count() == 2
    payment = Payment.objects.get(id_number=person_id(2))
    assert str(payment.amount) == "380.00" and payment.paid_on == datetime.date(2023, 9, 2) and payment.tier == 1
    again = import_file(kind=ImportKind.PAYMENTS, county=county, path=path, skip_rejected=True)
    assert again.summary["result"]["added"] == 0 and again.summary["result"]["already_imported"] == 2
    assert Payment.objects.count() == 2


def test_commands_print_a_summary_and_fail_when_nothing_committed(tmp_path, county):
    path = write_csv(tmp_path / "r.csv", [REGISTER_HEADER, *register_rows(3), ["123", "坏", "", "", "", ""]])
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_register", str(path), county="620721", stdout=out)
    lines = [line.strip() for line in out.getvalue().splitlines()]
    counts = dict(line.split(": ", 1) for line in lines if line.split(": ", 1)[0] in {"读取行数", "通过", "未通过"})
    assert counts == {"读取行数": "4", "通过": "3", "未通过": "1"}
    assert "1  身份证号码应为18位（老号码为15位）。" in lines
    assert str(refused.value).startswith("有1行未通过校验")
    assert not Person.objects.exists()
    out = io.StringIO()
    call_command("import_register", str(path), county="620721", skip_bad_rows=True, stdout=out)
    assert Person.objects.count() == 3
    assert Township.objects.filter(county=county, name="红湾寺镇").exists()


def _estimated_persons():
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples FROM pg_class WHERE relname = 'enrollment_person'")
        return cur.fetchone()[0]


@pytest.mark.postgres
def test_a_large_merge_refreshes_the_planner_statistics_in_its_transaction(tmp_path, county, require_postgres):
    """ANALYZE runs inside the merge's transaction and sees its rows: pg_class.reltuples counts them."""
    with connection.cursor() as cur:
        cur.execute("ANALYZE enrollment_person")  # a known start: empty in this test's transaction
    assert _estimated_persons() == 0
    path = write_csv(tmp_path / "register.csv", [REGISTER_HEADER, *register_rows(60)])
    import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert _estimated_persons() == Person.objects.count() == 60
    # Fewer rows than autovacuum's rule (50 + 10 % of 60): the statistics are left as they are.
    path = write_csv(tmp_path / "more.csv", [REGISTER_HEADER, *register_rows(5, start=100)])
    import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert Person.objects.count() == 65 and _estimated_persons() == 60
