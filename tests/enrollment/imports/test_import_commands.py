"""The three import commands: a summary in Chinese, and a non-zero exit whenever nothing was committed."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enrollment.models import ImportJob, Payment
from enrollment.places.services import county_ensure
from subsidies.models import Identity, RosterVersion
from tests.builders.importfiles import civil_affairs_with_categories, person_id, write_csv

pytestmark = pytest.mark.django_db

ROSTER_HEADER = ["身份证号码", "姓名", "人员类别"]
PAYMENT_HEADER = ["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期"]


@pytest.fixture
def civil():
    return civil_affairs_with_categories(county_ensure(code="620721"))


def summary(command, *args, **options) -> list[str]:
    out = io.StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue().splitlines()


def roster(tmp_path, name, rows):
    return str(write_csv(tmp_path / name, [ROSTER_HEADER, *rows]))


def test_import_roster_prints_the_diff_against_the_previous_version(tmp_path, civil):
    first = roster(tmp_path, "v1.csv", [[person_id(k), f"人员{k}", "低保对象"] for k in range(3)])
    lines = summary("import_roster", first, department="civil_affairs", date="2024-01-01", county="620721")
    # The preview first (what the browser shows before its confirm button), then what was committed.
    assert lines == [
        "文件: v1.csv (csv utf-8)",
        "读取行数: 3",
        "通过: 3",
        "未通过: 0",
        "预计变化: 新增 3  移出 0  变更 0  未变 0  姓名与户籍不一致 0  不在人员登记中 3",
        "已入库: 新增 3  移出 0  变更 0  未变 0",
        "状态: 已入库",
    ]
    # One left the roster, one changed category, one is new, one stayed as it was.
    second = roster(
        tmp_path,
        "v2.csv",
        [[person_id(0), "人员0", "低保对象"], [person_id(1), "人员1", "特困人员"], [person_id(7), "人员7", "低保对象"]],
    )
    # 1 of 3 is more than 20 % of the previous version: the number removed is confirmed.
    lines = summary(
        "import_roster", second, department="civil_affairs", date="2024-03-01", county="620721", confirm_removals=1
    )
    assert lines[-2:] == ["已入库: 新增 1  移出 1  变更 1  未变 1", "状态: 已入库"]
    assert RosterVersion.objects.filter(department=civil).count() == 2


def test_import_roster_with_a_bad_row_commits_nothing_and_exits_non_zero(tmp_path, civil):
    good = roster(tmp_path, "v1.csv", [[person_id(k), f"人员{k}", "低保对象"] for k in range(3)])
    summary("import_roster", good, department="civil_affairs", date="2024-01-01", county="620721")
    identities = list(Identity.objects.order_by("pk").values_list("pk", "valid_to", "ended_by_id"))
    bad = roster(tmp_path, "v2.csv", [[person_id(0), "人员0", "低保对象"], ["6.20721E+17", "人员9", "低保对象"]])
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_roster", bad, department="civil_affairs", date="2024-03-01", county="620721", stdout=out)
    assert str(failure.value) == "有1行未通过校验：名册是完整名单，须整份导入：请修改后重新上传文件。"
    lines = out.getvalue().splitlines()
    assert "未通过: 1" in lines and "状态: 待确认" in lines
    assert any(line.startswith("预计变化: 新增 0  移出 2  变更 0  未变 1") for line in lines)
    error_book = next(line for line in lines if line.startswith("错误行工作簿: "))
    assert error_book.endswith(".xlsx")
    assert any("科学计数法" in line for line in lines)
    # The previous version is untouched: nobody on the file's good rows or off it was ended.
    assert RosterVersion.objects.filter(department=civil).count() == 1
    assert list(Identity.objects.order_by("pk").values_list("pk", "valid_to", "ended_by_id")) == identities


def identities():
    return list(Identity.objects.order_by("pk").values_list("pk", "id_number", "valid_to", "ended_by_id"))


@pytest.mark.parametrize(
    ("confirm", "message"),
    [
        (None, "此版本将移出上一版本 10 人中的 9 人（超过 20%）：请核对文件，确认无误后再确认移出这 9 人。"),
        (8, "此版本将移出上一版本 10 人中的 9 人（超过 20%）：请核对文件，确认无误后再确认移出这 9 人。"),
    ],
)
def test_import_roster_removing_most_people_refuses_without_the_number(tmp_path, civil, confirm, message):
    first = roster(tmp_path, "v1.csv", [[person_id(k), f"人员{k}", "低保对象"] for k in range(10)])
    summary("import_roster", first, department="civil_affairs", date="2024-01-01", county="620721")
    before = identities()
    one_row = roster(tmp_path, "v2.csv", [[person_id(0), "人员0", "低保对象"]])
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_roster",
            one_row,
            department="civil_affairs",
            date="2024-03-01",
            county="620721",
            confirm_removals=confirm,
            stdout=out,
        )
    assert str(failure.value) == f"{message} (--confirm-removals 9)"
    assert any(line.startswith("预计变化: 新增 0  移出 9  变更 0  未变 1") for line in out.getvalue().splitlines())
    # The previous version is intact: one version, nobody ended.
    assert RosterVersion.objects.filter(department=civil).count() == 1
    assert identities() == before


def test_import_roster_confirmed_removals_commit_the_version(tmp_path, civil):
    first = roster(tmp_path, "v1.csv", [[person_id(k), f"人员{k}", "低保对象"] for k in range(10)])
    summary("import_roster", first, department="civil_affairs", date="2024-01-01", county="620721")
    one_row = roster(tmp_path, "v2.csv", [[person_id(0), "人员0", "低保对象"]])
    lines = summary(
        "import_roster", one_row, department="civil_affairs", date="2024-03-01", county="620721", confirm_removals=9
    )
    assert lines[-2:] == ["已入库: 新增 0  移出 9  变更 0  未变 1", "状态: 已入库"]
    second = RosterVersion.objects.get(department=civil, number=2)
    ended = Identity.objects.filter(ended_by=second)
    assert sorted(ended.values_list("id_number", flat=True)) == sorted(person_id(k) for k in range(1, 10))
    assert list(Identity.objects.filter(ended_by__isnull=True).values_list("id_number", flat=True)) == [person_id(0)]


def test_import_roster_refuses_a_wrong_number_even_below_the_share(tmp_path, civil):
    first = roster(tmp_path, "v1.csv", [[person_id(k), f"人员{k}", "低保对象"] for k in range(10)])
    summary("import_roster", first, department="civil_affairs", date="2024-01-01", county="620721")
    before = identities()
    nine = roster(tmp_path, "v2.csv", [[person_id(k), f"人员{k}", "低保对象"] for k in range(9)])
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_roster",
            nine,
            department="civil_affairs",
            date="2024-03-01",
            county="620721",
            confirm_removals=3,
            stdout=io.StringIO(),
        )
    assert str(failure.value) == "此版本将移出 1 人，而不是 3 人。 (--confirm-removals 1)"
    assert identities() == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"department": "no_such_department", "date": "2024-01-01"}, "未知的部门代码：no_such_department"),
        ({"department": "civil_affairs", "date": "2024/01/01"}, "日期应写作YYYY-MM-DD。"),
    ],
)
def test_import_roster_refuses_an_unknown_department_or_date_in_chinese(tmp_path, civil, options, message):
    path = roster(tmp_path, "v1.csv", [[person_id(0), "人员0", "低保对象"]])
    with pytest.raises(CommandError) as failure:
        call_command("import_roster", path, county="620721", stdout=io.StringIO(), **options)
    assert str(failure.value) == message
    assert not ImportJob.objects.exists() and not RosterVersion.objects.exists()


def test_import_payments_prints_what_it_added_and_what_it_had_already(tmp_path):
    rows = [[person_id(k), f"人员{k}", "2024", "380", "2023-09-02"] for k in range(2)]
    path = str(write_csv(tmp_path / "pay.csv", [PAYMENT_HEADER, *rows], encoding="gbk"))
    lines = summary("import_payments", path, county="620721")
    assert lines[0] == "文件: pay.csv (csv gb18030)"
    assert lines[-2:] == ["已入库: 新增 2  已导入过 0", "状态: 已入库"]
    lines = summary("import_payments", path, county="620721")
    assert lines[-2:] == ["已入库: 新增 0  已导入过 2", "状态: 已入库"]
    assert Payment.objects.count() == 2


def test_import_payments_with_a_bad_amount_exits_non_zero_unless_told_to_skip_it(tmp_path):
    rows = [
        [person_id(0), "人员0", "2024", "380", "2023-09-02"],
        [person_id(1), "人员1", "2024", "三百八", "2023-09-02"],
    ]
    path = str(write_csv(tmp_path / "pay.csv", [PAYMENT_HEADER, *rows]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_payments", path, county="620721", stdout=out)
    assert "未通过: 1" in out.getvalue().splitlines()
    assert ["1", "缴费金额不是最多两位小数的金额（元）（退费写负数；逗号只能用作千位分隔符或小数点）。"] in [
        line.split() for line in out.getvalue().splitlines()
    ]
    assert not Payment.objects.exists()
    lines = summary("import_payments", path, county="620721", skip_bad_rows=True)
    assert "已入库: 新增 1  已导入过 0" in lines and lines[-1] == "状态: 已入库"
    assert lines[-3].startswith("错误行工作簿: ") and lines[-3].endswith(".xlsx")
    assert Payment.objects.count() == 1
