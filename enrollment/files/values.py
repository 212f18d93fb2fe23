"""Cell values as files write them: text, dates (Excel serials, 2023年9月1日, month-only), amounts in yuan,
whole numbers, yes/no, labels compared without spaces, and names damaged by an encoding."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_TIME = r"(?:[ T]?\d{1,2}[:时]\d{2}(?:[:分]\d{2}(?:\.\d+)?秒?)?)?"  # a time after the date is not part of it
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?" + _TIME + "$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
# Month-only dates (some rosters): 2023年09月, 2023年9月, 2023.09, 2023-09, 2023/9 — read as the 1st (`is_month_only`).
_MONTH_ONLY = re.compile(r"^(\d{4})(?:年(\d{1,2})月份?|[-/.](\d{1,2}))$")
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def text(value) -> str:
    """A cell as trimmed text (numbers without a spurious .0)."""
    if value.__class__ is str:  # a CSV cell: the common case, a million times per file
        value = value.strip()
        return value.replace("\u3000", " ").strip() if "\u3000" in value else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()[:10]
    return str(value).strip().replace("\u3000", " ").strip()


def parse_date(value) -> datetime.date | None:
    """2023-09-01, 2023/9/1, 2023.9.1, 2023年9月1日, 20230901, an Excel serial number or a cell date.

    None for an empty cell; ValueError for anything else.
    """
    if value is None or value == "":
        return None
    if value.__class__ is str:
        return _parse_date_text(value)  # a file repeats its dates: parsed once each
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _date_from_number(value)
    return _parse_date_text(str(value))


_SPACE_RUN = re.compile(r"\s+")
_SPACE_AROUND_SEPARATOR = re.compile(r"\s*([年月日/.-])\s*")
_SERIAL = re.compile(r"\d{1,5}(\.0+)?")


@lru_cache(maxsize=4096)
def _parse_date_text(value: str) -> datetime.date | None:
    """parse_date for text; cached (a ValueError is raised again each time, never cached)."""
    s = _SPACE_RUN.sub(" ", unicodedata.normalize("NFKC", value).strip())
    s = _SPACE_AROUND_SEPARATOR.sub(r"\1", s)
    if not s:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    m = _MONTH_ONLY.match(s)
    if m:
        return datetime.date(int(m[1]), int(m[2] or m[3]), 1)
    if _SERIAL.fullmatch(s):
        return _date_from_number(float(s))
    raise ValueError(s)


def is_month_only(value) -> bool:
    """A date cell that names a month only (parse_date reads it as the 1st; the importers warn)."""
    if value.__class__ is not str:
        return False
    s = _SPACE_AROUND_SEPARATOR.sub(r"\1", _SPACE_RUN.sub(" ", unicodedata.normalize("NFKC", value).strip()))
    return bool(_MONTH_ONLY.match(s))


_DAMAGED_NAME = re.compile("[?\ufffd]")


def name_damaged(name: str) -> bool:
    """A name holding "?" or U+FFFD: a rare character an export could not encode (GBK has no 䶮, 𠮷 …)."""
    return bool(_DAMAGED_NAME.search(unicodedata.normalize("NFKC", name))) if name else False


def _date_from_number(number) -> datetime.date:
    if 19000101 <= number <= 29991231 and float(number).is_integer():
        n = int(number)
        return datetime.date(n // 10000, n // 100 % 100, n % 100)
    if 1 <= number < 2958466:
        # Excel's serial day numbers (1900 date system, counting its phantom 1900-02-29).
        return EXCEL_EPOCH + datetime.timedelta(days=int(number))
    raise ValueError(number)


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d{1,2}")
_CURRENCY = re.compile(r"^(RMB|CNY)|(RMB|CNY)$", re.IGNORECASE)


def parse_amount(value) -> Decimal:
    """Money in yuan: 380, 380.00, ￥380, 380元, 1,380.5, full-width digits, -380 (a refund); Decimal, never float
    arithmetic.

    A comma is read only where it cannot mean two things: thousands separators in groups of three ("1,140.00",
    "1,140"), or a decimal comma before one or two digits ("380,00" = 380.00, as a European-locale export writes
    it). Any other comma ("38,0000", "1,14,0", "1,140,5") is a ValueError, never a guess.
    """
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    s = str(value or "")
    if not s.isascii():  # full-width digits, ￥, 元
        s = unicodedata.normalize("NFKC", s).replace("¥", "").replace("元", "")
    s = s.strip()
    if s[-3:].isalpha() or s[:3].isalpha():
        s = _CURRENCY.sub("", s).strip()
    if "," in s:
        if _THOUSANDS.fullmatch(s):
            s = s.replace(",", "")
        elif _DECIMAL_COMMA.fullmatch(s):
            s = s.replace(",", ".")
        else:
            raise ValueError(value)
    if not s:
        raise ValueError(value)
    try:
        amount = Decimal(s)
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not amount.is_finite():
        raise ValueError(value)
    return amount


def parse_int(value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    s = unicodedata.normalize("NFKC", str(value or "")).strip()
    s = re.sub(r"^第|[档年度]+$", "", s)
    s = s.removesuffix(".0")
    if not s.isdigit():
        raise ValueError(value)
    return int(s)


_TRUE = {"是", "1", "Y", "y", "yes", "true", "True", "√", "学生"}


def parse_bool(value) -> bool:
    return text(value) in _TRUE


def label_key(value) -> str:
    """A category, township or village label compared without spaces and full-width/half-width differences."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))
