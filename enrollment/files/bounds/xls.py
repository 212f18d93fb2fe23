""".xls bounds (BIFF8): the file's size, and each sheet's used range counted from its cell records in xlrd's
copy of the workbook stream, before xlrd builds the sheet."""

from __future__ import annotations

import struct
from pathlib import Path

from enrollment.files.bounds.limits import (
    XLS_MAX_COLUMNS,
    XLS_MAX_ROWS,
    BoundsError,
    DamagedWorkbook,
    SheetExtent,
    WorkbookBounds,
    _mb,
    _refuse_count,
    check_extent,
    limit,
)
from enrollment.idnumbers import _

# BIFF8 cell records holding a value: (record type, has a column range).
_XLS_VALUE_RECORDS = {0x0006: False, 0x00FD: False, 0x0203: False, 0x027E: False, 0x0205: False, 0x0204: False,
                      0x00D6: False, 0x00BD: True}  # fmt: skip
_XLS_DIMENSIONS = 0x0200
_XLS_EOF = 0x000A
_XLS_BLANKS = (0x0201, 0x00BE)


def check_xls_size(size: int) -> None:
    if size > limit("WORKBOOK_XLS_MAX_BYTES"):
        raise BoundsError(
            _("The .xls workbook is %(size)s MB, more than the %(limit)s MB allowed; save it as .xlsx."),
            size=_mb(size),
            limit=_mb(limit("WORKBOOK_XLS_MAX_BYTES")),
        )


def check_xls(source) -> WorkbookBounds:
    """Bounds of every sheet of an .xls, read by xlrd's parser of the container but before any sheet is built."""
    import xlrd

    size = Path(source).stat().st_size if isinstance(source, (str, Path)) else len(source.getbuffer())
    check_xls_size(size)
    try:
        if isinstance(source, (str, Path)):
            book = xlrd.open_workbook(str(source), on_demand=True, ragged_rows=True)
        else:
            book = xlrd.open_workbook(file_contents=source.getvalue(), on_demand=True, ragged_rows=True)
    except Exception as exc:
        raise DamagedWorkbook(_("The file is not a readable .xls workbook.")) from exc
    try:
        return xls_bounds(book)
    finally:
        book.release_resources()


def xls_bounds(book) -> WorkbookBounds:
    """The bounds of an xlrd Book opened with on_demand=True, from its sheets' records (nothing is built)."""
    bounds = WorkbookBounds(format="xls")
    mem = book.mem
    for position in book._sh_abs_posn:
        extent = SheetExtent(member=f"sheet@{position}")
        _scan_biff(mem, position, extent)
        check_extent(extent, XLS_MAX_ROWS, XLS_MAX_COLUMNS)
        bounds.sheets.append(extent)
    return bounds


def _scan_biff(mem, position: int, extent: SheetExtent) -> None:
    unpack = struct.unpack_from
    end = len(mem)
    pos = position
    depth = 0
    max_cells = limit("WORKBOOK_MAX_CELLS")
    while pos + 4 <= end:
        rc, length = unpack("<HH", mem, pos)
        data = pos + 4
        pos = data + length
        if rc == 0x0809:  # BOF: nested substreams (charts) end with their own EOF
            depth += 1
            continue
        if rc == _XLS_EOF:
            depth -= 1
            if depth <= 0:
                break
            continue
        if depth > 1:
            continue
        kind = _XLS_VALUE_RECORDS.get(rc)
        if kind is None:
            if rc == _XLS_DIMENSIONS and length >= 14:
                _first_row, last_row, _first_col, last_col = unpack("<IIHH", mem, data)
                extent.declared = (last_row, last_col)
            elif rc in _XLS_BLANKS:
                extent.cells += 1
            continue
        if length < 4:
            continue
        row, col = unpack("<HH", mem, data)
        if kind:  # MULRK: first column, ..., last column in the last two bytes
            last = unpack("<H", mem, pos - 2)[0] if length >= 6 else col
            extent.cells += max(1, last - col + 1)
            col = last
        else:
            extent.cells += 1
        if extent.cells > max_cells:
            raise _refuse_count(
                _("A sheet holds more than %(limit)s cells (%(value)s counted so far)."),
                extent.cells,
                "WORKBOOK_MAX_CELLS",
            )
        if row + 1 > extent.rows:
            extent.rows = row + 1
        if col + 1 > extent.columns:
            extent.columns = col + 1
