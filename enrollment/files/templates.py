"""Downloadable .xlsx templates per import kind (and per department for rosters).

The ID column is typed as text ('@') so Excel cannot turn a number into 6.20721E+17 or drop its last digits;
a roster template offers the department's categories as a drop-down (data validation).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from enrollment.files import writers

HEADERS = {
    "register": [
        "身份证号码",
        "姓名",
        "乡镇（街道）",
        "村（社区）",
        "户号",
        "与户主关系",
        "是否学生",
        "职工医保终止日期",
    ],
    "roster": ["身份证号码", "姓名", "人员类别", "乡镇（街道）", "村（社区）", "认定日期", "终止日期"],
    "payments": ["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次", "缴费渠道"],
}
TITLES = {"register": "人员登记导入模板", "roster": "身份名册导入模板", "payments": "税务缴费明细导入模板"}
TEMPLATE_ROWS = 5000  # formatted rows: the text format and the drop-down cover this many lines


def template_workbook(
    *, kind: str, department_name: str = "", categories: list[str] | None = None
) -> tuple[bytes, str]:
    """(the .xlsx bytes, a file name) for one kind of upload."""
    headers = HEADERS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    writers.append(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["A"].number_format = "@"
    for row in range(2, TEMPLATE_ROWS + 2):
        ws.cell(row=row, column=1).number_format = "@"
    for index, header in enumerate(headers, start=1):
        if header in ("认定日期", "终止日期", "缴费日期", "职工医保终止日期"):
            letter = ws.cell(row=1, column=index).column_letter
            ws.column_dimensions[letter].width = 14
    if kind == "roster" and categories:
        # The list goes on its own sheet: a data validation formula is limited to 255 characters.
        lists = wb.create_sheet("人员类别")
        for name in categories:
            writers.append(lists, [name])
        column = headers.index("人员类别") + 1
        letter = ws.cell(row=1, column=column).column_letter
        ws.column_dimensions[letter].width = 30
        validation = DataValidation(
            type="list",
            formula1=f"='人员类别'!$A$1:$A${len(categories)}",
            allow_blank=False,
            showErrorMessage=True,
            errorTitle="人员类别",
            error="请从下拉列表中选择本部门的人员类别。",
        )
        ws.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    notes = wb.create_sheet("说明")
    writers.append(
        notes, ["身份证号码一列已设为文本格式，请勿改为数值，否则Excel会把号码变成6.20721E+17或把末三位变成000。"]
    )
    writers.append(notes, ["日期可写作2023-09-01、2023/9/1、2023年9月1日或20230901。"])
    if kind == "roster":
        writers.append(notes, ["名册为全量名单：本次未列出的人员，将在名册日期前一天终止认定。"])
    if kind == "payments":
        writers.append(
            notes, ["档次可写1、一档、第一档、一档（350元）或该档的缴费标准；不写档次时，按金额认定唯一相符的档次。"]
        )
        writers.append(
            notes, ["退费写负数金额（如-350），或加一列“退费标志”并填“退费”；重复导入同一文件不会重复记账。"]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    name = TITLES[kind] + (f"-{department_name}" if department_name else "") + ".xlsx"
    return buffer.getvalue(), name
