"""Helpers that write real upload files for the import tests (bytes on disk, real openpyxl workbooks)."""

import datetime

import openpyxl

from tests.builders.idnumbers import id_number


def person_id(k: int, area: str = "620721") -> str:
    """A valid ID number of `area` for person k (born k × 37 days after 1950-01-01)."""
    return id_number(k, area=area, born=datetime.date(1950, 1, 1) + datetime.timedelta(days=k * 37))


def write_csv(path, rows, *, encoding="utf-8", bom=False):
    text = "\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_xlsx(path, rows, *, text_columns=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if c - 1 in text_columns:
                cell.number_format = "@"
    wb.save(path)
    return path


def write_workbook(path, sheets, *, hidden_columns=None, hidden_rows=None, merged=None):
    """A workbook with one sheet per entry of `sheets` (name → rows), every cell stored as text where it is a
    string (as a clerk's ID column is); `hidden_columns`/`hidden_rows`: name → column letters / row numbers;
    `merged`: name → ranges such as "A1:G1" (a title over the table)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.number_format = "@"
        for letter in (hidden_columns or {}).get(name, ()):
            ws.column_dimensions[letter].hidden = True
        for number in (hidden_rows or {}).get(name, ()):
            ws.row_dimensions[number].hidden = True
        for cells in (merged or {}).get(name, ()):
            ws.merge_cells(cells)
    wb.save(path)
    return path


def civil_affairs_with_categories(county):
    """Civil affairs with the two categories most import tests use (低保对象, 特困人员) in `county`."""
    from subsidies.models import Category, Department

    dept = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="dibao", name="低保对象", department=dept)
    Category.objects.create(county=county, code="tekun", name="特困人员", department=dept)
    return dept
