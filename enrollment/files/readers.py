"""Streamed readers for the files people bring (SPEC §11): CSV in UTF-8 or GBK/GB18030, .xlsx, .xls.

Pure Python (no Django models): `open_table(path)` detects the format by content and the encoding by
decoding, finds the header row (title rows above it are skipped), maps Chinese header aliases to fields,
and yields rows one at a time with their line numbers. CSV is streamed. An .xlsx sheet is read in bulk by
python-calamine (Rust, about 100 bytes of memory per cell, 20-40 times faster than openpyxl); a sheet whose XML is
larger than `XLSX_BULK_MAX_XML`, or whose used range is larger than `XLSX_BULK_MAX_AREA`, is streamed with openpyxl
instead, so memory stays bounded. .xls is read whole (at most 65,536 rows by the format). Workbooks are measured
against the limits of bounds.py before either reader touches them.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from enrollment.idnumbers import _, translate

# Field → accepted header labels (compared after `header_key`: NFKC, no spaces, no required-marks).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号码", "公民身份号码", "身份证号", "证件号码", "证件号", "身份证", "身份证件号码"),
    "name": ("姓名", "人员姓名", "参保人姓名", "缴费人姓名"),
    "category": ("人员类别", "资助类别", "身份类别", "类别", "人员类型", "保障类别", "救助类别"),
    "township": ("乡镇", "乡镇（街道）", "乡镇街道", "街道", "乡镇/街道", "所属乡镇"),
    "village": ("村", "村（社区）", "村社区", "社区", "村/社区", "村(居)", "所属村"),
    "valid_from": ("认定日期", "认定时间", "起始日期", "开始日期", "纳入时间", "纳入日期"),
    "valid_to": ("终止日期", "退出日期", "结束日期", "退出时间"),
    "household": ("户号", "户编号"),
    "relation": ("与户主关系", "与户主的关系"),
    "group": ("分组", "人员分组", "所属单位"),
    "student": ("是否学生", "学生"),
    "year": ("缴费年度", "年度"),
    "amount": ("缴费金额", "金额", "实缴金额"),
    "paid_on": ("缴费日期", "缴费时间", "缴款日期", "入库日期"),
    "tier": ("档次", "缴费档次"),
    "channel": ("缴费渠道", "渠道"),
    "refund": ("退费标志", "退费标识", "是否退费", "收退标志", "缴退标志", "收退类型", "退费"),
}

FIELD_LABELS = {
    "id_number": "身份证号码",
    "name": "姓名",
    "category": "人员类别",
    "township": "乡镇（街道）",
    "village": "村（社区）",
    "valid_from": "认定日期",
    "valid_to": "终止日期",
    "household": "户号",
    "relation": "与户主关系",
    "group": "分组",
    "student": "是否学生",
    "year": "缴费年度",
    "amount": "缴费金额",
    "paid_on": "缴费日期",
    "tier": "档次",
    "channel": "缴费渠道",
    "refund": "退费标志",
}

_HEADER_NOISE = re.compile(r"[\s*＊:：]+")
# A unit or note in brackets after a header (缴费金额（元）, 身份证号码（18位）), compared after NFKC: （） are ().
_BRACKETED = re.compile(r"[(\[【][^()\[\]【】]*[)\]】]")


def header_key(label) -> str:
    """A header cell compared without spaces, required-marks, or full-width/half-width differences."""
    if label is None:
        return ""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", str(label)))


_ALIAS_INDEX = {header_key(alias): name for name, aliases in FIELD_ALIASES.items() for alias in aliases}


def field_of(label) -> str | None:
    """The field a header names: an alias as written, else the alias left when bracketed parts are dropped (a unit
    such as （元） is not part of the name; 乡镇（街道） is an alias with its brackets and matches first)."""
    key = header_key(label)
    name = _ALIAS_INDEX.get(key)
    if name is None and ("(" in key or "[" in key or "【" in key):
        name = _ALIAS_INDEX.get(_BRACKETED.sub("", key))
    return name


class ReadError(Exception):
    """A file that cannot be read as a table; the message says why, in the user's language."""

    def __init__(self, msgid: str, **params):
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        return translate(self.msgid) % self.params if self.params else translate(self.msgid)


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


