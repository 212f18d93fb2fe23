"""Malformed uploads, written as real bytes on disk: zip bombs, renamed executables, broken encodings, …

Each `BadFile` names what is wrong, which import kind it is fed to, how to write it, and the Chinese text
the user must be told. `tests/enrollment/files/test_bad_inputs.py` runs every one through the import pipeline.
"""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from enrollment.idnumbers import make_id

REGISTER_HEADER = ["身份证号码", "姓名", "乡镇", "村"]
PAYMENT_HEADER = ["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次"]
ROSTER_HEADER = ["身份证号码", "姓名", "人员类别", "认定日期"]


def person_id(k: int) -> str:
    return make_id("620721", datetime.date(1960, 1, 1) + datetime.timedelta(days=k * 13), k)


GOOD_ID = person_id(1)


@dataclass(frozen=True)
class BadFile:
    key: str
    kind: str  # "register" | "payments" | "roster"
    filename: str
    write: Callable[[Path], None]
    message: str  # Chinese text the job's message or its first rejected row must contain
    row_level: bool = False  # the file is readable; its rows are rejected one by one


def _csv(rows, encoding="utf-8") -> bytes:
    return ("\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n").encode(encoding)


def csv_file(rows, encoding="utf-8"):
    def write(path: Path):
        path.write_bytes(_csv(rows, encoding))

    return write


def raw(data: bytes):
    def write(path: Path):
        path.write_bytes(data)

    return write


