"""Legacy .xls workbooks (Excel 97-2003, what older WPS and Excel installs still save), written by xlwt as BIFF8
files and read by xlrd: cells as Excel types them (text, numbers, dates, blanks), lines as the sheet has them."""

import datetime

import pytest
import xlwt

from enrollment import idnumbers
from enrollment.files.readers import open_table
from enrollment.files.uploads import check_upload
from enrollment.imports.pipeline import import_file
from enrollment.models import ImportKind, ImportStatus
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department, Identity
from tests.builders.importfiles import person_id

DATE = xlwt.easyxf(num_format_str="yyyy-mm-dd")
TEXT = xlwt.easyxf(num_format_str="@")


def write_xls(path, rows):
    """Rows of cell values; a date gets a date format (a date cell to Excel), None leaves the cell blank."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名册")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime.date):
                sheet.write(r, c, value, DATE)
            elif isinstance(value, str):
                sheet.write(r, c, value, TEXT)
            else:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def test_xls_cells_come_typed_with_the_sheets_line_numbers(tmp_path):
    path = write_xls(
        tmp_path / "名册.xls",
        [
            ["2024年度低保对象名册"],
            [" 公民身份号码 ", "姓名", "乡镇（街道）", "认定日期"],
            [person_id(1), "张三", "红湾寺镇", datetime.date(2023, 9, 1)],
            [],
            [float(person_id(2)[:17] + "0"), "李四", None, "2023年9月1日"],
        ],
    )
    assert check_upload(path, max_bytes=1 << 20, original_name="名册.xls") == "xls"
    with open_table(path, required=("id_number", "name")) as table:
        rows = list(table.rows())
    assert table.format == "xls" and table.header_line == 2
    assert table.columns == {"id_number": 0, "name": 1, "township": 2, "valid_from": 3}
    assert rows[0] == (3, [person_id(1), "张三", "红湾寺镇", datetime.datetime(2023, 9, 1)])
    line, cells = rows[1]
    assert line == 5 and cells[1:] == ["李四", None, "2023年9月1日"]
    # An ID typed into a number cell: a float that has lost its last digits, named as Excel's damage.
    assert isinstance(cells[0], float)
    assert idnumbers.check(cells[0]).errors == ("excel_trailing_zeros",)


@pytest.mark.django_db
def test_a_roster_saved_as_xls_names_the_damaged_row_and_commits_once_it_is_fixed(tmp_path):
    county = county_ensure(code="620721")
    civil = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="dibao", name="低保对象", department=civil)
    rows = [
        ["身份证号码", "姓名", "人员类别", "认定日期"],
        [person_id(1), "张三", "低保对象", datetime.date(2023, 9, 1)],
        [person_id(2), "李四", "低保对象", "2023年10月8日"],
        [person_id(3), "王五", "低保对象", 45000],  # a serial day number in a plain number cell: 2023-03-15
        [float(person_id(4)), "赵六", "低保对象", datetime.date(2023, 9, 1)],
    ]

    def load(name):
        return import_file(
            kind=ImportKind.ROSTER,
            county=county,
            path=write_xls(tmp_path / name, rows),
            department=civil,
            snapshot_date=datetime.date(2024, 1, 1),
            skip_rejected=True,
        )

    job = load("低保.xls")
    # A roster is taken whole: the damaged row is named, and nothing is committed (not even when told to skip).
    assert job.status == ImportStatus.VALIDATED
    assert (job.rows_accepted, job.rows_rejected) == (3, 1)
    [bad] = job.summary["bad_rows"]
    assert (bad["line"], bad["column"]) == (5, "身份证号码")
    assert bad["reason"] == idnumbers.message("excel_trailing_zeros")
    assert job.error_file.name.endswith(".xlsx")
    assert not Identity.objects.exists()
    rows[4][0] = person_id(4)  # the ID typed again as text
    job = load("低保-改.xls")
    assert job.status == ImportStatus.COMMITTED, job.message
    starts = dict(Identity.objects.values_list("id_number", "valid_from"))
    assert starts == {
        person_id(1): datetime.date(2023, 9, 1),
        person_id(2): datetime.date(2023, 10, 8),
        person_id(3): datetime.date(2023, 3, 15),
        person_id(4): datetime.date(2023, 9, 1),
    }
