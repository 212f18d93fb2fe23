"""The limits a workbook is measured against (settings `WORKBOOK_MAX_*`), what a measure finds, and the
refusal naming the limit a sheet's used range exceeds."""

from __future__ import annotations

from dataclasses import dataclass, field

from enrollment.files.errors import ReadError
from enrollment.idnumbers import _

# Defaults of the settings of the same names (config/settings/base.py reads them from the environment).
DEFAULTS = {
    "WORKBOOK_MAX_ROWS": 1_048_576,  # the last row holding a value (Excel's own maximum)
    "WORKBOOK_MAX_COLUMNS": 1_024,  # the last column holding a value (AMJ)
    "WORKBOOK_MAX_CELLS": 30_000_000,  # cells in one sheet, empty styled ones included
    "WORKBOOK_MAX_AREA": 30_000_000,  # last row x last column holding a value
    "WORKBOOK_MAX_STRINGS": 10_000_000,  # shared strings of an .xlsx
    "WORKBOOK_MAX_UNCOMPRESSED": 2 * 1024**3,  # all members of an .xlsx, inflated
    "WORKBOOK_MAX_MEMBER": 256 * 1024**2,  # one XML member other than a worksheet, inflated
    "WORKBOOK_MAX_RATIO": 200,  # inflated / compressed: real workbooks inflate 5-30x
    "WORKBOOK_MAX_MEMBERS": 10_000,  # files inside an .xlsx
    "WORKBOOK_XLS_MAX_BYTES": 100 * 1024**2,  # an .xls is read into memory whole
}
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
XLS_MAX_ROWS = 65_536
XLS_MAX_COLUMNS = 256
CHUNK = 1 << 20


def limit(name: str) -> int:
    try:
        from django.conf import settings

        return int(getattr(settings, name, DEFAULTS[name]))
    except ImportError:  # pragma: no cover - Django is always installed here
        return DEFAULTS[name]


class BoundsError(ReadError):
    """A workbook refused before reading: the message names the measure and its limit."""


class DamagedWorkbook(BoundsError):
    """Not a readable workbook at all (a broken zip, XML that does not parse)."""


@dataclass
class SheetExtent:
    """What one worksheet really holds: the used range of its cells with a value (1-based, 0 when empty)."""

    member: str = ""
    rows: int = 0
    columns: int = 0
    cells: int = 0  # cell elements, empty ones included (an upper bound of the cells with a value)
    declared: tuple[int, int] | None = None  # (rows, columns) of <dimension>, as claimed
    exact: bool = False  # scanned by expat rather than the fast path
    inflated: int = 0  # bytes of its XML

    @property
    def area(self) -> int:
        return self.rows * self.columns


@dataclass
class WorkbookBounds:
    format: str
    sheets: list[SheetExtent] = field(default_factory=list)  # in workbook order
    strings: int = 0
    inflated: int = 0

    def sheet(self, index: int) -> SheetExtent:
        return self.sheets[index] if index < len(self.sheets) else SheetExtent()


def _mb(n: int) -> str:
    return f"{n / 1024**2:,.1f}"


def _refuse_count(msgid: str, value: int, name: str) -> BoundsError:
    return BoundsError(msgid, value=f"{value:,}", limit=f"{limit(name):,}")


def _column_label(n: int) -> str:
    label = ""
    while n:
        n, r = divmod(n - 1, 26)
        label = chr(65 + r) + label
    return label


def check_extent(extent: SheetExtent, max_rows: int, max_columns: int) -> None:
    if extent.declared and (extent.declared[0] > max_rows or extent.declared[1] > max_columns):
        raise BoundsError(
            _("The sheet claims a range (<dimension>) beyond the format's %(rows)s rows and %(columns)s columns."),
            rows=f"{max_rows:,}",
            columns=f"{max_columns:,}",
        )
    if extent.rows > limit("WORKBOOK_MAX_ROWS"):
        raise _refuse_count(
            _("A sheet has values down to row %(value)s, beyond the %(limit)s rows allowed."),
            extent.rows,
            "WORKBOOK_MAX_ROWS",
        )
    if extent.columns > limit("WORKBOOK_MAX_COLUMNS"):
        raise BoundsError(
            _("A sheet has values as far right as column %(value)s (number %(number)s), beyond %(limit)s columns."),
            value=_column_label(extent.columns),
            number=f"{extent.columns:,}",
            limit=f"{limit('WORKBOOK_MAX_COLUMNS'):,}",
        )
    if extent.cells > limit("WORKBOOK_MAX_CELLS"):
        raise _refuse_count(
            _("A sheet holds %(value)s cells, more than the %(limit)s allowed."), extent.cells, "WORKBOOK_MAX_CELLS"
        )
    if extent.area > limit("WORKBOOK_MAX_AREA"):
        raise BoundsError(
            _(
                "A sheet's values span %(rows)s rows by %(columns)s columns (%(value)s cells), more than the "
                "%(limit)s cells allowed."
            ),
            rows=f"{extent.rows:,}",
            columns=f"{extent.columns:,}",
            value=f"{extent.area:,}",
            limit=f"{limit('WORKBOOK_MAX_AREA'):,}",
        )