def xlsx_bytes(rows, *, as_numbers=False) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append([float(c) if as_numbers and isinstance(c, str) and c.isdigit() else c for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_file(rows, **kw):
    return raw_lazy(lambda: xlsx_bytes(rows, **kw))


def raw_lazy(make: Callable[[], bytes]):
    def write(path: Path):
        path.write_bytes(make())

    return write


def _replace_member(data: bytes, name: str, content: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """The workbook `data` with one member replaced (and others added), deflated."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info.filename))
        for extra_name, extra_content in (extra or {}).items():
            dst.writestr(extra_name, extra_content)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A valid-looking workbook whose sheet inflates from ~100 KB to 120 MB (a ~1000× ratio)."""
    good = xlsx_bytes([REGISTER_HEADER, [GOOD_ID, "张三", "红湾寺镇", ""]])
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>' + b" " * (120 * 1024 * 1024) + b"</sheetData></worksheet>"
    )
    return _replace_member(good, "xl/worksheets/sheet1.xml", sheet)


def billion_laughs() -> bytes:
    """Entity expansion in the sheet XML: a few hundred bytes that expand to gigabytes in a naive parser."""
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    good = xlsx_bytes([REGISTER_HEADER, [GOOD_ID, "张三", "红湾寺镇", ""]])
    return _replace_member(good, "xl/worksheets/sheet1.xml", sheet)


def libreoffice_empty_rows() -> bytes:
    """A sheet of one data row followed by 2^20 formatted empty rows, as LibreOffice writes them."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main"><dimension ref="A1:D1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>身份证号码</t></is></c><c r="B1" t="inlineStr"><is><t>姓名</t>'
        "</is></c></row>"
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{GOOD_ID}</t></is></c><c r="B2" t="inlineStr"><is><t>张三</t>'
        "</is></c></row>"
    )
    empty = "".join(
        f'<row r="{r}" customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" '
        'collapsed="false"></row>'
        for r in range(3, 1048577)
    )
    sheet = (head + empty + "</sheetData></worksheet>").encode()
    good = xlsx_bytes([REGISTER_HEADER])
    return _replace_member(good, "xl/worksheets/sheet1.xml", sheet)


def workbook_without_sheet() -> bytes:
    good = xlsx_bytes([REGISTER_HEADER])
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.startswith("xl/worksheets/"):
                continue
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b'<sheet name="Sheet" sheetId="1" r:id="rId1"/>', b"")
            dst.writestr(info.filename, data)
    return out.getvalue()


def truncated_xlsx() -> bytes:
    good = xlsx_bytes([REGISTER_HEADER, [GOOD_ID, "张三", "", ""]])
    return good[: len(good) // 2]


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("名册.csv", _csv([REGISTER_HEADER, [GOOD_ID, "张三", "", ""]]))
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 64
GARBAGE = bytes((i * 7919 + 13) % 256 for i in range(50_000))


def register_rows(*ids, name="张三"):
    return [REGISTER_HEADER, *[[i, name, "红湾寺镇", ""] for i in ids]]


def payment_rows(*, year="2026", amount="400", paid_on="2025-10-09", tier="1"):
    return [PAYMENT_HEADER, [GOOD_ID, "张三", year, amount, paid_on, tier]]


def roster_rows(*, category="低保对象", certified="2025-01-01", id_number=GOOD_ID):
    return [ROSTER_HEADER, [id_number, "张三", category, certified]]


def mixed_encodings() -> bytes:
    return _csv([REGISTER_HEADER, [GOOD_ID, "张三", "红湾寺镇", ""]]) + _csv(
        [[person_id(2), "李四", "皇城镇", ""]], "gbk"
    )


def nul_byte_csv() -> bytes:
    data = _csv(register_rows(GOOD_ID, person_id(2)))
    return data.replace("李".encode(), b"") + b"\x00" + _csv([[person_id(3), "王五", "", ""]])


def duplicates() -> bytes:
    return _csv(register_rows(*([GOOD_ID] * 10_000)))


def html_as_xls() -> bytes:
    return (
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>身份证号码</td><td>姓名</td></tr>"
        f"<tr><td>{GOOD_ID}</td><td>张三</td></tr></table></body></html>"
    ).encode()


def utf16_csv_without_bom() -> bytes:
    """UTF-16 with its BOM is read (Excel's "Unicode 文本"); without one it cannot be told from binary."""
    return "\r\n".join(",".join(r) for r in register_rows(GOOD_ID)).encode("utf-16-le")


# Damaged ID numbers (SPEC §3) and the reason the user must be told.
BAD_IDS = {
    "id_excel_scientific": ("6.20721E+17", "科学计数"),
    "id_excel_lost_digits": (GOOD_ID[:15] + "000", "000"),
    "id_trailing_dot_zero": (GOOD_ID[:17] + "1.0", ".0"),
    "id_wrong_check_char": (GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1"), "校验码"),
    "id_impossible_date": ("62072119600231" + "0012", "出生日期"),
    "id_born_2099": (make_id("620721", datetime.date(2099, 1, 1), 7), "出生日期"),
    "id_too_short": (GOOD_ID[:17], "位"),
    "id_too_long": (GOOD_ID + "1", "位"),
    "id_letters_inside": (GOOD_ID[:8] + "AB" + GOOD_ID[10:], "身份证号码"),
    "id_bad_province": ("00" + GOOD_ID[2:], "省"),
    "id_empty": ("", "身份证号码"),
}


def bad_files() -> list[BadFile]:
    files = [
        BadFile("empty_file", "register", "名册.csv", raw(b""), "文件为空"),
        BadFile("renamed_exe_as_xlsx", "register", "名册.xlsx", raw(EXE), "既不是"),
        BadFile("renamed_exe_as_csv", "payments", "缴费.csv", raw(EXE), "既不是"),
        BadFile("binary_garbage", "register", "名册.xls", raw(GARBAGE), "既不是"),
        BadFile("zip_bomb", "register", "名册.xlsx", raw_lazy(zip_bomb), "炸弹"),
        BadFile("billion_laughs", "register", "名册.xlsx", raw_lazy(billion_laughs), "工作簿"),
        BadFile("truncated_xlsx", "register", "名册.xlsx", raw_lazy(truncated_xlsx), "损坏"),
        BadFile("xlsx_without_sheet", "register", "名册.xlsx", raw_lazy(workbook_without_sheet), "工作簿"),
        BadFile("zip_not_xlsx", "register", "名册.xlsx", raw_lazy(plain_zip), "不是Excel"),
        BadFile("csv_with_nul", "register", "名册.csv", raw_lazy(nul_byte_csv), "既不是"),
        BadFile("mixed_encodings", "register", "名册.csv", raw_lazy(mixed_encodings), "GBK"),
        BadFile("utf16_text_without_bom", "register", "名册.csv", raw_lazy(utf16_csv_without_bom), "既不是"),
        BadFile("html_saved_as_xls", "register", "名册.xls", raw_lazy(html_as_xls), "表头"),
        BadFile(
            "no_id_column", "register", "名册.csv", csv_file([["姓名", "乡镇"], ["张三", "红湾寺镇"]]), "身份证号码"
        ),
        BadFile(
            "wrong_delimiter",
            "register",
            "名册.csv",
            raw("、".join(REGISTER_HEADER).encode() + b"\r\n" + f"{GOOD_ID}、张三、、".encode() + b"\r\n"),
            "表头",
        ),
        BadFile(
            "unterminated_quote",
            "register",
            "名册.csv",
            raw(_csv([REGISTER_HEADER]) + f'"{GOOD_ID},张三,红湾寺镇,\r\n{person_id(2)},李四,,\r\n'.encode()),
            "身份证号码",
            row_level=True,
        ),
        BadFile("header_only", "register", "名册.csv", csv_file([REGISTER_HEADER]), "没有数据行"),
        BadFile("duplicate_rows_10000", "register", "名册.csv", raw_lazy(duplicates), "已在第2行出现", row_level=True),
        BadFile("empty_name", "register", "名册.csv", csv_file(register_rows(GOOD_ID, name="")), "姓名为空", True),
        BadFile(
            "payment_date_2099", "payments", "缴费.csv", csv_file(payment_rows(paid_on="2099-01-01")), "晚于今天", True
        ),
        BadFile("zero_amount", "payments", "缴费.csv", csv_file(payment_rows(amount="0")), "金额", True),
        BadFile("amount_with_text", "payments", "缴费.csv", csv_file(payment_rows(amount="四百元")), "金额", True),
        BadFile("year_absurd", "payments", "缴费.csv", csv_file(payment_rows(year="1899")), "年度", True),
        BadFile("payment_bad_date", "payments", "缴费.csv", csv_file(payment_rows(paid_on="2025-13-45")), "日期", True),
        BadFile("unknown_category", "roster", "名册.csv", csv_file(roster_rows(category="外星人")), "未知", True),
        BadFile(
            "certified_after_snapshot",
            "roster",
            "名册.csv",
            csv_file(roster_rows(certified="2099-01-01")),
            "认定日期",
            True,
        ),
    ]
    for key, (value, message) in BAD_IDS.items():
        files.append(BadFile(key, "register", "名册.csv", csv_file(register_rows(value)), message, row_level=True))
    return files


def write_all(directory: Path) -> dict[str, Path]:
    """Write every bad file under `directory` (the harness and the load test share them)."""
    paths = {}
    for bad in bad_files():
        path = directory / bad.key / bad.filename
        os.makedirs(path.parent, exist_ok=True)
        bad.write(path)
        paths[bad.key] = path
    return paths