def map_headers(headers: list, hidden=frozenset()) -> dict[str, int]:
    """Field → column index for the recognised headers. When two columns name one field, a visible column wins
    over a hidden one, else the first (the others are `shadowed_columns`)."""
    columns: dict[str, int] = {}
    order = sorted(range(len(headers)), key=lambda i: i in hidden) if hidden else range(len(headers))
    for index in order:
        name = field_of(headers[index])
        if name and name not in columns:
            columns[name] = index
    return dict(sorted(columns.items(), key=lambda item: item[1])) if hidden else columns


def shadowed_columns(headers: list, columns: dict[str, int]) -> list[tuple[int, str]]:
    """(column index, field) of the columns naming a field that another column of the header supplies."""
    return [
        (index, name)
        for index, label in enumerate(headers)
        if (name := field_of(label)) is not None and columns.get(name) != index
    ]


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def looks_like(columns: dict[str, int]) -> str | None:
    """The kind of file its recognised headers plainly make it: "payments", "roster", "register", or None."""
    if "amount" in columns and ("paid_on" in columns or "year" in columns):
        return "payments"
    household = "household" in columns or "relation" in columns
    if "category" in columns and ("valid_from" in columns or "valid_to" in columns or not household):
        return "roster"
    if household:
        return "register"
    return None


LOOKS_LIKE_MESSAGES = {
    "payments": _(
        "The file looks like a tax payment file (its columns: %(columns)s): choose the right kind of import."
    ),
    "roster": _("The file looks like an identity roster (its columns: %(columns)s): choose the right kind of import."),
    "register": _(
        "The file looks like a population register (its columns: %(columns)s): choose the right kind of import."
    ),
}


def looks_like_error(kind: str, headers: list, columns: dict[str, int]) -> ReadError:
    labels = "、".join(str(headers[i]).strip() for i in columns.values())
    return ReadError(LOOKS_LIKE_MESSAGES[kind], columns=labels)


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


