"""Files as county offices really send them (SPEC §13), read without a database: every sheet of a workbook,
hidden columns, a second header block, rows that are not people, UTF-16 text, separators, dates, headers."""

import datetime

import pytest

from enrollment.files.readers import (
    ReadError,
    is_month_only,
    looks_like,
    map_headers,
    name_damaged,
    open_table,
    parse_date,
)
from tests.builders.importfiles import person_id, write_csv, write_workbook

ROSTER = ["序号", "身份证号码", "姓名", "人员类别", "乡镇", "认定日期"]
REQUIRED = ("id_number", "name", "category")


def people(start, n, township):
    return [[k + 1, person_id(start + k), f"人员{start + k}", "低保对象", township, "2023-09-01"] for k in range(n)]


def read(path, required=REQUIRED):
    with open_table(path, required=required) as table:
        rows = list(table.rows())
    return table, rows


def ids(table, rows):
    col = table.columns["id_number"]
    return [cells[col] for _line, cells in rows]


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request, monkeypatch):
    """Both .xlsx readers: calamine in bulk, openpyxl streaming (what a huge sheet gets)."""
    from enrollment.files import xlsx

    if request.param == "openpyxl":
        monkeypatch.setattr(xlsx, "XLSX_BULK_MAX_XML", 0)
    return request.param


def test_every_sheet_with_the_header_is_read_and_lines_name_their_sheet(tmp_path, reader):
    """One sheet per township: all of them, in order; a sheet of notes without the header is named as skipped."""
    path = write_workbook(
        tmp_path / "r.xlsx",
        {
            "红湾寺镇": [["红湾寺镇低保名册"], ROSTER, *people(0, 3, "红湾寺镇")],
            "马蹄乡": [["马蹄乡低保名册"], [], ROSTER, *people(10, 2, "马蹄乡")],
            "说明": [["本表由民政局填报"], ["请勿修改表头"]],
        },
        merged={"红湾寺镇": ["A1:F1"], "马蹄乡": ["A1:F1"]},
    )
    table, rows = read(path)
    assert ids(table, rows) == [person_id(k) for k in (0, 1, 2, 10, 11)]
    assert [(s["name"], s["rows"]) for s in table.sheets] == [("红湾寺镇", 3), ("马蹄乡", 2)]
    assert [s["name"] for s in table.skipped_sheets] == ["说明"]
    assert "身份证号码" in table.skipped_sheets[0]["reason"]
    labels = [table.line_label(line) for line, _cells in rows]
    assert labels == ["红湾寺镇 第3行", "红湾寺镇 第4行", "红湾寺镇 第5行", "马蹄乡 第4行", "马蹄乡 第5行"]


def test_sheets_with_the_columns_in_another_order_are_read_into_one_layout(tmp_path):
    other = ["姓名", "身份证号码", "序号", "认定日期", "人员类别", "乡镇"]
    second = [[f"人员{k}", person_id(k), k, "2023-10-01", "低保对象", "马蹄乡"] for k in (20, 21)]
    path = write_workbook(tmp_path / "r.xlsx", {"一": [ROSTER, *people(0, 1, "红湾寺镇")], "二": [other, *second]})
    table, rows = read(path)
    c = table.columns
    assert [(cells[c["id_number"]], cells[c["name"]], cells[c["township"]]) for _l, cells in rows] == [
        (person_id(0), "人员0", "红湾寺镇"),
        (person_id(20), "人员20", "马蹄乡"),
        (person_id(21), "人员21", "马蹄乡"),
    ]


def test_a_sheet_without_the_header_but_with_id_numbers_refuses_the_file_naming_it(tmp_path, reader):
    """Its people would be silently left out (and, on a roster, ended): the file is refused whole instead."""
    bad = [["身份证", "名字", "类型"], [person_id(30), "人员30", "低保对象"]]  # 名字/类型: not our headers
    path = write_workbook(tmp_path / "r.xlsx", {"一": [ROSTER, *people(0, 2, "红湾寺镇")], "二": bad})
    with pytest.raises(ReadError) as caught:
        read(path)
    assert "“二”" in str(caught.value) and "身份证号码" in str(caught.value)


def test_sheets_that_carry_different_fields_refuse_the_file(tmp_path):
    short = [["身份证号码", "姓名", "人员类别"], [person_id(40), "人员40", "低保对象"]]
    path = write_workbook(tmp_path / "r.xlsx", {"一": [ROSTER, *people(0, 1, "红湾寺镇")], "二": short})
    with pytest.raises(ReadError) as caught:
        read(path)
    assert "“二”" in str(caught.value) and "乡镇" in str(caught.value)


