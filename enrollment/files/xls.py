""".xls workbooks (BIFF8, at most 65,536 rows): read whole by xlrd after bounds/ measured the sheets."""

from __future__ import annotations

from pathlib import Path

from enrollment.files.errors import ReadError
from enrollment.files.sheets import Sheet
from enrollment.idnumbers import _


def xls_sheets(path):
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
        entry = Sheet(sheet.name, rows(), sheet.nrows, hidden)
        entry.visible = sheet.visibility == 0
        sheets.append(entry)
    return sheets, book.release_resources
