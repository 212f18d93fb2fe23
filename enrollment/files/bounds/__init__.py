"""Bounds on a workbook, checked before any reader allocates memory for it (issue 21).

A reader sized by what a file claims can be made to allocate without limit: python-calamine materialises the
rectangle from the first to the farthest cell holding a value (a 1.5 KB .xlsx with values in A1 and XFD1048576
asks for 512 GiB), openpyxl pads every row to the sheet's declared `<dimension>`, xlrd pads every row to the
widest one. `check_workbook(path)` measures what a workbook really holds and refuses it, naming the limit, when
any measure exceeds its limit in settings (`WORKBOOK_MAX_*`, environment-overridable):

- the zip: number of members, every member's declared inflated size, their total and the inflate ratio; every
  XML member is then inflated in a stream, so its actual size is counted (and its CRC checked) before a reader
  sees it, and no entity declaration (billion laughs) is let through;
- every worksheet: the declared `<dimension>` (never used to size anything, refused only when beyond the
  format itself), and the actual used range of the cells holding a value: last row, last column, the number of
  cells and the area rows x columns. Empty cells (styled or not) and empty rows, as LibreOffice writes a million
  of them, cost no reader anything and are not counted in the used range; merged ranges are never expanded by
  our readers and are not counted either;
- the shared strings: their number;
- .xls: the file's size, and the same used-range measures from its cell records (BIFF8), read from xlrd's copy
  of the workbook stream before xlrd builds the sheet.

The sheet XML is scanned in one streamed pass at C speed for files as Excel, WPS, LibreOffice and openpyxl write
them (every cell starts `<c r="A1"`, in order): per block, one regular expression finds any cell that is not in
that form or lies beyond the block's last cell. Anything else (cells without `r`, namespace prefixes, rows out
of order, comments) is scanned again by expat, which resolves everything a reader would.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from enrollment.files.bounds.limits import (
    DEFAULTS,
    BoundsError,
    DamagedWorkbook,
    SheetExtent,
    WorkbookBounds,
    limit,
)
from enrollment.files.bounds.xls import check_xls, check_xls_size, xls_bounds
from enrollment.files.bounds.xlsx import check_xlsx, last_value_row

__all__ = [
    "DEFAULTS",
    "BoundsError",
    "DamagedWorkbook",
    "SheetExtent",
    "WorkbookBounds",
    "check_workbook",
    "check_xls",
    "check_xls_size",
    "check_xlsx",
    "last_value_row",
    "limit",
    "xls_bounds",
]


def check_workbook(source, kind: str | None = None) -> WorkbookBounds:
    """The bounds of an .xlsx or .xls (a path or a binary file object), or BoundsError naming the limit exceeded.

    A file on disk is measured once per process (the upload check and the reader of one job both ask).
    """
    if kind is None:
        kind = _kind(source)
    if kind not in ("xlsx", "xls"):
        return WorkbookBounds(format=kind)
    key = None
    if isinstance(source, (str, Path)):
        # By content: the upload page's temporary file and the job's stored copy are measured once.
        with open(source, "rb") as fh:
            digest = hashlib.file_digest(fh, "blake2b").hexdigest()
        key = (digest, tuple(limit(name) for name in DEFAULTS))
        if key in _measured:
            return _measured[key]
    bounds = check_xlsx(source) if kind == "xlsx" else check_xls(source)
    if key is not None:
        if len(_measured) >= 16:
            _measured.pop(next(iter(_measured)))
        _measured[key] = bounds
    return bounds


_measured: dict[tuple, WorkbookBounds] = {}


def _kind(source) -> str:
    if isinstance(source, (str, Path)):
        with open(source, "rb") as fh:
            head = fh.read(8)
    else:
        position = source.tell()
        head = source.read(8)
        source.seek(position)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    return "csv"