def test_a_hidden_column_never_wins_over_a_visible_one_of_the_same_header(tmp_path, reader):
    """Column A (hidden) keeps last year's numbers under the same header; the visible column C is the one read."""
    header = ["身份证号码", "姓名", "身份证号码", "人员类别"]
    rows = [header, ["620721000000000000", "人员1", person_id(1), "低保对象"]]
    path = write_workbook(tmp_path / "r.xlsx", {"名册": rows}, hidden_columns={"名册": ["A"]})
    table, data = read(path)
    assert table.columns["id_number"] == 2
    assert ids(table, data) == [person_id(1)]
    assert any("A" in w and "C" in w for w in table.warnings)


def test_a_hidden_column_read_for_want_of_a_visible_one_is_a_warning(tmp_path):
    rows = [["身份证号码", "姓名", "人员类别"], [person_id(1), "人员1", "低保对象"]]
    table, data = read(write_workbook(tmp_path / "r.xlsx", {"名册": rows}, hidden_columns={"名册": ["C"]}))
    assert table.columns == {"id_number": 0, "name": 1, "category": 2} and data[0][1][2] == "低保对象"
    assert table.warnings == ["工作表“名册”：读取了隐藏列C（人员类别）。"]


def test_a_second_block_with_its_own_title_and_header_is_read_as_the_same_table(tmp_path, reader):
    rows = [
        ["2024年城市低保名册"],
        ROSTER,
        *people(0, 2, "红湾寺镇"),
        [],
        ["2024年农村低保名册"],
        ROSTER,
        *people(50, 2, "马蹄乡"),
        ["合计", "", "4人"],
        ["填表人：张三", "", "审核人：李四", "", "联系电话：0936-6621234"],
        ["日期：2024年3月1日"],
        ["以上共计4人"],
        ["日期 2024年3月1日"],
    ]
    path = write_workbook(tmp_path / "r.xlsx", {"名册": rows}, merged={"名册": ["A1:F1", "A6:F6"]})
    table, data = read(path)
    assert ids(table, data) == [person_id(k) for k in (0, 1, 50, 51)]
    assert table.skipped == {"blank": 1, "title": 1, "header": 1, "total": 2, "footer": 3}
    assert [(s["line"], s["kind"]) for s in table.skipped_lines] == [
        (6, "title"),
        (7, "header"),
        (10, "total"),
        (11, "footer"),
        (12, "footer"),
        (13, "total"),
        (14, "footer"),
    ]


def test_a_single_text_cell_that_is_no_title_stays_a_row_for_the_importer_to_name(tmp_path):
    rows = [ROSTER, *people(0, 1, "红湾寺镇"), ["张三"], *people(1, 1, "红湾寺镇")]
    _table, data = read(write_workbook(tmp_path / "r.xlsx", {"名册": rows}))
    assert [line for line, _c in data] == [2, 3, 4]


def test_rows_with_an_id_number_are_people_whatever_else_they_hold(tmp_path):
    rows = [ROSTER, [1, person_id(1), "合计", "低保对象"], ["填表人", person_id(2), "人员2", "低保对象"]]
    table, data = read(write_csv(tmp_path / "r.csv", rows))
    assert ids(table, data) == [person_id(1), person_id(2)] and not table.skipped


def test_utf16_with_bom_and_tabs_as_excel_saves_unicode_text(tmp_path):
    path = tmp_path / "名册.txt"
    lines = ["\t".join(ROSTER), *("\t".join(str(c) for c in row) for row in people(0, 2, "红湾寺镇"))]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))  # Python writes the BOM, little-endian like Excel
    table, data = read(path)
    assert table.encoding == "utf-16"
    assert ids(table, data) == [person_id(0), person_id(1)]
    assert data[0][1][table.columns["name"]] == "人员0"


@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_separators_found_past_a_title_line(tmp_path, sep):
    lines = ["肃南县2024年低保对象名册", sep.join(ROSTER), *(sep.join(map(str, r)) for r in people(0, 2, "红湾寺镇"))]
    path = tmp_path / "r.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    table, data = read(path)
    assert table.header_line == 2 and ids(table, data) == [person_id(0), person_id(1)]


def test_new_header_aliases_and_units_in_brackets():
    columns = map_headers(["公民身份号码", "缴费人姓名", "实缴金额", "入库日期", "缴费年度"])
    assert columns == {"id_number": 0, "name": 1, "amount": 2, "paid_on": 3, "year": 4}
    columns = map_headers(["身份证号码（18位）", "缴费金额（元）", "缴款日期", "保障类别", "纳入时间", "退出时间"])
    assert columns == {"id_number": 0, "amount": 1, "paid_on": 2, "category": 3, "valid_from": 4, "valid_to": 5}
    assert map_headers(["救助类别", "纳入日期"]) == {"category": 0, "valid_from": 1}
    assert map_headers(["乡镇（街道）"]) == {"township": 0}  # brackets that are part of the alias still match


