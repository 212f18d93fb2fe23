"""Crafted workbooks that ask a reader for far more memory than their size (issue 21), written as real bytes.

Each `Crafted` file is a few KB. `refused` names the text the Chinese refusal must contain; files that are
harmless once read within their real used range (a false <dimension>, a huge merged range, a million empty
styled rows) have `refused=""`: they must be read, within the same bounded memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.builders.badfiles import GOOD_ID, REGISTER_HEADER, _replace_member, billion_laughs, xlsx_bytes, zip_bomb

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _header_and_person() -> str:
    """Row 1: the register's header; row 2: one person (A..D)."""
    header = "".join(_text(f"{col}1", label) for col, label in zip("ABCD", REGISTER_HEADER, strict=True))
    person = "".join(_text(f"{col}2", v) for col, v in zip("ABCD", [GOOD_ID, "张三", "红湾寺镇", "一村"], strict=True))
    return f'<row r="1">{header}</row><row r="2">{person}</row>'


def sheet_xml(rows: str, *, dimension: str = "", after: str = "", root_attrs: str = "") -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"{root_attrs}>{dim}'
        f"<sheetData>{rows}</sheetData>{after}</worksheet>"
    ).encode()


def workbook(sheet: bytes) -> bytes:
    """A workbook written by openpyxl whose first sheet is replaced by `sheet`."""
    return _replace_member(xlsx_bytes([REGISTER_HEADER]), "xl/worksheets/sheet1.xml", sheet)


def far_corner() -> bytes:
    """The issue's 1.5 KB bomb: values in A1.. and in XFD1048576 (calamine would allocate 512 GiB)."""
    return workbook(sheet_xml(_header_and_person() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))


def far_column_hidden_form() -> bytes:
    """The far value written as readers accept it but a naive scan would miss: no r on the cell, a prefix."""
    rows = _header_and_person().replace("<row", "<x:row").replace("</row>", "</x:row>")
    rows = rows.replace("<c ", "<x:c ").replace("</c>", "</x:c>").replace("<is>", "<x:is>").replace("</is>", "</x:is>")
    rows = rows.replace("<t>", "<x:t>").replace("</t>", "</x:t>")
    rows += '<x:row r="1048576"><x:c r="A1048576"><x:v>1</x:v></x:c><x:c r="xfd1048576"><x:v>1</x:v></x:c></x:row>'
    return workbook(
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData>{rows}</x:sheetData></x:worksheet>'.encode()
    )


def far_row_without_reference() -> bytes:
    """A cell without r in the last row and 2,000 columns to the right (positions implied by order)."""
    cells = "<c><v>1</v></c>" * 2000
    return workbook(sheet_xml(_header_and_person() + f'<row r="1048576">{cells}</row>'))


def zz10000() -> bytes:
    """A value in ZZ10000: not beyond the limits (702 columns), but calamine would add 214 MB: it is streamed."""
    return workbook(sheet_xml(_header_and_person() + '<row r="10000"><c r="ZZ10000"><v>1</v></c></row>'))


def false_dimension() -> bytes:
    """Two real rows; the sheet claims A1:XFD1048576 (openpyxl would pad every row to 16,384 cells)."""
    return workbook(sheet_xml(_header_and_person(), dimension="A1:XFD1048576"))


def huge_merge() -> bytes:
    """Two real rows and one merged range over the whole sheet."""
    merge = '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    return workbook(sheet_xml(_header_and_person(), dimension="A1:XFD1048576", after=merge))


def million_styled_empty_rows() -> bytes:
    """One person, then 2^20 rows of empty styled cells, as LibreOffice writes formatted columns."""
    empty = "".join(
        f'<row r="{r}" s="1" customFormat="true" ht="12.8"><c r="A{r}" s="1"/><c r="D{r}" s="1"/></row>'
        for r in range(3, 1048577)
    )
    return workbook(sheet_xml(_header_and_person() + empty, dimension="A1:D1048576"))


def many_shared_strings() -> bytes:
    """A sharedStrings part of ten million empty strings (~80 MB inflated, 100 KB packed)."""
    sst = (
        f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="1" uniqueCount="1">' + "<si/>" * 10_000_000 + "</sst>"
    ).encode()
    good = workbook(sheet_xml(_header_and_person()))
    extra = {"xl/sharedStrings.xml": sst}
    return _replace_member(good, "xl/worksheets/sheet1.xml", sheet_xml(_header_and_person()), extra=extra)


def xls_far_corner() -> bytes:
    """An .xls (xlwt) with the header, one person, and a value in IV65536 (xlrd would pad all rows to 256)."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("名册")
    for col, label in enumerate(REGISTER_HEADER):
        sheet.write(0, col, label)
    for col, value in enumerate([GOOD_ID, "张三", "红湾寺镇", "一村"]):
        sheet.write(1, col, value)
    sheet.write(65535, 255, 1)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class Crafted:
    key: str
    write: Callable[[], bytes]
    refused: str  # text of the Chinese refusal; "" = read within bounded memory
    filename: str = "名册.xlsx"
    rows: int = 1  # rows read when not refused: the person, and a far value (the importer names it as a bad row)


CRAFTED = [
    Crafted("far_corner_xfd1048576", far_corner, "XFD"),
    Crafted("far_cell_prefixed_lowercase", far_column_hidden_form, "XFD"),
    Crafted("far_cells_without_reference", far_row_without_reference, "列"),
    Crafted("zz10000_streamed", zz10000, "", rows=2),
    Crafted("false_dimension", false_dimension, ""),
    Crafted("huge_merged_range", huge_merge, ""),
    Crafted("million_styled_empty_rows", million_styled_empty_rows, ""),
    Crafted("ten_million_shared_strings", many_shared_strings, "倍"),  # refused by its inflate ratio first
    Crafted("zip_bomb", zip_bomb, "炸弹"),
    Crafted("billion_laughs", billion_laughs, "实体"),
    Crafted("xls_far_corner_iv65536", xls_far_corner, "", "名册.xls", rows=2),
]


def write(crafted: Crafted, directory: Path) -> Path:
    path = directory / crafted.key / crafted.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(crafted.write())
    return path


def is_zip(data: bytes) -> bool:
    return zipfile.is_zipfile(io.BytesIO(data))
