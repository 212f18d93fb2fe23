"""django-import-export's file formats for the admin's exports, written by the one formula-safe writer.

Its own guard (IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT) deletes a leading "=" from the value and leaves
"+", "-", "@", tab and CR alone; these formats keep every value as stored and never write a formula.
Reading (the admin's import) is the library's own.
"""

from __future__ import annotations

import io

from import_export.formats import base_formats
from openpyxl import Workbook

from enrollment.files import writers


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return "".join(writers.csv_lines(dataset, headers=dataset.headers or None))


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(dataset.title or "Sheet1")
        if dataset.headers:
            writers.append(sheet, dataset.headers)
        for values in dataset:
            writers.append(sheet, values)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()


EXPORT_FORMATS = [SafeXLSX, SafeCSV]
