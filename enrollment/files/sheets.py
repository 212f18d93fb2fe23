"""One sheet as a format's reader hands it to the table reader: its rows, size estimate and hidden columns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass
class Sheet:
    """One sheet of a workbook (a text file is one sheet without a name) as its reader gives it."""

    name: str
    rows: Iterator[tuple[int, list]]
    estimate: int = 0
    hidden_columns: frozenset = frozenset()
    visible: bool = True
    empty: bool = True
    # After a long run of blank rows: the last row of the sheet that holds a value (an .xlsx sheet, measured
    # exactly then). None: read on (a text file or an .xls, whose blank rows cost nothing to pass).
    last_value_row: Callable[[], int] | None = None
