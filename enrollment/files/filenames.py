"""Uploaded file names made safe to store: no path, no control or reserved characters, a short stem, a short
extension; a name no clerk would give a file (an extension of dozens of characters, nothing left once cleaned)
is refused with a message in the user's language. Pure Python: the upload forms, the import service and the
upload handler (config.uploads) call it.

The stored name is only a label on disk: the original name is kept (up to 255 characters) on the import job, and
what a file is is judged by its content, never by its name.
"""

from __future__ import annotations

import re
import unicodedata

from enrollment.files.errors import ReadError
from enrollment.idnumbers import _

MAX_STEM = 60  # characters of the stored name before its extension (a Chinese character is 3 bytes on disk)
MAX_EXTENSION = 10  # ".xlsx", ".jpeg"; anything longer is not an extension a clerk chose
MAX_NAME = 255  # what a browser may send and the job keeps as the original name
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_EXTENSION = re.compile(rf"\.[A-Za-z0-9]{{1,{MAX_EXTENSION}}}")
_LONG_EXTENSION = re.compile(r"[A-Za-z0-9]+")  # what follows the last dot looks like an extension, of any length


class UploadNameError(ReadError):
    """A file name refused before anything is stored; the message (Chinese for users) says why."""


def _shown(name: str) -> str:
    return name if len(name) <= 40 else name[:40] + "…"


def split_name(name: str) -> tuple[str, str]:
    """(stem, extension with its dot), the extension empty when the text after the last dot is no extension."""
    dot = name.rfind(".")
    if dot > 0 and _EXTENSION.fullmatch(name[dot:]):
        return name[:dot], name[dot:]
    return name, ""


def upload_name(name: str) -> str:
    """The name to store an upload under, or UploadNameError for an absurd one."""
    raw = unicodedata.normalize("NFC", str(name or ""))
    base = re.split(r"[/\\]", raw)[-1]
    visible = _UNSAFE.sub("", base).strip()
    # Django cuts a long name to its last 255 characters of extension: ".xxxx…" has nothing else left.
    tail = visible[visible.rfind(".") + 1 :] if "." in visible else ""
    clean = visible.lstrip(".").strip()
    if len(raw) > MAX_NAME or (len(tail) > MAX_EXTENSION and _LONG_EXTENSION.fullmatch(tail)):
        raise UploadNameError(
            _(
                "The file name “%(name)s” is too long or has an implausible extension: rename the file "
                "(for example roster.xlsx) and upload it again."
            ),
            name=_shown(base),
        )
    stem, extension = split_name(clean)
    stem = stem.strip(" .")[:MAX_STEM].strip(" .")
    if not stem:
        raise UploadNameError(
            _(
                "The file name “%(name)s” has no usable characters: rename the file (for example roster.xlsx) "
                "and upload it again."
            ),
            name=_shown(base),
        )
    return stem + extension.lower()


def stored_name(name: str, *, default: str = "upload") -> str:
    """A safe name for a file the site writes itself from an upload's name (never refused: falls back)."""
    try:
        return upload_name(name)
    except UploadNameError:
        return default
