"""Real files in, nothing lost (issue 20, SPEC §13): workbooks with a sheet per township, rows that are not people,
hidden columns, UTF-16 text, §13 headers, files of the wrong kind — what is stored afterwards, read back."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.imports.pipeline import import_file
from enrollment.models import ImportKind, ImportStatus, Payment, Person
from enrollment.places.services import county_ensure
from subsidies.models import Identity, RosterVersion
from tests.builders.importfiles import civil_affairs_with_categories, person_id, write_csv, write_workbook

pytestmark = pytest.mark.django_db

ROSTER = ["序号", "身份证号码", "姓名", "人员类别", "乡镇", "认定日期"]
D1 = datetime.date(2024, 1, 1)
D2 = datetime.date(2024, 3, 1)
FOOTER = [
    ["合计", "", "", "", "", ""],
    ["填报单位：肃南县民政局", "", "", "填表人：张三"],
    ["审核人：李四", "", "联系电话：0937-6621234"],
    ["日期：2024年3月1日"],
]


@pytest.fixture
def county():
    return county_ensure(code="620721")


@pytest.fixture
def civil(county):
    return civil_affairs_with_categories(county)


def people(keys, township="红湾寺镇", category="低保对象", since="2023-09-01"):
    return [[n + 1, person_id(k), f"人员{k}", category, township, since] for n, k in enumerate(keys)]


def by_township(first, second, *, title=True, footer=True):
    """A roster as a county office sends it: one sheet per township, each with a merged title and a footer."""
    sheets = {}
    for name, keys in (("红湾寺镇", first), ("马蹄藏族乡", second)):
        head = [[f"肃南县{name}2024年低保对象花名册"], []] if title else []
        sheets[name] = [*head, ROSTER, *people(keys, name), *(FOOTER if footer else [])]
    return sheets


def roster_job(path, county, dept, day):
    return import_file(kind=ImportKind.ROSTER, county=county, path=path, department=dept, snapshot_date=day)


def open_people(dept):
    return set(Identity.objects.filter(department=dept, ended_by__isnull=True).values_list("id_number", flat=True))


def test_a_roster_with_one_sheet_per_township_keeps_the_people_of_every_sheet(tmp_path, county, civil):
    """Before: only the first sheet was read, so version 2 ended everyone on the second sheet."""
    v1 = write_csv(tmp_path / "v1.csv", [ROSTER, *people(range(6))])
    assert roster_job(v1, county, civil, D1).status == ImportStatus.COMMITTED
    path = write_workbook(
        tmp_path / "v2.xlsx", by_township([0, 1, 2], [3, 4, 5]), merged={"红湾寺镇": ["A1:F1"], "马蹄藏族乡": ["A1:F1"]}
    )
    job = roster_job(path, county, civil, D2)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert job.rows_rejected == 0 and job.rows_accepted == 6
    assert job.summary["result"]["removed"] == 0 and job.summary["result"]["unchanged"] == 6
    assert open_people(civil) == {person_id(k) for k in range(6)}
    assert dict(Identity.objects.filter(ended_by__isnull=True).values_list("id_number", "township_name")) == {
        **{person_id(k): "红湾寺镇" for k in range(3)},
        **{person_id(k): "马蹄藏族乡" for k in range(3, 6)},
    }
    assert [(s["name"], s["rows"]) for s in job.summary["sheets"]] == [("红湾寺镇", 3), ("马蹄藏族乡", 3)]
    # The 合计 row, the footers and the blank row between the title and the header are skipped, not bad people.
    kinds = {e["kind"]: e["count"] for e in job.summary["skipped_rows"]}
    assert kinds == {"total": 2, "footer": 6}
    assert job.summary["skipped_lines"][0] == {
        "line": "红湾寺镇 第7行",
        "kind": "total",
        "text": "合计",
        "label": "合计行（合计、总计、小计）",
    }
    assert job.summary["ignored_columns"] == ["序号"]


def test_a_plain_two_sheet_roster_ends_nobody_on_the_second_sheet(tmp_path, county, civil):
    """Before: version 2 read the first sheet only and ended the three people of the second one."""
    assert roster_job(write_csv(tmp_path / "v1.csv", [ROSTER, *people(range(6))]), county, civil, D1).status == (
        ImportStatus.COMMITTED
    )
    sheets = by_township([0, 1, 2], [3, 4, 5], title=False, footer=False)
    job = roster_job(write_workbook(tmp_path / "v2.xlsx", sheets), county, civil, D2)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert job.summary["result"]["removed"] == 0
    assert open_people(civil) == {person_id(k) for k in range(6)}
    assert not Identity.objects.filter(ended_by__isnull=False).exists()


@pytest.mark.postgres
def test_a_roster_whose_second_sheet_has_no_header_is_refused_and_the_previous_version_stays(
    tmp_path, county, civil, require_postgres
):
    v1 = write_csv(tmp_path / "v1.csv", [ROSTER, *people(range(6))])
    assert roster_job(v1, county, civil, D1).status == ImportStatus.COMMITTED
    before = list(Identity.objects.order_by("pk").values())
    sheets = by_township([0, 1, 2], [])
    sheets["马蹄藏族乡"] = [["身份证", "名字"], *[[person_id(k), f"人员{k}"] for k in (3, 4, 5)]]
    job = roster_job(write_workbook(tmp_path / "v2.xlsx", sheets), county, civil, D2)
    assert job.status == ImportStatus.INVALID
    assert "工作表“马蹄藏族乡”中有身份证号码" in job.message
    assert list(Identity.objects.order_by("pk").values()) == before
    assert RosterVersion.objects.filter(department=civil).count() == 1


def test_total_and_footer_rows_are_not_reported_as_bad_people(tmp_path, county, civil):
    """Before: 合计 and 填表人 rows were rejected as bad ID numbers, so the roster could not be committed."""
    path = write_workbook(tmp_path / "r.xlsx", {"名册": [ROSTER, *people(range(3)), *FOOTER]})
    job = roster_job(path, county, civil, D1)
    assert job.status == ImportStatus.COMMITTED, job.summary.get("bad_rows")
    assert job.rows_rejected == 0 and job.summary["skipped_total"] == 4
    assert open_people(civil) == {person_id(k) for k in range(3)}


def test_two_blocks_in_one_sheet_are_one_roster(tmp_path, county, civil):
    """城市低保 above, 农村低保 below with its own title and header: both blocks are the snapshot."""
    rows = [
        ["肃南县2024年城市低保对象名册"],
        ROSTER,
        *people([0, 1]),
        [],
        ["肃南县2024年农村低保对象名册"],
        ["序号", "姓名", "身份证号码", "人员类别", "乡镇", "认定日期"],  # the second block orders its columns otherwise
        *[[n + 1, f"人员{k}", person_id(k), "低保对象", "马蹄藏族乡", "2023-10-01"] for n, k in enumerate([2, 3])],
        *FOOTER,
    ]
    job = roster_job(write_workbook(tmp_path / "r.xlsx", {"名册": rows}), county, civil, D1)
    assert job.status == ImportStatus.COMMITTED, job.summary.get("bad_rows") or job.message
    assert dict(Identity.objects.values_list("id_number", "name")) == {person_id(k): f"人员{k}" for k in range(4)}
    assert Identity.objects.get(id_number=person_id(3)).valid_from == datetime.date(2023, 10, 1)
    assert {e["kind"]: e["count"] for e in job.summary["skipped_rows"]} == {
        "blank": 1,
        "title": 1,
        "header": 1,
        "total": 1,
        "footer": 3,
    }


@pytest.mark.postgres
def test_a_second_block_with_other_columns_refuses_the_roster_and_keeps_the_previous_version(
    tmp_path, county, civil, require_postgres
):
    assert roster_job(write_csv(tmp_path / "v1.csv", [ROSTER, *people(range(4))]), county, civil, D1).status == (
        ImportStatus.COMMITTED
    )
    before = list(Identity.objects.order_by("pk").values())
    rows = [ROSTER, *people([0, 1]), ["身份证号码", "姓名", "人员类别"], [person_id(2), "人员2", "低保对象"]]
    job = roster_job(write_workbook(tmp_path / "v2.xlsx", {"名册": rows}), county, civil, D2)
    assert job.status == ImportStatus.INVALID
    assert job.message.startswith("工作表“名册”第4行的表头与第一个表头的列不一致（缺少：乡镇（街道）、认定日期；")
    assert list(Identity.objects.order_by("pk").values()) == before
    assert RosterVersion.objects.count() == 1


def test_bad_rows_of_a_workbook_are_named_by_sheet_and_row(tmp_path, county, civil):
    sheets = by_township([0, 1], [2, 3])
    sheets["马蹄藏族乡"][4][3] = "五保户"  # person 3, sheet row 5
    sheets["马蹄藏族乡"][3][1] = person_id(0)  # person 0 again, on the second sheet
    job = roster_job(write_workbook(tmp_path / "r.xlsx", sheets), county, civil, D1)
    assert job.status == ImportStatus.VALIDATED and job.rows_rejected == 2
    lines = {(r["line"], r["column"]) for r in job.summary["bad_rows"]}
    assert lines == {("马蹄藏族乡 第4行", "身份证号码"), ("马蹄藏族乡 第5行", "人员类别")}
    reasons = [r["reason"] for r in job.summary["bad_rows"]]
    assert "该身份证号码已在红湾寺镇 第4行出现。" in reasons
    errors = openpyxl.load_workbook(job.error_file.path).active
    header = [c.value for c in errors[1]]
    assert header[-2:] == ["错误原因", "原表位置"]
    assert sorted(row[-1] for row in errors.iter_rows(min_row=2, values_only=True)) == [
        "马蹄藏族乡 第4行",
        "马蹄藏族乡 第5行",
    ]
    assert not Identity.objects.exists()


def test_a_hidden_column_of_old_numbers_does_not_replace_the_visible_ids(tmp_path, county, civil):
    header = ["身份证号码", "姓名", "身份证号码", "人员类别"]
    rows = [header, *[[person_id(100 + k), f"人员{k}", person_id(k), "低保对象"] for k in range(3)]]
    path = write_workbook(tmp_path / "r.xlsx", {"名册": rows}, hidden_columns={"名册": ["A"]})
    job = roster_job(path, county, civil, D1)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert open_people(civil) == {person_id(k) for k in range(3)}
    assert any("隐藏列A" in w and "C" in w for w in job.summary["file_warnings"])


def test_a_utf16_unicode_text_roster_is_committed(tmp_path, county, civil):
    """Before: refused (neither UTF-8 nor GBK)."""
    lines = ["\t".join(ROSTER), *("\t".join(map(str, row)) for row in people(range(3)))]
    path = tmp_path / "名册.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    job = roster_job(path, county, civil, D1)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert set(Identity.objects.values_list("name", flat=True)) == {"人员0", "人员1", "人员2"}


def test_month_only_dates_and_damaged_names_are_stored_with_a_warning_naming_the_row(tmp_path, county, civil):
    rows = [
        ROSTER,
        [1, person_id(1), "张?", "低保对象", "", "2023年09月"],
        [2, person_id(2), "李四", "低保对象", "", "2023.10"],
    ]
    job = roster_job(write_csv(tmp_path / "r.csv", rows, encoding="gbk"), county, civil, D1)
    assert job.status == ImportStatus.COMMITTED, job.message
    stored = dict(Identity.objects.values_list("id_number", "valid_from"))
    assert stored == {person_id(1): datetime.date(2023, 9, 1), person_id(2): datetime.date(2023, 10, 1)}
    warned = {(w["line"], w["column"], w["reason"]) for w in job.summary["warn_rows"]}
    assert (2, "姓名", "姓名中含有“?”或“�”：导出时丢失了生僻字。") in warned
    assert (2, "认定日期", "该日期只写到月份：按当月1日读取。") in warned
    assert (3, "认定日期", "该日期只写到月份：按当月1日读取。") in warned


def test_a_tax_export_with_the_headers_of_section_13_and_times_after_dates(tmp_path, county):
    header = ["纳税人识别号", "缴费人姓名", "证件号码", "缴费年度", "实缴金额（元）", "入库日期", "票证号"]
    rows = [
        ["x1", "人员1", person_id(1), "2024", "380.00", "2023年10月5日 14:22:31", "A1"],
        ["x2", "人员2", person_id(2), "2024", "380", "2023-10-06 09:01:02", "A2"],
    ]
    job = import_file(
        kind=ImportKind.PAYMENTS, county=county, path=write_csv(tmp_path / "p.csv", rows and [header, *rows])
    )
    assert job.status == ImportStatus.COMMITTED, job.message
    assert sorted(Payment.objects.values_list("id_number", "name", "paid_on")) == [
        (person_id(1), "人员1", datetime.date(2023, 10, 5)),
        (person_id(2), "人员2", datetime.date(2023, 10, 6)),
    ]
    assert job.summary["ignored_columns"] == ["纳税人识别号", "票证号"]


def test_columns_not_imported_are_listed_and_look_alikes_warned(tmp_path, county):
    header = ["身份证号码", "姓名", "户号", "出生日期", "联系电话", "人员类别"]
    rows = [header, [person_id(1), "甲", "H1", "1950-01-01", "138", "低保对象"]]
    job = import_file(kind=ImportKind.REGISTER, county=county, path=write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.COMMITTED, job.message
    assert job.summary["ignored_columns"] == ["出生日期", "联系电话", "人员类别"]
    assert job.summary["file_warnings"] == ["D列（出生日期）看起来像是可识别的字段，但未被导入。"]
    assert Person.objects.get().household.number == "H1"


PAYMENT_FILE = [
    ["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期"],
    [person_id(9), "改名", "2024", "380", "2023-09-02"],
]


@pytest.mark.postgres
def test_a_payment_file_sent_to_the_register_is_refused_and_the_register_stays(tmp_path, county, require_postgres):
    register = [["身份证号码", "姓名", "乡镇", "户号"], [person_id(9), "原名", "红湾寺镇", "H9"]]
    assert import_file(
        kind=ImportKind.REGISTER, county=county, path=write_csv(tmp_path / "r.csv", register)
    ).status == (ImportStatus.COMMITTED)
    before = list(Person.objects.values())
    job = import_file(kind=ImportKind.REGISTER, county=county, path=write_csv(tmp_path / "p.csv", PAYMENT_FILE))
    assert job.status == ImportStatus.INVALID
    assert job.message.startswith(
        "该文件看起来是税务缴费明细（其列为：身份证号码、姓名、缴费年度、缴费金额、缴费日期）"
    )
    assert list(Person.objects.values()) == before


@pytest.mark.postgres
def test_files_of_another_kind_are_refused_naming_what_they_look_like(tmp_path, county, civil, require_postgres):
    v1 = write_csv(tmp_path / "v1.csv", [ROSTER, *people(range(2))])
    assert roster_job(v1, county, civil, D1).status == ImportStatus.COMMITTED
    before = list(Identity.objects.order_by("pk").values())
    job = roster_job(write_csv(tmp_path / "p.csv", PAYMENT_FILE), county, civil, D2)
    assert job.status == ImportStatus.INVALID and job.message.startswith("该文件看起来是税务缴费明细")
    assert list(Identity.objects.order_by("pk").values()) == before and RosterVersion.objects.count() == 1
    # A roster sent to the register, and to payments.
    job = import_file(kind=ImportKind.REGISTER, county=county, path=v1)
    assert job.status == ImportStatus.INVALID and job.message.startswith("该文件看起来是身份名册")
    job = import_file(kind=ImportKind.PAYMENTS, county=county, path=v1)
    assert job.status == ImportStatus.INVALID and job.message.startswith("该文件看起来是身份名册")
    assert not Person.objects.exists() and not Payment.objects.exists()


def test_import_roster_names_the_sheets_read_and_skipped_and_the_rows_skipped(tmp_path, county, civil):
    sheets = by_township([0, 1], [2])
    sheets["说明"] = [["本表由各乡镇民政办填报，请勿修改表头。"]]
    path = write_workbook(tmp_path / "名册.xlsx", sheets)
    out = io.StringIO()
    call_command("import_roster", str(path), department="civil_affairs", date="2024-01-01", county="620721", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:7] == [
        "文件: 名册.xlsx (xlsx)",
        "已读取的工作表: 红湾寺镇 (2)、马蹄藏族乡 (1)",
        "未读取的工作表: 说明: 在文件前几行中没有找到包含身份证号码、姓名、人员类别列的表头行。",
        "跳过的非人员行: 8",
        "           2  合计行（合计、总计、小计）",
        "           6  表尾行（填报单位、填表人、审核人、日期等）",
        "未导入的列: 序号",
    ]
    assert open_people(civil) == {person_id(k) for k in range(3)}


def test_import_roster_refuses_a_workbook_with_an_unread_sheet_of_people(tmp_path, county, civil):
    sheets = by_township([0, 1], [])
    sheets["马蹄藏族乡"] = [["身份证号码", "姓名"], [person_id(5), "人员5"]]  # no 人员类别 column
    with pytest.raises(CommandError, match="工作表“马蹄藏族乡”中有身份证号码"):
        call_command(
            "import_roster",
            str(write_workbook(tmp_path / "r.xlsx", sheets)),
            department="civil_affairs",
            date="2024-01-01",
            county="620721",
            stdout=io.StringIO(),
        )
    assert not Identity.objects.exists()


def test_the_preview_page_shows_sheets_skipped_rows_and_columns_not_imported(
    tmp_path, county, civil, django_capture_on_commit_callbacks
):
    user = staff_user_create(
        username="civil", password="x-Pass-12345", role=Role.DEPARTMENT, county=county, department=civil
    ).user
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    sheets = by_township([0, 1], [2])
    path = write_workbook(tmp_path / "名册.xlsx", sheets)
    with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            reverse("enrollment:import_upload"),
            {"kind": "roster", "department": civil.pk, "snapshot_date": "2024-01-01", "file": fh},
        )
    page = c.get(response.url).content.decode()
    assert "红湾寺镇：读取2行" in page and "马蹄藏族乡：读取1行" in page
    assert "跳过的非人员行" in page and "马蹄藏族乡 第6行" in page and "填报单位：肃南县民政局" in page
    assert "未导入的列: 序号" in page