def test_what_a_file_looks_like_by_its_headers():
    assert looks_like(map_headers(["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期"])) == "payments"
    assert looks_like(map_headers(["身份证号码", "姓名", "人员类别", "认定日期"])) == "roster"
    assert looks_like(map_headers(["身份证号码", "姓名", "户号", "与户主关系"])) == "register"
    assert looks_like(map_headers(["身份证号码", "姓名"])) is None


@pytest.mark.parametrize("value", ["2023年09月", "2023.09", "2023-09", "2023/9", "2023年9月"])
def test_month_only_dates_are_the_first_and_known_as_such(value):
    assert parse_date(value) == datetime.date(2023, 9, 1)
    assert is_month_only(value)
    assert not is_month_only("2023-09-01")


@pytest.mark.parametrize(
    "value", ["2023年10月5日 14:22:31", "2023-10-05 14:22:31", "2023年10月5日14:22", "2023/10/5 14:22:31"]
)
def test_a_date_followed_by_a_time_is_the_date(value):
    assert parse_date(value) == datetime.date(2023, 10, 5)


def test_names_damaged_by_an_export():
    assert name_damaged("张?") and name_damaged("王\ufffd明") and name_damaged("李？")
    assert not name_damaged("欧阳娜娜")


def test_a_hidden_row_is_read_and_an_empty_sheet_is_named_as_such(tmp_path):
    rows = [ROSTER, *people(0, 3, "红湾寺镇")]
    path = write_workbook(tmp_path / "r.xlsx", {"名册": rows, "Sheet2": []}, hidden_rows={"名册": [3]})
    table, data = read(path)
    assert ids(table, data) == [person_id(0), person_id(1), person_id(2)]
    assert table.skipped_sheets == [{"name": "Sheet2", "reason": "该工作表为空。"}]


def test_every_sheet_of_an_xls_workbook_is_read(tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, start in (("一", 0), ("二", 10)):
        sheet = book.add_sheet(name)
        for r, row in enumerate([ROSTER, *people(start, 2, name)]):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    book.save(str(tmp_path / "r.xls"))
    table, data = read(tmp_path / "r.xls")
    assert ids(table, data) == [person_id(k) for k in (0, 1, 10, 11)]
    assert [table.line_label(line) for line, _c in data][-1] == "二 第3行"


def test_a_hidden_column_of_an_xls_workbook_loses_to_the_visible_one(tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名册")
    for r, row in enumerate(
        [["身份证号码", "姓名", "身份证号码", "人员类别"], ["620721000000000000", "甲", person_id(1), "低保对象"]]
    ):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.col(0).hidden = True
    book.save(str(tmp_path / "r.xls"))
    table, data = read(tmp_path / "r.xls")
    assert table.columns["id_number"] == 2 and ids(table, data) == [person_id(1)]


def test_a_hidden_sheet_with_the_header_refuses_the_file(tmp_path, reader):
    """Last month's list hidden in the workbook: reading it would keep people, skipping it could drop them."""
    import openpyxl

    path = write_workbook(
        tmp_path / "r.xlsx", {"三月": [ROSTER, *people(0, 2, "甲")], "二月": [ROSTER, *people(5, 2, "甲")]}
    )
    wb = openpyxl.load_workbook(path)
    wb["二月"].sheet_state = "hidden"
    wb.save(path)
    with pytest.raises(ReadError) as caught:
        read(path)
    assert "“二月”" in str(caught.value)


def test_people_after_a_long_run_of_blank_rows_are_still_read(tmp_path, reader):
    """A block pasted far below the first (3,000 blank rows between): read, never dropped without a word."""
    rows = [ROSTER, *people(0, 2, "红湾寺镇"), *([[]] * 3000), *people(20, 2, "马蹄乡")]
    table, got = read(write_workbook(tmp_path / "r.xlsx", {"名册": rows}))
    assert ids(table, got) == [person_id(k) for k in (0, 1, 20, 21)]
    assert [line for line, _cells in got][-1] == 1 + 2 + 3000 + 2
    text_table, text_rows = read(write_csv(tmp_path / "r.csv", rows))
    assert ids(text_table, text_rows) == [person_id(k) for k in (0, 1, 20, 21)]


def test_a_table_far_below_a_long_blank_run_refuses_the_file_naming_its_row(tmp_path, reader):
    """Rows 250,000 lines below the table: the file is refused naming where, not read partly."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名册"
    for row in [ROSTER, *people(0, 2, "红湾寺镇")]:
        ws.append(row)
    ws.cell(row=250_004, column=2, value=person_id(30))
    wb.save(tmp_path / "far.xlsx")
    with pytest.raises(ReadError) as refused:
        read(tmp_path / "far.xlsx")
    message = str(refused.value)
    assert "名册" in message and "250004" in message and "空行" in message, message
