"""Resident ID numbers (居民身份证号码, GB 11643): normalise, validate, convert, and read sex and birth date.

Pure Python, no Django at import time. Rules (SPEC §3):

- normalise first: strip every kind of space (also U+3000), full-width digits and letters to ASCII,
  lower-case x to X, and the wrappers spreadsheet exports add to keep a column as text (`'…`, `="…"`);
- valid: 17 digits + a digit or X, the ISO 7064 MOD 11-2 check character (python-stdnum's
  `calc_check_digit`; its `validate` is *not* used, see SPEC §12), digits 7–14 a real date between
  1900-01-01 and today, the first two digits a real province code (81/82/83 residence permits included);
- an unknown 6-digit area code is a warning, never a rejection: codes change and people keep their number;
- a 15-digit legacy number is converted (19 + year, check character added) with a warning;
- the damage Excel does to numbers is named: `6.20721E+17`, trailing `000` from the 15-significant-digit
  limit, a trailing `.0`.

Messages are English msgids translated at display time (Django's gettext when Django is configured,
the msgid otherwise), so this module stays importable and testable without Django.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from stdnum.cn.ric import calc_check_digit


def _(msgid: str) -> str:
    """Marks a msgid for makemessages; translation happens when a message is shown (see `Issue.message`)."""
    return msgid


def translate(msgid: str) -> str:
    try:
        from django.conf import settings

        if settings.configured:
            from django.utils.translation import gettext

            return gettext(msgid)
    except ImportError:  # pragma: no cover - Django is always installed in this project
        pass
    return msgid


# Error and warning codes with their messages. Codes are stable (tests, summaries); messages are for people.
MESSAGES = {
    "empty": _("The ID number is empty."),
    "excel_scientific": _(
        "The ID number was damaged by Excel (scientific notation such as 6.20721E+17): "
        "format the column as text and enter the number again."
    ),
    "excel_trailing_zeros": _(
        "The ID number was damaged by Excel: it was stored as a number, which keeps only 15 digits, so its "
        "last digits were lost (they became 000). Format the column as text and enter the number again."
    ),
    "excel_decimal": _(
        "The ID number was damaged by a number format (it ends in .0): format the column as text and "
        "enter the number again."
    ),
    "bad_characters": _("The ID number contains characters other than digits and a final X."),
    "bad_length": _("The ID number must have 18 characters (or 15 for an old number)."),
    "bad_x": _("Only the last character of an ID number may be X."),
    "bad_province": _("The first two digits are not a province code."),
    "bad_birth_date": _("Digits 7 to 14 are not a real date of birth."),
    "birth_date_range": _("The date of birth must lie between 1900-01-01 and today."),
    "bad_checksum": _("The check character (last character) is wrong: the number has a typo."),
    "unknown_area": _("The area code (first six digits) is not in the table of known area codes."),
    "converted_15": _("An old 15-digit number was converted to 18 digits."),
}

# 11–15 north, 21–23 north-east, 31–37 east, 41–46 centre-south, 50–54 south-west, 61–65 north-west,
# 71 Taiwan, 81 Hong Kong, 82 Macao, 83 residence permits of Taiwan residents (830000).
_PROVINCE_LIST = """
11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46
50 51 52 53 54 61 62 63 64 65 71 81 82 83
"""
PROVINCES = frozenset(_PROVINCE_LIST.split())
# Residence permits (港澳台居民居住证) use 810000, 820000, 830000 as their area code.
RESIDENCE_PERMIT_AREAS = frozenset({"810000", "820000", "830000"})

MIN_BIRTH = datetime.date(1900, 1, 1)

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# Full-width digits and letters (U+FF10–FF19, FF21–FF3A, FF41–FF5A) to ASCII, and lower-case x to X.
_TO_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_TO_ASCII.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_TO_ASCII.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
_TO_ASCII[ord("x")] = ord("X")
_TO_ASCII[0xFF58] = ord("X")  # full-width ｘ
_TO_ASCII[0xFF0E] = ord(".")  # full-width full stop, so ．0 is recognised too
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


class IdCheck(NamedTuple):
    """The outcome of checking one raw value: the normalised number, error and warning codes, sex, birth date.

    Errors reject the row; warnings keep it. `error_messages`/`warning_messages` give the text for people.
    """

    value: str
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    birth_date: datetime.date | None = None
    sex: str = ""  # "M" or "F"

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_messages(self) -> list[str]:
        return [message(c) for c in self.errors]

    @property
    def warning_messages(self) -> list[str]:
        return [message(c) for c in self.warnings]


def message(code: str) -> str:
    """The translated text of an error or warning code."""
    return translate(MESSAGES[code])


@lru_cache(maxsize=1)
def known_areas() -> frozenset[str]:
    """Every 6-digit area code python-stdnum's table has ever known (current and historical), plus permits."""
    import stdnum

    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    codes = set(RESIDENCE_PERMIT_AREAS)
    province = ""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            if line[0].isdigit():
                province = line[:2]
                codes.add(province + "0000")
            else:
                codes.add(province + line.strip()[:4])
    return frozenset(codes)


