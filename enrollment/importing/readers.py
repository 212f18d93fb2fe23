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
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from enrollment.idnumbers import _, translate

# Field → accepted header labels (compared after `header_key`: NFKC, no spaces, no required-marks).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号码", "公民身份号码", "身份证号", "证件号码", "证件号", "身份证", "身份证件号码"),
    "name": ("姓名", "人员姓名", "参保人姓名"),
    "category": ("人员类别", "资助类别", "身份类别", "类别", "人员类型"),
    "township": ("乡镇", "乡镇（街道）", "乡镇街道", "街道", "乡镇/街道", "所属乡镇"),
    "village": ("村", "村（社区）", "村社区", "社区", "村/社区", "村(居)", "所属村"),
    "valid_from": ("认定日期", "认定时间", "起始日期", "开始日期"),
    "valid_to": ("终止日期", "退出日期", "结束日期"),
    "household": ("户号", "户编号"),
    "relation": ("与户主关系", "与户主的关系"),
    "group": ("分组", "人员分组", "所属单位"),
    "student": ("是否学生", "学生"),
    "year": ("缴费年度", "年度"),
    "amount": ("缴费金额", "金额"),
    "paid_on": ("缴费日期", "缴费时间"),
    "tier": ("档次", "缴费档次"),
    "channel": ("缴费渠道", "渠道"),
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
}

_HEADER_NOISE = re.compile(r"[\s*＊:：]+")


def header_key(label) -> str:
    """A header cell compared without spaces, required-marks, or full-width/half-width differences."""
    if label is None:
        return ""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", str(label)))


_ALIAS_INDEX = {header_key(alias): name for name, aliases in FIELD_ALIASES.items() for alias in aliases}


class ReadError(Exception):
    """A file that cannot be read as a table; the message says why, in the user's language."""

    def __init__(self, msgid: str, **params):
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        return translate(self.msgid) % self.params if self.params else translate(self.msgid)


