"""Header rows: Chinese header aliases of every field, matching a header cell to its field, and telling from
its headers what kind of file a table plainly is (a payment file uploaded as a roster)."""

from __future__ import annotations

import re
import unicodedata

from enrollment.files.errors import ReadError
from enrollment.idnumbers import _

# A header is looked for in this many first rows of a sheet (title rows above it are skipped).
HEADER_SCAN_ROWS = 15

# Field → accepted header labels (compared after `header_key`: NFKC, no spaces, no required-marks).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号码", "公民身份号码", "身份证号", "证件号码", "证件号", "身份证", "身份证件号码"),
    "name": ("姓名", "人员姓名", "参保人姓名", "缴费人姓名"),
    "category": ("人员类别", "资助类别", "身份类别", "类别", "人员类型", "保障类别", "救助类别"),
    "township": ("乡镇", "乡镇（街道）", "乡镇街道", "街道", "乡镇/街道", "所属乡镇"),
    "village": ("村", "村（社区）", "村社区", "社区", "村/社区", "村(居)", "所属村"),
    "valid_from": ("认定日期", "认定时间", "起始日期", "开始日期", "纳入时间", "纳入日期"),
    "valid_to": ("终止日期", "退出日期", "结束日期", "退出时间"),
    "household": ("户号", "户编号"),
    "relation": ("与户主关系", "与户主的关系"),
    "group": ("分组", "人员分组", "所属单位"),
    "student": ("是否学生", "学生"),
    # The day the person's employee insurance (职工医保) ended, where the register carries it (SPEC §7).
    "employee_left_on": ("职工医保终止日期", "职工医保停保日期", "职工医保断保日期", "职工医保中断日期"),
    "year": ("缴费年度", "年度"),
    "amount": ("缴费金额", "金额", "实缴金额"),
    "paid_on": ("缴费日期", "缴费时间", "缴款日期", "入库日期"),
    "tier": ("档次", "缴费档次"),
    "channel": ("缴费渠道", "渠道"),
    "refund": ("退费标志", "退费标识", "是否退费", "收退标志", "缴退标志", "收退类型", "退费"),
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
    "employee_left_on": "职工医保终止日期",
    "year": "缴费年度",
    "amount": "缴费金额",
    "paid_on": "缴费日期",
    "tier": "档次",
    "channel": "缴费渠道",
    "refund": "退费标志",
}

_HEADER_NOISE = re.compile(r"[\s*＊:：]+")
# A unit or note in brackets after a header (缴费金额（元）, 身份证号码（18位）), compared after NFKC: （） are ().
_BRACKETED = re.compile(r"[(\[【][^()\[\]【】]*[)\]】]")


def header_key(label) -> str:
    """A header cell compared without spaces, required-marks, or full-width/half-width differences."""
    if label is None:
        return ""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", str(label)))


_ALIAS_INDEX = {header_key(alias): name for name, aliases in FIELD_ALIASES.items() for alias in aliases}


def field_of(label) -> str | None:
    """The field a header names: an alias as written, else the alias left when bracketed parts are dropped (a unit
    such as （元） is not part of the name; 乡镇（街道） is an alias with its brackets and matches first)."""
    key = header_key(label)
    name = _ALIAS_INDEX.get(key)
    if name is None and ("(" in key or "[" in key or "【" in key):
        name = _ALIAS_INDEX.get(_BRACKETED.sub("", key))
    return name


def map_headers(headers: list, hidden=frozenset()) -> dict[str, int]:
    """Field → column index for the recognised headers. When two columns name one field, a visible column wins
    over a hidden one, else the first (the others are `shadowed_columns`)."""
    columns: dict[str, int] = {}
    order = sorted(range(len(headers)), key=lambda i: i in hidden) if hidden else range(len(headers))
    for index in order:
        name = field_of(headers[index])
        if name and name not in columns:
            columns[name] = index
    return dict(sorted(columns.items(), key=lambda item: item[1])) if hidden else columns


def shadowed_columns(headers: list, columns: dict[str, int]) -> list[tuple[int, str]]:
    """(column index, field) of the columns naming a field that another column of the header supplies."""
    return [
        (index, name)
        for index, label in enumerate(headers)
        if (name := field_of(label)) is not None and columns.get(name) != index
    ]


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def looks_like(columns: dict[str, int]) -> str | None:
    """The kind of file its recognised headers plainly make it: "payments", "roster", "register", or None."""
    if "amount" in columns and ("paid_on" in columns or "year" in columns):
        return "payments"
    household = "household" in columns or "relation" in columns
    if "category" in columns and ("valid_from" in columns or "valid_to" in columns or not household):
        return "roster"
    if household:
        return "register"
    return None


LOOKS_LIKE_MESSAGES = {
    "payments": _(
        "The file looks like a tax payment file (its columns: %(columns)s): choose the right kind of import."
    ),
    "roster": _("The file looks like an identity roster (its columns: %(columns)s): choose the right kind of import."),
    "register": _(
        "The file looks like a population register (its columns: %(columns)s): choose the right kind of import."
    ),
}


def looks_like_error(kind: str, headers: list, columns: dict[str, int]) -> ReadError:
    labels = "、".join(str(headers[i]).strip() for i in columns.values())
    return ReadError(LOOKS_LIKE_MESSAGES[kind], columns=labels)
