"""Header, date and amount parsing of the file readers (SPEC §11, §13), without a database or a file."""

import datetime
from decimal import Decimal

import pytest

from enrollment.files.readers import header_key, map_headers, parse_amount, parse_date

d = datetime.date


@pytest.mark.parametrize(
    ("label", "key"),
    [
        (None, ""),
        ("", ""),
        ("身份证号码", "身份证号码"),
        ("身份证号码*", "身份证号码"),
        ("＊姓名", "姓名"),
        (" 姓 名 ", "姓名"),
        ("姓\u3000名", "姓名"),
        ("证件号码：", "证件号码"),
        ("证件号码:", "证件号码"),
        ("乡镇（街道）", "乡镇(街道)"),
        ("乡镇\n(街道)", "乡镇(街道)"),
        ("ＡＢＣ１", "ABC1"),
        (2024, "2024"),
    ],
)
def test_header_key(label, key):
    assert header_key(label) == key


def test_map_headers_takes_the_first_column_of_a_field_and_ignores_the_unknown():
    assert map_headers(["序号", "姓名", "身份证号码", "人员姓名", None, "人员类别"]) == {
        "name": 1,
        "id_number": 2,
        "category": 5,
    }
    assert map_headers([None, " 公民身份号码* ", "乡镇(街道)", "村（社区）"]) == {
        "id_number": 1,
        "township": 2,
        "village": 3,
    }
    assert map_headers([]) == {}
    assert map_headers(["序号", "备注"]) == {}


def test_map_headers_prefers_a_visible_column_and_keeps_the_column_order():
    # 姓名 twice: the hidden first column loses to the visible one; the result is in column order all the same.
    columns = map_headers(["姓名", "身份证号码", "人员类别", "姓名"], hidden=frozenset({0}))
    assert list(columns.items()) == [("id_number", 1), ("category", 2), ("name", 3)]
    columns = map_headers(["姓名", "身份证号码", "人员类别"], hidden=frozenset({0}))
    assert list(columns.items()) == [("name", 0), ("id_number", 1), ("category", 2)]


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2023-09-01", d(2023, 9, 1)),
        ("2023/9/1", d(2023, 9, 1)),
        ("2023.9.1", d(2023, 9, 1)),
        ("2023年9月1日", d(2023, 9, 1)),
        ("2023年9月1", d(2023, 9, 1)),
        (" 2023 年 9 月 1 日 ", d(2023, 9, 1)),
        ("20230901", d(2023, 9, 1)),
        ("２０２３－０９－０１", d(2023, 9, 1)),
        ("2023-10-05 14:22:31", d(2023, 10, 5)),
        ("2023-10-05T14:22", d(2023, 10, 5)),
        ("2023-10-05  14:22:31.5", d(2023, 10, 5)),
        # month ends and leap days
        ("2024-02-29", d(2024, 2, 29)),
        ("2023-02-28", d(2023, 2, 28)),
        ("2023-12-31", d(2023, 12, 31)),
        ("2023-04-30", d(2023, 4, 30)),
        ("20231231", d(2023, 12, 31)),
        # Excel's serial day numbers, as a number or as text: 45292 is 1 January 2024, 61 is 1 March 1900
        ("45292", d(2024, 1, 1)),
        ("45292.0", d(2024, 1, 1)),
        (45292, d(2024, 1, 1)),
        (45292.75, d(2024, 1, 1)),
        (45351, d(2024, 2, 29)),
        (61, d(1900, 3, 1)),
        (1, d(1899, 12, 31)),
        (2958465, d(9999, 12, 31)),
        # eight digits as a number: a yyyymmdd date, from its first to its last value
        (20230901, d(2023, 9, 1)),
        (20230901.0, d(2023, 9, 1)),
        (19000101, d(1900, 1, 1)),
        (29991231, d(2999, 12, 31)),
        (Decimal("20230901"), d(2023, 9, 1)),
        # cell dates
        (datetime.datetime(2023, 9, 1, 23, 59), d(2023, 9, 1)),
        (d(2023, 9, 1), d(2023, 9, 1)),
    ],
)
def test_parse_date(value, day):
    result = parse_date(value)
    assert (type(result), result) == (datetime.date, day)


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_an_empty_cell_has_no_date(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "2023-02-29",
        "2023-04-31",
        "2023-13-01",
        "2023-00-10",
        "2023-09-00",
        "20230229",
        "abc",
        "2023-09-01 abc",
        "123456",
        0,
        -5,
        2958466,
        29991232,
        True,
    ],
)
def test_parse_date_refuses(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (380, "380"),
        (Decimal("380.50"), "380.50"),
        (380.5, "380.5"),
        (0.1, "0.1"),
        ("380", "380"),
        ("380.00", "380.00"),
        (" 380.00 ", "380.00"),
        ("1,140.00", "1140.00"),
        ("1,380.5", "1380.5"),
        ("380元", "380"),
        ("￥380.00", "380.00"),
        ("¥380", "380"),
        ("３８０．００", "380.00"),
        ("￥ 1,140.00 元", "1140.00"),
        ("380,00", "380.00"),
        ("-380,5", "-380.5"),
        ("RMB380", "380"),
        ("380CNY", "380"),
        ("1380 cny", "1380"),
        ("1380CNY", "1380"),
    ],
)
def test_parse_amount(value, text):
    amount = parse_amount(value)
    assert (type(amount), str(amount)) == (Decimal, text)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "  ",
        "元",
        "abc",
        "NaN",
        "Infinity",
        "-Infinity",
        "sNaN",
        True,
        False,
        "RMB",
        "38,0000",
        "1,14,0",
        "1,140,5",
    ],
)
def test_parse_amount_refuses(value):
    with pytest.raises(ValueError):
        parse_amount(value)