def detect_encoding(path: str | Path, chunk: int = 1 << 16) -> str:
    """utf-8-sig or utf-16 for a BOM (Excel's "Unicode 文本" is UTF-16 with one); else decided by the first block
    holding a non-ASCII byte: utf-8 when it decodes as UTF-8 (64 KB of GBK text never does), else gb18030 (a
    superset of GBK). Bytes further on are checked as the file is read (`_csv_rows`), not in an extra pass over
    the whole file."""
    with open(path, "rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        fh.seek(0)
        while block := fh.read(chunk):
            if block.isascii():
                continue  # ends on a character boundary: the next block starts on one
            for encoding in ("utf-8", "gb18030"):
                try:
                    codecs.getincrementaldecoder(encoding)().decode(block)  # a character cut at the end is kept
                    return encoding
                except UnicodeDecodeError:
                    continue
            raise ReadError(_("The file is neither UTF-8 nor GBK/GB18030 text."))
    return "utf-8"


# -- opening ---------------------------------------------------------------------------------------------

HEADER_SCAN_ROWS = 15
MAX_EMPTY_RUN = 2000  # LibreOffice can write 2^20 empty rows: stop after a long run of them
# Past such a run, rows further down are read when they lie at most this far below (openpyxl holds memory for
# every row it streams past); a table farther down is refused, naming its row.
MAX_BLANK_GAP = 200_000


@dataclass
class _Sheet:
    """One sheet of a workbook (a text file is one sheet without a name) as its reader gives it."""

    name: str
    rows: Iterator[tuple[int, list]]
    estimate: int = 0
    hidden_columns: frozenset = frozenset()
    visible: bool = True
    empty: bool = True
    # After a long run of blank rows: the last row of the sheet that holds a value (an .xlsx sheet, measured
    # exactly then). None: read on (a text file or an .xls, whose blank rows cost nothing to pass).
    last_value_row: Callable[[], int] | None = None


def open_table(path: str | Path, *, required: tuple[str, ...] = ("id_number",), kind: str | None = None) -> Table:
    """Open a .csv/.txt/.xlsx/.xls file: every sheet whose header (the first row naming the required fields)
    is found is read, the others are named as skipped — or refuse the file when one of them holds ID numbers.
    `kind` (register, roster, payments): without the header, a file whose headers make it another kind says so."""
    wanted = kind
    kind = detect_format(path)
    encoding = ""
    if kind == "xlsx":
        sheets, close = _xlsx_rows(path)
    elif kind == "xls":
        sheets, close = _xls_rows(path)
    else:
        encoding = detect_encoding(path)
        sheets, close = _csv_rows(path, encoding, required)
    try:
        table = _assemble(kind, sheets, required, wanted)
    except BaseException:
        close()
        raise
    table.encoding = encoding
    table._close = close
    return table


def _header_error(required, best: tuple[list, dict] | None, wanted: str | None) -> ReadError:
    if best is not None and (kind := looks_like(best[1])) is not None and kind != wanted:
        return looks_like_error(kind, *best)
    labels = "、".join(FIELD_LABELS[name] for name in required)
    return ReadError(_("No header row with the columns %(columns)s was found in the first rows."), columns=labels)


def _find_header(sheet: _Sheet, required):
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


def _assemble(kind: str, sheets: list[_Sheet], required, wanted: str | None = None) -> Table:
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
    table: Table, sheet: _Sheet, cells: list, columns: dict[str, int], *, extend: bool, line: int | None = None
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


def _note_shadowed(table: Table, sheet: _Sheet, cells: list, columns: dict[str, int]) -> None:
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


def _first_undecodable_line(path, encoding: str) -> int:
    """The first physical line that does not decode (the text reader decodes ahead in blocks, so its own position
    is not the line). A newline byte never occurs inside a UTF-8 or GB18030 character: lines split safely."""
    if encoding.startswith("utf-16"):  # two-byte newlines: decode with replacement and find the first one
        with open(path, encoding=encoding, errors="replace", newline="") as fh:
            for number, line in enumerate(fh, start=1):
                if "\ufffd" in line:
                    return number
        return 0
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number
    return 0


def _undecodable(path, encoding: str) -> ReadError:
    return ReadError(
        _("The file is not consistently %(encoding)s text: undecodable bytes near line %(line)s."),
        encoding=encoding.upper().removesuffix("-SIG"),
        line=_first_undecodable_line(path, encoding),
    )


def _csv_rows(path, encoding, required=("id_number",)):
    fh = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by Table.close
    try:
        return [_Sheet("", *_csv_reader(path, encoding, fh, required))], fh.close
    except UnicodeDecodeError as exc:
        fh.close()
        raise _undecodable(path, encoding) from exc
    except BaseException:
        fh.close()
        raise


DELIMITERS = ",\t;|"


def _sniff_delimiter(head: str, required) -> str:
    """The separator under which a row of the first lines is the header (a title line above it has none);
    else the one the first line holds most of."""
    lines = head.splitlines()[:HEADER_SCAN_ROWS]
    best, best_count = "", 0
    for delimiter in DELIMITERS:
        for cells in csv.reader(lines, delimiter=delimiter):
            columns = map_headers(cells)
            if all(name in columns for name in required) and len(columns) > best_count:
                best, best_count = delimiter, len(columns)
                break
    if best:
        return best
    sample = lines[0] if lines else ""
    return max(DELIMITERS, key=sample.count) if sample else ","


def _csv_reader(path, encoding, fh, required):
    head = fh.read(1 << 16)
    fh.seek(0)
    sample = head.split("\n", 1)[0]
    delimiter = _sniff_delimiter(head, required)
    size = Path(path).stat().st_size
    estimate = int(size / max(1, len(sample.encode(encoding, "replace")))) if sample else 0
    if estimate and size > 1 << 16:
        # Estimate from the first rows' average length rather than the header's.
        estimate = int(size / max(1, len(head.encode(encoding, "replace")) / max(1, head.count("\n"))))
    reader = csv.reader(fh, delimiter=delimiter)

    def rows():
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise ReadError(_("The CSV file is malformed near line %(line)s."), line=reader.line_num) from exc
        except UnicodeDecodeError as exc:
            raise _undecodable(path, encoding) from exc

    return rows(), estimate


XLSX_BULK_MAX_XML = 96 * 1024**2  # larger sheets (about half a million rows and more) are streamed
# calamine allocates last row x last column cells (32 bytes each) of every sheet at once: workbooks whose used
# ranges add up to more are streamed.
XLSX_BULK_MAX_AREA = 4_000_000


def _xlsx_rows(path):
    """(sheets, close) for every worksheet: python-calamine in bulk, openpyxl streaming for huge sheets.

    Both yield what openpyxl's values_only rows give: None for an empty cell, str, int/float, bool, and
    date/datetime for date-formatted numbers; line numbers count from the sheet's first row. The workbook's
    bounds are checked first (bounds.py): neither reader is given a file whose used range is beyond the limits,
    and neither is sized by what the file claims.
    """
    from enrollment.files.bounds import check_workbook

    extents = _worksheet_extents(check_workbook(path, "xlsx"))
    if _largest_sheet_xml(path) > XLSX_BULK_MAX_XML or sum(e.area for e in extents) > XLSX_BULK_MAX_AREA:
        return _xlsx_rows_streamed(path, extents)
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_path(str(path))
        metadata = [m for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        hidden = _xlsx_hidden_columns(path)
        if len(metadata) > len(extents):
            raise ReadError(_("The file is not a readable .xlsx workbook."))
        sheets = [
            _calamine_sheet(
                book.get_sheet_by_name(m.name), hidden.get(m.name, frozenset()), _value_probe(path, extent.member)
            )
            for m, extent in zip(metadata, extents, strict=False)
        ]
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(_("The file is not a readable .xlsx workbook.")) from exc
    for sheet, m in zip(sheets, metadata, strict=True):
        sheet.visible = m.visible == SheetVisibleEnum.Visible
    return sheets, book.close


def _calamine_sheet(sheet, hidden_columns, last_value_row) -> _Sheet:
    # iter_rows starts at row 1 but at the first used column: pad the columns left of it, so that positions are
    # the sheet's own (as openpyxl gives them).
    last_row = sheet.end[0] + 1 if sheet.height else 0
    pad = [None] * sheet.start[1] if sheet.height else []

    def rows():
        for line, cells in enumerate(sheet.iter_rows(), start=1):
            if "" in cells:
                cells = [None if c == "" else c for c in cells]
            yield line, pad + cells if pad else cells

    entry = _Sheet(sheet.name or "-", rows(), last_row, hidden_columns)
    entry.last_value_row = last_value_row
    return entry


def _value_probe(path, member: str) -> Callable[[], int]:
    def last_value_row() -> int:
        from enrollment.files.bounds import last_value_row

        return last_value_row(path, member)

    return last_value_row


def _worksheet_extents(bounds) -> list:
    """The measured extents of the worksheets, in workbook order (chart sheets hold no cells to read)."""
    return [extent for extent in bounds.sheets if extent.member.startswith("xl/worksheets/")]


def _largest_sheet_xml(path) -> int:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return max(
                (i.file_size for i in zf.infolist() if i.filename.startswith("xl/worksheets/")),
                default=0,
            )
    except (zipfile.BadZipFile, OSError):
        return 0  # the reader below says what is wrong with the file


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _xlsx_hidden_columns(path) -> dict[str, frozenset[int]]:
    """Sheet name → its hidden columns (0-based), from each sheet's <cols>, which precedes its <sheetData>: only
    the head of each sheet's XML is parsed (neither calamine nor openpyxl's read-only mode tells)."""
    import posixpath
    import zipfile

    from defusedxml.ElementTree import fromstring, iterparse

    result: dict[str, frozenset[int]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            book = fromstring(zf.read("xl/workbook.xml"))
            rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
            for sheet in book.iter(f"{_MAIN}sheet"):
                target = targets.get(sheet.get(f"{_REL}id"), "")
                member = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                hidden: set[int] = set()
                try:
                    with zf.open(member) as fh:
                        for _event, element in iterparse(fh, events=("start",)):
                            if element.tag == f"{_MAIN}col" and element.get("hidden") in ("1", "true"):
                                first, last = int(element.get("min", 1)), int(element.get("max", 1))
                                hidden.update(range(first - 1, min(last, first + 16384)))
                            elif element.tag == f"{_MAIN}sheetData":
                                break
                except KeyError:
                    continue
                if hidden:
                    result[sheet.get("name", "")] = frozenset(hidden)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError):
        return {}  # the workbook reader says what is wrong with the file
    return result


def _xlsx_rows_streamed(path, extents):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ReadError(_("The file is not a readable .xlsx workbook.")) from exc
    hidden = _xlsx_hidden_columns(path)
    if len(wb.worksheets) > len(extents):
        wb.close()
        raise ReadError(_("The file is not a readable .xlsx workbook."))
    sheets = []
    for ws, extent in zip(wb.worksheets, extents, strict=False):

        def rows(ws=ws, extent=extent):
            if not extent.rows:
                return  # openpyxl would take 0 for "up to the declared dimension"
            # The used range measured, never the sheet's <dimension>: rows are padded to the last used column.
            cells_by_row = ws.iter_rows(max_row=extent.rows, max_col=max(1, extent.columns), values_only=True)
            for line, cells in enumerate(cells_by_row, start=1):
                yield line, list(cells)

        sheet = _Sheet(ws.title, rows(), extent.rows, hidden.get(ws.title, frozenset()))
        sheet.last_value_row = _value_probe(path, extent.member)
        sheet.visible = ws.sheet_state == "visible"
        sheets.append(sheet)
    return sheets, wb.close


def _xls_rows(path):
    import xlrd

    from enrollment.files.bounds import check_xls_size, xls_bounds

    check_xls_size(Path(path).stat().st_size)
    try:
        # formatting_info: the column records, which tell hidden columns (blank formatted cells come as blanks);
        # ragged_rows: a row is as long as its own last cell, never padded to the widest row of the sheet.
        book = xlrd.open_workbook(path, on_demand=True, formatting_info=True, ragged_rows=True)
    except Exception as exc:
        raise ReadError(_("The file is not a readable .xls workbook.")) from exc
    try:
        xls_bounds(book)  # from the sheets' records, before xlrd builds any sheet
    except BaseException:
        book.release_resources()
        raise
    sheets = []
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)

        def rows(sheet=sheet):
            for r in range(sheet.nrows):
                cells = []
                for cell in sheet.row(r):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        cells.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        cells.append(None)
                    else:
                        cells.append(cell.value)
                yield r + 1, cells

        hidden = frozenset(c for c, info in sheet.colinfo_map.items() if info.hidden)
        entry = _Sheet(sheet.name, rows(), sheet.nrows, hidden)
        entry.visible = sheet.visibility == 0
        sheets.append(entry)
    return sheets, book.release_resources


# -- cell values -----------------------------------------------------------------------------------------

_TIME = r"(?:[ T]?\d{1,2}[:时]\d{2}(?:[:分]\d{2}(?:\.\d+)?秒?)?)?"  # a time after the date is not part of it
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?" + _TIME + "$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
# Month-only dates (some rosters): 2023年09月, 2023年9月, 2023.09, 2023-09, 2023/9 — read as the 1st (`is_month_only`).
_MONTH_ONLY = re.compile(r"^(\d{4})(?:年(\d{1,2})月份?|[-/.](\d{1,2}))$")
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def text(value) -> str:
    """A cell as trimmed text (numbers without a spurious .0)."""
    if value.__class__ is str:  # a CSV cell: the common case, a million times per file
        value = value.strip()
        return value.replace("\u3000", " ").strip() if "\u3000" in value else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()[:10]
    return str(value).strip().replace("\u3000", " ").strip()


def parse_date(value) -> datetime.date | None:
    """2023-09-01, 2023/9/1, 2023.9.1, 2023年9月1日, 20230901, an Excel serial number or a cell date.

    None for an empty cell; ValueError for anything else.
    """
    if value is None or value == "":
        return None
    if value.__class__ is str:
        return _parse_date_text(value)  # a file repeats its dates: parsed once each
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _date_from_number(value)
    return _parse_date_text(str(value))


_SPACE_RUN = re.compile(r"\s+")
_SPACE_AROUND_SEPARATOR = re.compile(r"\s*([年月日/.-])\s*")
_SERIAL = re.compile(r"\d{1,5}(\.0+)?")


@lru_cache(maxsize=4096)
def _parse_date_text(value: str) -> datetime.date | None:
    """parse_date for text; cached (a ValueError is raised again each time, never cached)."""
    s = _SPACE_RUN.sub(" ", unicodedata.normalize("NFKC", value).strip())
    s = _SPACE_AROUND_SEPARATOR.sub(r"\1", s)
    if not s:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    m = _MONTH_ONLY.match(s)
    if m:
        return datetime.date(int(m[1]), int(m[2] or m[3]), 1)
    if _SERIAL.fullmatch(s):
        return _date_from_number(float(s))
    raise ValueError(s)


def is_month_only(value) -> bool:
    """A date cell that names a month only (parse_date reads it as the 1st; the importers warn)."""
    if value.__class__ is not str:
        return False
    s = _SPACE_AROUND_SEPARATOR.sub(r"\1", _SPACE_RUN.sub(" ", unicodedata.normalize("NFKC", value).strip()))
    return bool(_MONTH_ONLY.match(s))


_DAMAGED_NAME = re.compile("[?\ufffd]")


def name_damaged(name: str) -> bool:
    """A name holding "?" or U+FFFD: a rare character an export could not encode (GBK has no 䶮, 𠮷 …)."""
    return bool(_DAMAGED_NAME.search(unicodedata.normalize("NFKC", name))) if name else False


def _date_from_number(number) -> datetime.date:
    if 19000101 <= number <= 29991231 and float(number).is_integer():
        n = int(number)
        return datetime.date(n // 10000, n // 100 % 100, n % 100)
    if 1 <= number < 2958466:
        # Excel's serial day numbers (1900 date system, counting its phantom 1900-02-29).
        return EXCEL_EPOCH + datetime.timedelta(days=int(number))
    raise ValueError(number)


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d{1,2}")
_CURRENCY = re.compile(r"^(RMB|CNY)|(RMB|CNY)$", re.IGNORECASE)


def parse_amount(value) -> Decimal:
    """Money in yuan: 380, 380.00, ￥380, 380元, 1,380.5, full-width digits, -380 (a refund); Decimal, never float
    arithmetic.

    A comma is read only where it cannot mean two things: thousands separators in groups of three ("1,140.00",
    "1,140"), or a decimal comma before one or two digits ("380,00" = 380.00, as a European-locale export writes
    it). Any other comma ("38,0000", "1,14,0", "1,140,5") is a ValueError, never a guess.
    """
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    s = str(value or "")
    if not s.isascii():  # full-width digits, ￥, 元
        s = unicodedata.normalize("NFKC", s).replace("¥", "").replace("元", "")
    s = s.strip()
    if s[-3:].isalpha() or s[:3].isalpha():
        s = _CURRENCY.sub("", s).strip()
    if "," in s:
        if _THOUSANDS.fullmatch(s):
            s = s.replace(",", "")
        elif _DECIMAL_COMMA.fullmatch(s):
            s = s.replace(",", ".")
        else:
            raise ValueError(value)
    if not s:
        raise ValueError(value)
    try:
        amount = Decimal(s)
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not amount.is_finite():
        raise ValueError(value)
    return amount


@dataclass(frozen=True)
class TierChoice:
    """A tier of a policy as a payment file may name it: its number, its name (一档), its standards."""

    number: int
    name: str = ""
    standard: Decimal | None = None
    student_standard: Decimal | None = None

    def standards(self) -> tuple[Decimal, ...]:
        return tuple(s for s in (self.standard, self.student_standard) if s is not None)


class TierError(ValueError):
    """A 档次 cell that names no tier: `code` is "unreadable", "unknown" (not a tier of the policy), "ambiguous"
    (a standard two tiers share) or "standard" (the amount in brackets is not the tier's standard)."""

    def __init__(self, code: str, value):
        super().__init__(value)
        self.code = code


_CN_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TIER_ORDINAL = re.compile(r"第?(\d{1,2}|十?[一二两三四五六七八九]|十)(档次|档|级)?")
_BRACKETED = re.compile(r"[(\[【]([^)\]】]*)[)\]】]")
MAX_TIER = 20


def _ordinal(s: str) -> int | None:
    m = _TIER_ORDINAL.fullmatch(s)
    if not m:
        return None
    digits = m[1]
    if digits.isdigit():
        return int(digits)
    if digits == "十":
        return 10
    return (10 if digits.startswith("十") else 0) + _CN_NUMERALS[digits[-1]]


def parse_tier(value, tiers: tuple[TierChoice, ...] | None) -> int:
    """The tier number a 档次 cell names, checked against the policy's tiers (None: no policy known, any tier from
    1 to 20 by number or ordinal is taken).

    Read as notices and tax exports write it: 1, 一档, 第一档, 第1档, 1档, 一档（350元）, the tier's own name, or its
    standard (350 → the tier whose personal or students' standard is 350). An amount in brackets must be that
    tier's standard. Raises TierError.
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text(value)))
    if not s:
        raise TierError("unreadable", value)
    for tier in tiers or ():
        if tier.name and label_key(tier.name) == s:
            return tier.number
    bracket = _BRACKETED.search(s)
    core = _BRACKETED.sub("", s) if bracket else s
    number = _ordinal(core.removesuffix(".0"))
    named = next((t.number for t in tiers or () if t.name and label_key(t.name) == core), None)
    if named is not None:
        number = named
    if number is None:
        try:
            amount = parse_amount(core)
        except ValueError:
            raise TierError("unreadable", value) from None
        fits = [t.number for t in tiers or () if amount in t.standards()]
        if len(fits) > 1:
            raise TierError("ambiguous", value)
        if not fits:
            raise TierError("unknown" if tiers else "unreadable", value)
        number = fits[0]
    if tiers is None:
        if not 1 <= number <= MAX_TIER:
            raise TierError("unreadable", value)
        return number
    tier = next((t for t in tiers if t.number == number), None)
    if tier is None:
        raise TierError("unknown", value)
    if bracket:
        inner = re.sub(r"(/|每)?人$", "", bracket[1])
        try:
            stated = parse_amount(inner)
        except ValueError:
            stated = None
        if stated is not None and stated not in tier.standards():
            raise TierError("standard", value)
    return number


def tiers_fitting(amount: Decimal, explained: dict[int, frozenset[Decimal]]) -> list[int]:
    """The tiers whose standards or dues (`explained`: tier number → the amounts a person pays in it) include the
    amount (a refund's by its size): how a payment without a 档次 column is given its tier."""
    size = abs(amount)
    return sorted(number for number, amounts in explained.items() if size in amounts)


def parse_int(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    s = unicodedata.normalize("NFKC", str(value or "")).strip()
    s = re.sub(r"^第|[档年度]+$", "", s)
    s = s.removesuffix(".0")
    if not s.isdigit():
        raise ValueError(value)
    return int(s)


_TRUE = {"是", "1", "Y", "y", "yes", "true", "True", "√", "学生"}


def parse_bool(value) -> bool:
    return text(value) in _TRUE


def label_key(value) -> str:
    """A category, township or village label compared without spaces and full-width/half-width differences."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))