@dataclass
class Table:
    """An open file: its header row, the field → column map, and a row iterator."""

    format: str  # "csv", "xlsx", "xls"
    headers: list[str]
    columns: dict[str, int]
    header_line: int
    encoding: str = ""
    estimated_rows: int = 0
    _rows: Iterator[tuple[int, list]] | None = field(default=None, repr=False)
    _close: object = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list]]:
        """(line number as the user sees it, cell values) for every non-empty row below the header."""
        assert self._rows is not None
        return self._rows

    def close(self) -> None:
        if callable(self._close):
            self._close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def map_headers(headers: list) -> dict[str, int]:
    """Field → column index for the recognised headers; the first column wins when two map to one field."""
    columns: dict[str, int] = {}
    for index, label in enumerate(headers):
        name = _ALIAS_INDEX.get(header_key(label))
        if name and name not in columns:
            columns[name] = index
    return columns


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
    """utf-8-sig for a BOM; else decided by the first block holding a non-ASCII byte: utf-8 when it decodes as
    UTF-8 (64 KB of GBK text never does), else gb18030 (a superset of GBK). Bytes further on are checked as the
    file is read (`_csv_rows`), not in an extra pass over the whole file."""
    with open(path, "rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
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


def open_table(path: str | Path, *, required: tuple[str, ...] = ("id_number",)) -> Table:
    """Open a .csv/.xlsx/.xls file and find its header row (the first row naming the required fields)."""
    kind = detect_format(path)
    if kind == "xlsx":
        rows, close, estimate = _xlsx_rows(path)
        encoding = ""
    elif kind == "xls":
        rows, close, estimate = _xls_rows(path)
        encoding = ""
    else:
        encoding = detect_encoding(path)
        rows, close, estimate = _csv_rows(path, encoding)
    try:
        header_line, headers, columns = _find_header(rows, required)
    except BaseException:
        close()
        raise
    return Table(
        format=kind,
        headers=[("" if h is None else str(h).strip()) for h in headers],
        columns=columns,
        header_line=header_line,
        encoding=encoding,
        estimated_rows=max(0, estimate - header_line),
        _rows=_skip_empty(rows),
        _close=close,
    )


def _find_header(rows, required):
    for line, cells in rows:
        columns = map_headers(cells)
        if all(name in columns for name in required):
            return line, list(cells), columns
        if line >= HEADER_SCAN_ROWS:
            break
    labels = "、".join(FIELD_LABELS[name] for name in required)
    raise ReadError(_("No header row with the columns %(columns)s was found in the first rows."), columns=labels)


def _skip_empty(rows):
    empty_run = 0
    for line, cells in rows:
        # The first cell (usually the ID number) settles almost every row without scanning the others.
        if (cells and cells[0] is not None and cells[0] != "") or any(c is not None and c != "" for c in cells):
            empty_run = 0
            yield line, cells
        else:
            empty_run += 1
            if empty_run > MAX_EMPTY_RUN:
                return


def _first_undecodable_line(path, encoding: str) -> int:
    """The first physical line that does not decode (the text reader decodes ahead in blocks, so its own position
    is not the line). A newline byte never occurs inside a UTF-8 or GB18030 character: lines split safely."""
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


def _csv_rows(path, encoding):
    fh = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by Table.close
    try:
        return _csv_reader(path, encoding, fh)
    except UnicodeDecodeError as exc:
        fh.close()
        raise _undecodable(path, encoding) from exc


def _csv_reader(path, encoding, fh):
    sample = fh.readline()
    delimiter = max(",\t;|", key=sample.count) if sample else ","
    fh.seek(0)
    size = Path(path).stat().st_size
    estimate = int(size / max(1, len(sample.encode(encoding, "replace")))) if sample else 0
    if estimate and size > 1 << 16:
        # Estimate from the first rows' average length rather than the header's.
        head = fh.read(1 << 16)
        estimate = int(size / max(1, len(head.encode(encoding, "replace")) / max(1, head.count("\n"))))
        fh.seek(0)
    reader = csv.reader(fh, delimiter=delimiter)

    def rows():
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise ReadError(_("The CSV file is malformed near line %(line)s."), line=reader.line_num) from exc
        except UnicodeDecodeError as exc:
            raise _undecodable(path, encoding) from exc

    return rows(), fh.close, estimate


XLSX_BULK_MAX_XML = 96 * 1024**2  # larger sheets (about half a million rows and more) are streamed
# calamine allocates last row x last column cells (32 bytes each) at once: larger used ranges are streamed.
XLSX_BULK_MAX_AREA = 4_000_000


def _xlsx_rows(path):
    """(rows, close, estimate) for the first sheet: python-calamine in bulk, openpyxl streaming for huge sheets.

    Both yield what openpyxl's values_only rows give: None for an empty cell, str, int/float, bool, and
    date/datetime for date-formatted numbers; line numbers count from the sheet's first row. The workbook's
    bounds are checked first (bounds.py): neither reader is given a file whose used range is beyond the limits,
    and neither is sized by what the file claims.
    """
    from .bounds import check_workbook

    extent = check_workbook(path, "xlsx").sheet(0)
    if _largest_sheet_xml(path) > XLSX_BULK_MAX_XML or extent.area > XLSX_BULK_MAX_AREA:
        return _xlsx_rows_streamed(path, extent)
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
    except Exception as exc:
        raise ReadError(_("The file is not a readable .xlsx workbook.")) from exc
    # iter_rows starts at row 1 but at the first used column: pad the columns left of it, so that positions are
    # the sheet's own (as openpyxl gives them).
    last_row = sheet.end[0] + 1 if sheet.height else 0
    pad = [None] * sheet.start[1] if sheet.height else []

    def rows():
        for line, cells in enumerate(sheet.iter_rows(), start=1):
            if "" in cells:
                cells = [None if c == "" else c for c in cells]
            yield line, pad + cells if pad else cells

    return rows(), book.close, last_row


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


def _xlsx_rows_streamed(path, extent):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ReadError(_("The file is not a readable .xlsx workbook.")) from exc
    ws = wb.worksheets[0]
    estimate = extent.rows

    def rows():
        if not extent.rows:
            return  # openpyxl would take 0 for "up to the declared dimension"
        # The used range measured, never the sheet's <dimension>: rows are padded to the last used column only.
        cells_by_row = ws.iter_rows(max_row=extent.rows, max_col=max(1, extent.columns), values_only=True)
        for line, cells in enumerate(cells_by_row, start=1):
            yield line, list(cells)

    return rows(), wb.close, estimate


def _xls_rows(path):
    import xlrd

    from .bounds import check_xls_size, xls_bounds

    check_xls_size(Path(path).stat().st_size)
    try:
        # ragged_rows: a row is as long as its own last cell, never padded to the widest row of the sheet.
        book = xlrd.open_workbook(path, on_demand=True, ragged_rows=True)
    except Exception as exc:
        raise ReadError(_("The file is not a readable .xls workbook.")) from exc
    try:
        xls_bounds(book)  # from the sheets' records, before xlrd builds any sheet
        sheet = book.sheet_by_index(0)
    except BaseException:
        book.release_resources()
        raise

    def rows():
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

    return rows(), book.release_resources, sheet.nrows


# -- cell values -----------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
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
    if _SERIAL.fullmatch(s):
        return _date_from_number(float(s))
    raise ValueError(s)


def _date_from_number(number) -> datetime.date:
    if 19000101 <= number <= 29991231 and float(number).is_integer():
        n = int(number)
        return datetime.date(n // 10000, n // 100 % 100, n % 100)
    if 1 <= number < 2958466:
        # Excel's serial day numbers (1900 date system, counting its phantom 1900-02-29).
        return EXCEL_EPOCH + datetime.timedelta(days=int(number))
    raise ValueError(number)


def parse_amount(value) -> Decimal:
    """Money in yuan: 380, 380.00, ￥380, 1,380.5 (Decimal, never float arithmetic)."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    s = unicodedata.normalize("NFKC", str(value or "")).strip()
    s = s.replace(",", "").replace("¥", "").replace("￥", "").replace("元", "").strip()
    if not s:
        raise ValueError(value)
    try:
        amount = Decimal(s)
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not amount.is_finite():
        raise ValueError(value)
    return amount


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
