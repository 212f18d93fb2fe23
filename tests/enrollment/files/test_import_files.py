"""Reading the files people bring (SPEC §11): encodings, header aliases, Excel cells, dates, upload checks."""

import datetime
import zipfile

import pytest

from enrollment.files.readers import ReadError, map_headers, open_table, parse_date
from enrollment.files.uploads import UploadError, check_upload
from tests.builders.importfiles import person_id, write_csv, write_xlsx


def rows_of(path, required=("id_number",)):
    with open_table(path, required=required) as table:
        return table, list(table.rows())


def test_gbk_csv_is_detected_without_being_told(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["身份证号码", "姓名"], [person_id(1), "张三丰"]], encoding="gbk")
    table, rows = rows_of(path)
    assert table.encoding == "gb18030"
    assert rows == [(2, [person_id(1), "张三丰"])]


def test_utf8_bom_and_plain_utf8(tmp_path):
    for bom in (True, False):
        path = write_csv(tmp_path / f"r{bom}.csv", [["公民身份号码", "姓名"], [person_id(2), "李四"]], bom=bom)
        table, rows = rows_of(path)
        assert table.encoding == ("utf-8-sig" if bom else "utf-8")
        assert table.columns == {"id_number": 0, "name": 1}
        assert rows[0][1][1] == "李四"


def test_bytes_of_another_encoding_far_into_the_file_stop_the_read_at_their_line(tmp_path):
    """The encoding is decided by the first text (the header); damage further on is named by its line."""
    path = tmp_path / "mixed.csv"
    utf8 = "身份证号码,姓名\r\n" + "".join(f"{person_id(k)},李四\r\n" for k in range(5000))
    path.write_bytes(utf8.encode("utf-8") + f"{person_id(1)},".encode() + "王五".encode("gbk") + b"\r\n")
    assert check_upload(path, max_bytes=1 << 20) == "csv"  # the start is good UTF-8
    with open_table(path) as table, pytest.raises(ReadError) as caught:
        list(table.rows())
    assert str(caught.value) == "文件并非全部为UTF-8编码的文本：第5002行附近有无法解码的字节。"
    # Within the first 64 KB of text (read to estimate the row count) but past the block that decided the encoding.
    short = tmp_path / "short.csv"
    head = "身份证号码,姓名\r\n" + "".join(f"{person_id(k)},李四\r\n" for k in range(2500))
    short.write_bytes(head.encode("utf-8") + "王五".encode("gbk") + b"\r\n")
    with pytest.raises(ReadError, match="第2502行"):
        open_table(short)


def test_headers_with_full_width_brackets_spaces_and_a_title_row(tmp_path):
    rows = [
        ["肃南县2024年低保对象名册", "", "", ""],
        [" 身份证号 ", "姓 名", "乡镇(街道)", "村（社区）", "人员类别\u3000"],
        [person_id(3), "王五", "红湾寺镇", "红湾村", "低保对象"],
    ]
    path = write_csv(tmp_path / "r.csv", rows, encoding="gb18030")
    table, data = rows_of(path, required=("id_number", "name", "category"))
    assert table.header_line == 2
    assert table.columns == {"id_number": 0, "name": 1, "township": 2, "village": 3, "category": 4}
    assert data[0][0] == 3


def test_missing_id_column_is_a_clear_error(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["姓名", "电话"], ["张三", "1"]])
    with pytest.raises(ReadError) as exc:
        open_table(path)
    assert "身份证号码" in str(exc.value)


def test_xlsx_ids_as_numbers_and_as_text(tmp_path):
    good = person_id(4)
    rows = [["身份证号码", "姓名", "认定日期"], [good, "甲", datetime.datetime(2023, 9, 1)], [float(good), "乙", 45170]]
    path = write_xlsx(tmp_path / "r.xlsx", rows, text_columns=(0,))
    table, data = rows_of(path)
    assert table.format == "xlsx"
    assert data[0][1][0] == good and isinstance(data[1][1][0], float)
    assert parse_date(data[0][1][2]) == datetime.date(2023, 9, 1)
    assert parse_date(data[1][1][2]) == datetime.date(2023, 9, 1)


@pytest.mark.parametrize("streamed", [False, True], ids=["calamine", "openpyxl"])
def test_xlsx_lines_and_columns_are_the_sheets_own(tmp_path, monkeypatch, streamed):
    """A table that starts below and right of A1 keeps its row numbers and column positions, whichever reader."""
    from enrollment.files import xlsx

    if streamed:
        monkeypatch.setattr(xlsx, "XLSX_BULK_MAX_XML", 0)
    rows = [[None] * 4, [None, None, "身份证号码", "姓名"], [None, None, person_id(5), "甲"], [None] * 4]
    rows.append([None, None, "", "乙"])
    path = write_xlsx(tmp_path / "r.xlsx", rows, text_columns=(2,))
    table, data = rows_of(path)
    assert table.header_line == 2 and table.columns == {"id_number": 2, "name": 3}
    assert data == [(3, [None, None, person_id(5), "甲"]), (5, [None, None, None, "乙"])]


@pytest.mark.parametrize(
    "value",
    ["2023-09-01", "2023/9/1", "2023年9月1日", "20230901", 20230901, 45170, "45170", "2023.9.1", "2023-09-01 00:00:00"],
)
def test_date_formats(value):
    assert parse_date(value) == datetime.date(2023, 9, 1)


def test_bad_date_raises():
    with pytest.raises(ValueError):
        parse_date("九月一日")


def test_header_aliases_of_the_spec():
    headers = ["证件号码", "姓名", "资助类别", "乡镇街道", "村社区", "认定时间", "退出日期", "户号", "与户主关系"]
    assert set(map_headers(headers)) == {
        "id_number",
        "name",
        "category",
        "township",
        "village",
        "valid_from",
        "valid_to",
        "household",
        "relation",
    }
    assert set(map_headers(["缴费年度", "缴费金额", "缴费日期", "档次", "缴费渠道"])) == {
        "year",
        "amount",
        "paid_on",
        "tier",
        "channel",
    }


def test_upload_type_is_checked_by_content(tmp_path):
    csv_path = write_csv(tmp_path / "a.xlsx", [["身份证号码"], [person_id(1)]])  # a CSV named .xlsx
    assert check_upload(csv_path, max_bytes=10**6) == "csv"
    xlsx = write_xlsx(tmp_path / "b.csv", [["身份证号码"], [person_id(1)]])
    assert check_upload(xlsx, max_bytes=10**6) == "xlsx"
    binary = tmp_path / "c.csv"
    binary.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(UploadError):
        check_upload(binary, max_bytes=10**6)
    with pytest.raises(UploadError) as exc:
        check_upload(xlsx, max_bytes=10)
    assert "MB" in str(exc.value)


def test_zip_that_is_not_a_workbook_and_a_zip_bomb_are_refused(tmp_path):
    plain = tmp_path / "p.xlsx"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(UploadError):
        check_upload(plain, max_bytes=10**9)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (50 * 1024**2))
    with pytest.raises(UploadError):
        check_upload(bomb, max_bytes=10**9)
