"""Opening a file as one table: the format told by content, the header row found on every sheet, the sheets
read in the first one's column layout, and rows that are not people (titles, totals, footers) skipped and
counted."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from enrollment.files.errors import ReadError
from enrollment.files.headers import (
    FIELD_LABELS,
    HEADER_SCAN_ROWS,
    column_letter,
    header_key,
    looks_like,
    looks_like_error,
    map_headers,
    shadowed_columns,
)
from enrollment.files.sheets import Sheet
from enrollment.files.text_files import csv_sheets, detect_encoding, fields_score
from enrollment.files.values import text
from enrollment.files.xls import xls_sheets
from enrollment.files.xlsx import xlsx_sheets
from enrollment.idnumbers import _, translate

# Lines of a workbook read from several sheets: sheet k (0 for the first sheet read) row r is k * LINE_STRIDE + r,
# an integer that keeps the file's order (staging tables sort by it) and tells the sheet back (`Table.line_label`).
LINE_STRIDE = 10_000_000  # more than the 1,048,576 rows of an .xlsx sheet
MAX_SHEETS_READ = 200  # 200 * LINE_STRIDE stays within a 32-bit integer column

SKIPPED_KINDS = ("blank", "title", "header", "total", "footer")


@dataclass
class Table:
    """An open file: its header row, the field → column map, and a row iterator.

    A workbook's sheets that carry the header are read as one table in the first sheet's column layout
    (`sheets`); the others are `skipped_sheets`, each with its reason. Rows that are not people (blank rows
    between data, titles and headers of a second block, 合计 rows, footers) are not yielded but counted in
    `skipped` (and the first of them listed in `skipped_lines`) as the rows are read.
    """

    format: str  # "csv", "xlsx", "xls"
    headers: list[str]
    columns: dict[str, int]
    header_line: int
    encoding: str = ""
    estimated_rows: int = 0
    sheets: list[dict] = field(default_factory=list)
    skipped_sheets: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    skipped_lines: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)
    _rows: Iterator[tuple[int, list]] | None = field(default=None, repr=False)
    _close: object = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list]]:
        """(line number as the user sees it, cell values) for every row below the header that may be a person."""
        assert self._rows is not None
        return self._rows

    def line_label(self, line: int):
        """The line as the user finds it: the row number, or the sheet and row when several sheets were read."""
        if len(self.sheets) <= 1 or not isinstance(line, int):
            return line
        k, row = divmod(line, LINE_STRIDE)
        if k >= len(self.sheets):
            return line
        return translate(_("%(sheet)s row %(row)s")) % {"sheet": self.sheets[k]["name"], "row": row}

    def close(self) -> None:
        if callable(self._close):
            self._close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# -- rows that are not people ----------------------------------------------------------------------------

_ID_LIKE = re.compile(r"\d{15}|\d{17}[\dX]|\d(\.\d+)?E\+?1[4-7]", re.IGNORECASE)
_TOTAL = re.compile(r"(以上)?(合计|总计|小计|共计|累计)")
_FOOTER = re.compile(
    r"(填报单位|填表单位|报送单位|制表单位|填报人|填表人|审核人|审批人|制表人|经办人|联系电话|联系人|单位负责人|负责人"
    r"|分管领导|主管领导|填报日期|填表日期|制表日期|报送日期|审核日期|单位\(?盖章|(日期|电话|审核|制表|备注|说明|注|盖章)[:(]|日期\d)"
)


def _cell_text(value) -> str:
    """A cell compared as text: NFKC, without any spaces."""
    if value is None or value == "":
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text(value)))


def id_like(value) -> bool:
    """A cell holding what is plainly an ID number, even a damaged one (6.20721E+17, a trailing .0)."""
    if value.__class__ is str:
        if len(value) == 18 and value[:17].isdigit():
            return True
        return bool(_ID_LIKE.fullmatch(_cell_text(value).removesuffix(".0")))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value >= 1e14
    return False


def _row_kind(cells: list, id_col: int, required) -> str | None:
    """Why a row below the header is not a person ("blank", "total", "footer", "header", "title?" for a lone text
    cell that is a title when a header follows it), or None for a row to hand to the importer."""
    if id_col < len(cells) and id_like(cells[id_col]):
        return None
    texts = [t for t in map(_cell_text, cells) if t]
    if not texts:
        return "blank"
    if any(id_like(c) for c in cells):
        return None
    if any(_TOTAL.match(t) for t in texts[:3]):
        return "total"
    if _FOOTER.match(texts[0]):
        return "footer"
    columns = map_headers(cells)
    if all(name in columns for name in required):
        return "header"
    if len(texts) == 1 and not any(isinstance(c, (int, float, datetime.date)) for c in cells if c is not None):
        return "title?"
    return None


# -- format detection ------------------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(path: str | Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head == OLE_MAGIC:
        return "xls"
    return "csv"


MAX_EMPTY_RUN = 2000  # LibreOffice can write 2^20 empty rows: stop after a long run of them
# Past such a run, rows further down are read when they lie at most this far below (openpyxl holds memory for
# every row it streams past); a table farther down is refused, naming its row.
MAX_BLANK_GAP = 200_000


def open_table(path: str | Path, *, required: tuple[str, ...] = ("id_number",), kind: str | None = None) -> Table:
    """Open a .csv/.txt/.xlsx/.xls file: every sheet whose header (the first row naming the required fields)
    is found is read, the others are named as skipped — or refuse the file when one of them holds ID numbers.
    `kind` (register, roster, payments): without the header, a file whose headers make it another kind says so."""
    wanted = kind
    kind = detect_format(path)
    encoding = ""
    if kind == "xlsx":
        sheets, close = xlsx_sheets(path)
    elif kind == "xls":
        sheets, close = xls_sheets(path)
    else:
        encoding = detect_encoding(path)
        sheets, close = csv_sheets(path, encoding, fields_score(required))
    try:
        table = _assemble(kind, sheets, required, wanted)
    except BaseException:
        close()
        raise
    table.encoding = encoding
    table._close = close
    return table


def open_sheets(path: str | Path, *, header_score: Callable[[list], int]) -> tuple[list[Sheet], Callable[[], None]]:
    """(sheets, close) of a .csv/.txt/.xlsx/.xls file, each sheet's rows as its reader yields them, for a table
    whose header its caller finds itself (a quota table's side-by-side blocks): the format, the encoding and the
    workbook bounds are those of `open_table`; `header_score` rates a row as a header (0: not one) to tell a
    text file's delimiter."""
    kind = detect_format(path)
    if kind == "xlsx":
        return xlsx_sheets(path)
    if kind == "xls":
        return xls_sheets(path)
    return csv_sheets(path, detect_encoding(path), header_score)


def _header_error(required, best: tuple[list, dict] | None, wanted: str | None) -> ReadError:
    if best is not None and (kind := looks_like(best[1])) is not None and kind != wanted:
        return looks_like_error(kind, *best)
    labels = "、".join(FIELD_LABELS[name] for name in required)
    return ReadError(_("No header row with the columns %(columns)s was found in the first rows."), columns=labels)


def _find_header(sheet: Sheet, required):
    """(line, cells, columns) of the sheet's header, or (None, holds ID numbers, best header-like row) after
    reading the whole sheet; `sheet.empty` tells whether it held anything."""
    best = None
    holds_ids = False
    for line, cells in sheet.rows:
        if sheet.empty and any(c is not None and c != "" for c in cells):
            sheet.empty = False
        columns = map_headers(cells, sheet.hidden_columns)
        if all(name in columns for name in required):
            return line, list(cells), columns
        if columns and (best is None or len(columns) > len(best[1])):
            best = (list(cells), columns)
        holds_ids = holds_ids or any(id_like(c) for c in cells)
        if line >= HEADER_SCAN_ROWS:
            break
    if sheet.name:  # a workbook's sheet: look through the rest for people it would leave out
        for _line, cells in sheet.rows:
            if holds_ids:
                break
            holds_ids = any(id_like(c) for c in cells)
            if sheet.empty and any(c is not None and c != "" for c in cells):
                sheet.empty = False
    return None, holds_ids, best


def _assemble(kind: str, sheets: list[Sheet], required, wanted: str | None = None) -> Table:
    found = []
    skipped = []
    best = None
    for sheet in sheets:
        line, cells, columns = _find_header(sheet, required)
        if line is not None:
            found.append((sheet, line, cells, columns))
            continue
        holds_ids, candidate = cells, columns
        best = best or candidate
        skipped.append((sheet, holds_ids))
    if not found:
        raise _header_error(required, best, wanted)
    labels = "、".join(FIELD_LABELS[name] for name in required)
    for sheet, holds_ids in skipped:
        if holds_ids:
            raise ReadError(
                _(
                    "The sheet “%(sheet)s” holds ID numbers but has no header row with the columns %(columns)s: "
                    "its people would be left out. Give it the header of the other sheets or delete the sheet."
                ),
                sheet=sheet.name,
                columns=labels,
            )
    for sheet, *_rest in found:
        if not sheet.visible:  # last month's list kept out of sight? Either reading or leaving it could be wrong.
            raise ReadError(
                _(
                    "The hidden sheet “%(sheet)s” has the header of a table: unhide it if its rows belong to the file, "
                    "or delete it."
                ),
                sheet=sheet.name,
            )
    if len(found) > MAX_SHEETS_READ:
        raise ReadError(_("The workbook has more than %(count)s sheets with a header."), count=MAX_SHEETS_READ)
    _first, header_line, first_cells, columns = found[0]
    headers = [("" if h is None else str(h).strip()) for h in first_cells]
    table = Table(format=kind, headers=headers, columns=columns, header_line=header_line)
    layouts = []
    for sheet, _line, cells, sheet_columns in found:
        layouts.append(_layout(table, sheet, cells, sheet_columns, extend=True))
        table.sheets.append({"name": sheet.name, "rows": 0})
        _note_shadowed(table, sheet, cells, sheet_columns)
    empty = translate(_("The sheet is empty."))
    no_header = translate(_("No header row with the columns %(columns)s was found in the first rows.")) % {
        "columns": labels
    }
    table.skipped_sheets = [
        {"name": sheet.name, "reason": empty if sheet.empty else no_header} for sheet, _ids in skipped
    ]
    table.estimated_rows = sum(max(0, sheet.estimate - line) for sheet, line, _c, _m in found)
    table._rows = _table_rows(table, found, layouts, required)
    return table


def _layout(
    table: Table, sheet: Sheet, cells: list, columns: dict[str, int], *, extend: bool, line: int | None = None
) -> list | None:
    """For a header of another sheet or block (at `line` of its sheet): table column → this header's column (None:
    identity). Its fields must be the table's; columns the table lacks are appended to it (`extend`, before
    reading) or dropped."""
    if set(columns) != set(table.columns):
        differ = {
            "missing": "、".join(FIELD_LABELS[f] for f in table.columns if f not in columns) or "—",
            "extra": "、".join(FIELD_LABELS[f] for f in columns if f not in table.columns) or "—",
        }
        if line is not None and sheet.name:
            msgid = _(
                "The header on line %(line)s of the sheet “%(sheet)s” does not carry the columns of the first header "
                "(missing: %(missing)s; extra: %(extra)s): one file must have one set of columns."
            )
        elif line is not None:
            msgid = _(
                "The header on line %(line)s does not carry the columns of the first header "
                "(missing: %(missing)s; extra: %(extra)s): one file must have one set of columns."
            )
        else:
            msgid = _(
                "The header of the sheet “%(sheet)s” does not carry the columns of the sheet “%(first)s” "
                "(missing: %(missing)s; extra: %(extra)s): one file must have one set of columns."
            )
        first = table.sheets[0]["name"] if table.sheets else sheet.name
        raise ReadError(msgid, sheet=sheet.name, first=first, line=line, **differ)
    if columns == table.columns and len(cells) <= len(table.headers):
        own = [header_key(h) for h in cells]
        if all(own[i] == header_key(table.headers[i]) for i in range(len(own)) if own[i]):
            return None
    layout: list = [None] * len(table.headers)
    used = set()
    for name, index in table.columns.items():
        layout[index] = columns[name]
        used.add(columns[name])
    keys = [header_key(h) for h in cells]
    for position, label in enumerate(table.headers):
        if layout[position] is not None or not label:
            continue
        for index, key in enumerate(keys):
            if index not in used and key == header_key(label):
                layout[position] = index
                used.add(index)
                break
    for index, label in enumerate(cells):
        if index in used or not header_key(label):
            continue
        if extend:
            table.headers.append(str(label).strip())
            layout.append(index)
        elif str(label).strip() not in table.dropped_columns:
            table.dropped_columns.append(str(label).strip())
    return layout


def _note_shadowed(table: Table, sheet: Sheet, cells: list, columns: dict[str, int]) -> None:
    """Warnings for the columns of a header that were not read although they name a field, and for hidden ones read."""
    for index in columns.values():
        if index in sheet.hidden_columns:
            where = {"sheet": sheet.name or "—", "column": column_letter(index), "label": str(cells[index]).strip()}
            warning = translate(_("Sheet “%(sheet)s”: the hidden column %(column)s (%(label)s) was read.")) % where
            if warning not in table.warnings:
                table.warnings.append(warning)
    for index, name in shadowed_columns(cells, columns):
        winner = columns[name]
        where = {"sheet": sheet.name or "—", "column": column_letter(index), "label": str(cells[index]).strip()}
        where["read"] = column_letter(winner)
        if index in sheet.hidden_columns and winner not in sheet.hidden_columns:
            msgid = _(
                "Sheet “%(sheet)s”: the hidden column %(column)s (%(label)s) was not read; the visible column "
                "%(read)s of the same meaning was."
            )
        else:
            msgid = _(
                "Sheet “%(sheet)s”: the column %(column)s (%(label)s) was not read; the column %(read)s of the same "
                "meaning was."
            )
        warning = translate(msgid) % where
        if warning not in table.warnings:
            table.warnings.append(warning)


def _first_text(cells) -> str:
    for c in cells:
        shown = text(c)
        if shown:
            return shown[:60]
    return ""


def _table_rows(table: Table, found, layouts, required):
    """The rows of every sheet read, in one layout, without the rows that are not people (counted instead)."""
    skipped = table.skipped
    listed = table.skipped_lines

    def record(line, kind, cells):
        skipped[kind] += 1
        if len(listed) < 200:
            listed.append({"line": table.line_label(line), "kind": kind, "text": _first_text(cells)})

    for k, ((sheet, _line, _cells, columns), layout) in enumerate(zip(found, layouts, strict=True)):
        base = k * LINE_STRIDE
        info = table.sheets[k]
        id_col = columns["id_number"]
        count = blank = empty_run = 0
        titles: list = []
        pending = False  # blank rows or lone text cells wait for the next row to tell what they are
        for line, cells in sheet.rows:
            v = cells[id_col] if id_col < len(cells) else None
            if not pending and v.__class__ is str and len(v) == 18 and v[:17].isdigit():
                count += 1  # the common row: an ID number, nothing waiting before it
                yield base + line, cells if layout is None else _arranged(cells, layout)
                continue
            what = _row_kind(cells, id_col, required)
            if what == "blank":
                blank += 1
                empty_run += 1
                pending = True
                if empty_run > MAX_EMPTY_RUN and sheet.last_value_row is not None:
                    # LibreOffice writes 2^20 styled empty rows, and streaming through them costs memory: stop,
                    # but only when no value lies below. A table far below is refused, never dropped unseen.
                    below = sheet.last_value_row()
                    if below <= line:
                        break
                    if below - line <= MAX_BLANK_GAP:
                        sheet.last_value_row = None  # a table further down, near enough: read on to it
                        continue
                    raise ReadError(
                        _(
                            "%(where)s: more rows follow at row %(row)s, after more than %(blank)s blank rows. Delete "
                            "the blank rows (or move that table to a sheet of its own) and upload the file again."
                        ),
                        where=sheet.name or "-",
                        row=below,
                        blank=MAX_EMPTY_RUN,
                    )
                continue
            empty_run = 0
            if blank:
                skipped["blank"] += blank
                blank = 0
            if what == "title?":
                titles.append((line, cells))
                pending = True
                continue
            pending = False
            if what == "header":
                for title_line, title_cells in titles:
                    record(base + title_line, "title", title_cells)
                titles.clear()
                record(base + line, "header", cells)
                block = map_headers(cells, sheet.hidden_columns)
                layout = _layout(table, sheet, list(cells), block, extend=False, line=line)
                id_col = block["id_number"]
                continue
            for title_line, title_cells in titles:  # not a title after all: a row the importer will name
                count += 1
                yield base + title_line, _arranged(title_cells, layout)
            titles.clear()
            if what is not None:
                record(base + line, what, cells)
                continue
            count += 1
            yield base + line, cells if layout is None else _arranged(cells, layout)
        for title_line, title_cells in titles:
            count += 1
            yield base + title_line, _arranged(title_cells, layout)
        info["rows"] = count


def _arranged(cells: list, layout: list | None) -> list:
    if layout is None:
        return cells
    n = len(cells)
    return [cells[i] if i is not None and i < n else None for i in layout]
