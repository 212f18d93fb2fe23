""".xlsx workbooks: every worksheet read in bulk by python-calamine, or streamed by openpyxl when a sheet is
huge, within the used range bounds/ measured; hidden sheets and columns are told."""

from __future__ import annotations

from collections.abc import Callable

from enrollment.files.errors import ReadError
from enrollment.files.sheets import Sheet
from enrollment.idnumbers import _

XLSX_BULK_MAX_XML = 96 * 1024**2  # larger sheets (about half a million rows and more) are streamed
# calamine allocates last row x last column cells (32 bytes each) of every sheet at once: workbooks whose used
# ranges add up to more are streamed.
XLSX_BULK_MAX_AREA = 4_000_000


def xlsx_sheets(path):
    """(sheets, close) for every worksheet: python-calamine in bulk, openpyxl streaming for huge sheets.

    Both yield what openpyxl's values_only rows give: None for an empty cell, str, int/float, bool, and
    date/datetime for date-formatted numbers; line numbers count from the sheet's first row. The workbook's
    bounds are checked first (bounds/): neither reader is given a file whose used range is beyond the limits,
    and neither is sized by what the file claims.
    """
    from enrollment.files.bounds import check_workbook

    extents = _worksheet_extents(check_workbook(path, "xlsx"))
    if _largest_sheet_xml(path) > XLSX_BULK_MAX_XML or sum(e.area for e in extents) > XLSX_BULK_MAX_AREA:
        return xlsx_sheets_streamed(path, extents)
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


def _calamine_sheet(sheet, hidden_columns, last_value_row) -> Sheet:
    # iter_rows starts at row 1 but at the first used column: pad the columns left of it, so that positions are
    # the sheet's own (as openpyxl gives them).
    last_row = sheet.end[0] + 1 if sheet.height else 0
    pad = [None] * sheet.start[1] if sheet.height else []

    def rows():
        for line, cells in enumerate(sheet.iter_rows(), start=1):
            if "" in cells:
                cells = [None if c == "" else c for c in cells]
            yield line, pad + cells if pad else cells

    entry = Sheet(sheet.name or "-", rows(), last_row, hidden_columns)
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


def xlsx_sheets_streamed(path, extents):
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

        sheet = Sheet(ws.title, rows(), extent.rows, hidden.get(ws.title, frozenset()))
        sheet.last_value_row = _value_probe(path, extent.member)
        sheet.visible = ws.sheet_state == "visible"
        sheets.append(sheet)
    return sheets, wb.close
