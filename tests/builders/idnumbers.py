"""The one test helper that makes valid resident ID numbers: every test module builds its numbers here.

The check character comes from `enrollment.idnumbers` (python-stdnum's `calc_check_digit`, SPEC §12), the only
place the project computes it; `tests/enrollment/test_idnumbers.py` proves that against numbers worked out by hand.
"""

from __future__ import annotations

import datetime

from enrollment.idnumbers import with_check_character

SUNAN = "620721"


def valid_id(body17: str) -> str:
    """A 17-digit body completed with its check character."""
    assert len(body17) == 17 and body17.isdigit(), body17
    return with_check_character(body17)


def id_number(seq: int, *, area: str = SUNAN, born: str | datetime.date = "19800101") -> str:
    """A valid number of `area` for a person born on `born` (YYYYMMDD or a date), sequence `seq` (last 3 digits)."""
    if isinstance(born, datetime.date):
        born = f"{born:%Y%m%d}"
    return valid_id(f"{area}{born}{seq % 1000:03d}")
