"""Checks on an uploaded file before anything reads it: size, and type by content (not by its name).

- .xlsx: a zip holding xl/workbook.xml and a worksheet;
- .xls: the OLE2 compound-document header;
- both: within every limit of bounds/ (inflated size and ratio, used range, cells, rows, columns), measured
  before any reader allocates for the file;
- .csv: text without NUL bytes that decodes as UTF-8 or GBK/GB18030, or UTF-16 text with its BOM (Excel's
  "Unicode 文本", whose NUL bytes are half its characters) without NUL characters.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from enrollment.files.bounds import BoundsError, check_workbook
from enrollment.files.errors import ReadError
from enrollment.files.tables import OLE_MAGIC
from enrollment.files.text_files import detect_encoding
from enrollment.idnumbers import _


class UploadError(ReadError):
    """An upload refused before reading: the message (Chinese for users) says why."""


def upload_max_bytes() -> int:
    """The largest upload accepted (settings.UPLOAD_MAX_BYTES)."""
    from django.conf import settings

    return settings.UPLOAD_MAX_BYTES


def check_upload(path: str | Path, *, max_bytes: int, original_name: str = "") -> str:
    """The file's format ("xlsx", "xls" or "csv"), or UploadError saying why it is refused."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise UploadError(_("The file is empty."))
    if size > max_bytes:
        raise UploadError(
            _("The file is %(size)s MB; at most %(limit)s MB may be uploaded."),
            size=round(size / 1024**2, 1),
            limit=round(max_bytes / 1024**2),
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        _check_xlsx(path, size)
        _check_bounds(path, "xlsx")
        return "xlsx"
    if head == OLE_MAGIC:
        _check_bounds(path, "xls")
        return "xls"
    with path.open("rb") as fh:
        sample = fh.read(1 << 16)
    if sample[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            decoded = codecs.getincrementaldecoder("utf-16")().decode(sample)
        except UnicodeDecodeError:
            decoded = "\x00"
        if any(ch < " " and ch not in "\t\r\n" for ch in decoded):  # NUL and other controls: not text
            raise UploadError(_("The file is neither a CSV text file nor an Excel workbook (.xlsx or .xls)."))
        return "csv"
    if b"\x00" in sample:
        raise UploadError(_("The file is neither a CSV text file nor an Excel workbook (.xlsx or .xls)."))
    try:
        detect_encoding(path)
    except ReadError as exc:
        raise UploadError(exc.msgid) from exc
    return "csv"


def _check_xlsx(path: Path, size: int) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {info.filename for info in infos}
    except zipfile.BadZipFile as exc:
        raise UploadError(_("The file looks like an Excel workbook but is damaged.")) from exc
    if "xl/workbook.xml" not in names:
        raise UploadError(_("The file is a zip archive but not an Excel .xlsx workbook."))
    if not any(name.startswith("xl/worksheets/") and name.endswith(".xml") for name in names):
        raise UploadError(_("The workbook has no worksheet."))


def _check_bounds(path: Path, kind: str) -> None:
    try:
        check_workbook(path, kind)
    except BoundsError as exc:
        raise UploadError(exc.msgid, **exc.params) from exc
