"""The public notice (公示) of a village as an .xlsx workbook: paid and unpaid lists, IDs masked.

Every cell goes through the one formula-safe writer (enrollment.files.writers): a name typed as
"=HYPERLINK(…)" in a register reaches the village notice board as text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from enrollment.files.writers import set_value as text_cell


def notice_workbook(*, title: str, headers: Sequence[str], sections: Iterable[tuple[str, list[Sequence]]]) -> bytes:
    """A one-sheet workbook: the title, then each section's heading, header row and rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "公示"
    row = 1
    text_cell(sheet.cell(row=row, column=1), title)
    sheet.cell(row=row, column=1).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(headers))
    sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center")
    for heading, rows in sections:
        row += 2
        text_cell(sheet.cell(row=row, column=1), heading)
        sheet.cell(row=row, column=1).font = Font(bold=True)
        row += 1
        for col, header in enumerate(headers, start=1):
            text_cell(sheet.cell(row=row, column=col), header)
            sheet.cell(row=row, column=col).font = Font(bold=True)
        for values in rows:
            row += 1
            for col, value in enumerate(values, start=1):
                text_cell(sheet.cell(row=row, column=col), value)
    for col, width in zip("ABCDE", (8, 14, 24, 14, 14), strict=False):
        sheet.column_dimensions[col].width = width
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.print_options.horizontalCentered = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
