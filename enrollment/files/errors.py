"""The error every reader raises for a file it cannot read as a table, its message in the user's language."""

from __future__ import annotations

from enrollment.idnumbers import translate


class ReadError(Exception):
    """A file that cannot be read as a table; the message says why, in the user's language."""

    def __init__(self, msgid: str, **params):
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        return translate(self.msgid) % self.params if self.params else translate(self.msgid)