_AREAS: frozenset[str] = frozenset()


def _load_areas() -> frozenset[str]:
    global _AREAS
    _AREAS = known_areas()
    return _AREAS


@lru_cache(maxsize=65536)
def _birth(yyyymmdd: str) -> datetime.date | None:
    try:
        return datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def normalise(raw) -> str:
    """The raw cell value as the text the person meant: no spaces, ASCII, upper-case X, no text wrappers.

    Numbers (from a numeric spreadsheet cell) become their integer digits when whole, or their repr otherwise,
    so the damage checks can name what happened.
    """
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return ""
        if raw.is_integer() and raw < 1e21:
            return str(int(raw))
        return repr(raw).upper()
    text = _SPACES.sub("", str(raw)).translate(_TO_ASCII)
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    elif text.startswith("'"):
        text = text[1:]
    return text.upper() if "e" in text else text


def with_check_character(body: str) -> str:
    """The 18-character number for a 17-digit body: the body and its ISO 7064 MOD 11-2 check character."""
    return body + calc_check_digit(body + "0")


def convert_15(number: str) -> str:
    """An old 15-digit number as 18 digits: 19 before the 2-digit year, and the check character."""
    return with_check_character(number[:6] + "19" + number[6:])


def check(raw, *, today: datetime.date | None = None) -> IdCheck:
    """Normalise and validate one ID number (a str, or an int/float from a numeric spreadsheet cell).

    Kept lean: the bulk importers call it once per row for a million rows.
    """
    warnings = ()
    from_number = False
    if raw.__class__ is str and len(raw) == 18 and raw[:17].isdigit() and raw.isascii() and raw[17] in _LAST:
        value = raw if raw[17] != "x" else raw[:17] + "X"
    else:
        from_number = isinstance(raw, (int, float)) and not isinstance(raw, bool)
        value = normalise(raw)
        if from_number and isinstance(raw, float) and len(value) > 15:
            # A double holds 15-16 significant digits: an 18-digit number stored as one has lost its end.
            return IdCheck(value, ("excel_trailing_zeros",))
        error = _format_error(value)
        if error:
            return IdCheck(value, (error,))
        if value.endswith(".0"):
            value = value[:-2]  # 15 digits survive a float exactly: the old number it is
        if len(value) == 15:
            value = convert_15(value)
            warnings = _CONVERTED
    if value[:2] not in PROVINCES:
        return IdCheck(value, ("bad_province",))
    birth = _birth(value[6:14])
    if birth is None:
        return IdCheck(value, ("bad_birth_date",))
    if birth < MIN_BIRTH or birth > (today or datetime.date.today()):
        return IdCheck(value, ("birth_date_range",))
    if calc_check_digit(value) != value[17]:
        return IdCheck(value, ("excel_trailing_zeros" if value.endswith("000") else "bad_checksum",))
    if from_number and value.endswith("000"):
        # A whole number typed into Excel: the real last digits are gone even if the check happens to pass.
        return IdCheck(value, ("excel_trailing_zeros",))
    if value[:6] not in (_AREAS or _load_areas()):
        warnings = (*warnings, "unknown_area")
    return IdCheck(value, (), warnings, birth, "M" if value[16] in "13579" else "F")


_CONVERTED = ("converted_15",)
_LAST = frozenset("0123456789Xx")


def _format_error(value: str) -> str:
    """Why a normalised value is not 18 characters (or 15 digits) of the right shape; "" when it is."""
    if not value:
        return "empty"
    if _SCIENTIFIC.match(value):
        return "excel_scientific"
    if value.endswith(".0") and value[:-2].isdigit():
        return "" if len(value) == 17 else "excel_decimal"
    if not value.isascii() or not value.replace("X", "").isdigit():
        return "bad_characters"
    if "X" in value[:-1] or (len(value) == 15 and not value.isdigit()):
        return "bad_x"
    if len(value) not in (15, 18):
        return "bad_length"
    if len(value) == 15 and _birth("19" + value[6:12]) is None:
        return "bad_birth_date"
    return ""


def is_valid(raw) -> bool:
    return check(raw).ok


def sex_of(number: str) -> str:
    """M or F from the 17th character (odd = male) of a normalised 18-digit number."""
    return "M" if int(number[16]) % 2 else "F"


def birth_date_of(number: str) -> datetime.date | None:
    return _birth(number[6:14])


def make_id(area: str, birth: datetime.date, sequence: int) -> str:
    """A valid 18-character number for an area, birth date and 3-digit sequence (odd = male); for demo data."""
    return with_check_character(f"{area}{birth:%Y%m%d}{sequence % 1000:03d}")
