"""The one formula-safe writer for every file the site hands out (.xlsx and CSV).

A spreadsheet program runs a cell as a formula (or a DDE command) when its text starts with `=`, `+`, `-`, `@`,
a tab or a carriage return (OWASP "CSV injection"); Excel with a Chinese input method also takes the full-width
`＝ ＋ － ＠`. Names, reasons and headers come from uploads and registers, so any of them may start that way.

- .xlsx: every text is written as a string cell (openpyxl `data_type == "s"`), never a formula, whatever it starts
  with; the value is kept exactly as it is. A text that starts like a formula also gets Excel's quote prefix (the
  style Excel itself sets when a clerk types `'=…`), so editing the cell in Excel keeps it text. Numbers, dates
  and money keep their types. (An .xlsx is XML: a carriage return inside a text reads back as a line feed, in
  Excel as in any other reader. The other control characters, which XML cannot hold at all, are written as
  U+FFFD, so an upload carrying one still gets its error workbook; every other character is kept.)
- CSV has no cell types, so the accepted convention (OWASP) is the only safe one: a field that starts like a
  formula is written with one leading apostrophe, which Excel and WPS show as text. So that the file still says
  exactly what is stored, a field that itself starts with an apostrophe gets one more; `csv_value_read` undoes
  both. A plain number ("-50.00") is data, not a formula, and is written unchanged.

No Django here: used by views, services and management commands alike.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
CSV_QUOTE = "'"
REPLACEMENT = "\ufffd"  # for the control characters an .xlsx (XML 1.0) cannot hold at all
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def starts_like_formula(value) -> bool:
    """True for a text that a spreadsheet program would run (or that needs the CSV quote)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def set_value(cell, value):
    """Put `value` into an openpyxl cell (normal or write-only): text always as a string cell, never a formula."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl types every "=…" as a formula otherwise
        if starts_like_formula(value):
            cell.quotePrefix = True
    return cell


def cell(sheet, value, *, number_format: str | None = None, font=None, border=None, alignment=None) -> WriteOnlyCell:
    """A cell for a write-only sheet, holding `value` safely (see `set_value`), with optional styles."""
    result = set_value(WriteOnlyCell(sheet), value)
    if number_format:
        result.number_format = number_format
    if font is not None:
        result.font = font
    if border is not None:
        result.border = border
    if alignment is not None:
        result.alignment = alignment
    return result


def row(sheet, values: Iterable) -> list:
    """A write-only sheet's row: plain values become safe cells, ready-made cells and None pass unchanged."""
    return [v if v is None or isinstance(v, Cell) else cell(sheet, v) for v in values]


def append(sheet, values: Iterable) -> None:
    """Append one row to a sheet of either mode, every text a string cell."""
    values = list(values)
    if isinstance(sheet, WriteOnlyWorksheet):
        sheet.append(row(sheet, values))
        return
    sheet.append(values)
    line = sheet._current_row  # the row append() just wrote (max_row may be further down: pre-formatted rows)
    for column, value in enumerate(values, start=1):
        if value is not None:
            set_value(sheet.cell(row=line, column=column), value)


def csv_value(value):
    """One CSV field: a text that starts like a formula (or with the quote itself) gets one leading apostrophe."""
    if not isinstance(value, str):
        return value
    if value.startswith(CSV_QUOTE) or (starts_like_formula(value) and not _PLAIN_NUMBER.fullmatch(value)):
        return CSV_QUOTE + value
    return value


def csv_value_read(text: str) -> str:
    """What `csv_value` was given, from what it wrote (for tests and for a round trip of our own files)."""
    return text[1:] if text.startswith(CSV_QUOTE) else text


def csv_row(values: Sequence) -> list:
    return [csv_value(v) for v in values]


def csv_lines(rows: Iterable[Sequence], *, headers: Sequence | None = None, bom: bool = True) -> Iterator[str]:
    """The CSV text line by line (CRLF, UTF-8 BOM first: what Excel on Chinese Windows opens correctly)."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    first = "\ufeff" if bom else ""
    if headers is not None:
        yield first + writer.writerow(csv_row(headers))
        first = ""
    for values in rows:
        yield first + writer.writerow(csv_row(values))
        first = ""
    if first:
        yield first


class _Line:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value
