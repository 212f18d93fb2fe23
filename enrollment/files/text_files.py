"""CSV and other delimited text: the encoding (UTF-8, GBK/GB18030, UTF-16 with its BOM), the delimiter, and
rows streamed with their line numbers; undecodable bytes are named by line."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from pathlib import Path

from enrollment.files.errors import ReadError
from enrollment.files.headers import HEADER_SCAN_ROWS, map_headers
from enrollment.files.sheets import Sheet
from enrollment.idnumbers import _


def detect_encoding(path: str | Path, chunk: int = 1 << 16) -> str:
    """utf-8-sig or utf-16 for a BOM (Excel's "Unicode 文本" is UTF-16 with one); else decided by the first block
    holding a non-ASCII byte: utf-8 when it decodes as UTF-8 (64 KB of GBK text never does), else gb18030 (a
    superset of GBK). Bytes further on are checked as the file is read (`_csv_rows`), not in an extra pass over
    the whole file."""
    with open(path, "rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        fh.seek(0)
        while block := fh.read(chunk):
            if block.isascii():
                continue  # ends on a character boundary: the next block starts on one
            for encoding in ("utf-8", "gb18030"):
                try:
                    codecs.getincrementaldecoder(encoding)().decode(block)  # a character cut at the end is kept
                    return encoding
                except UnicodeDecodeError:
                    continue
            raise ReadError(_("The file is neither UTF-8 nor GBK/GB18030 text."))
    return "utf-8"


def _first_undecodable_line(path, encoding: str) -> int:
    """The first physical line that does not decode (the text reader decodes ahead in blocks, so its own position
    is not the line). A newline byte never occurs inside a UTF-8 or GB18030 character: lines split safely."""
    if encoding.startswith("utf-16"):  # two-byte newlines: decode with replacement and find the first one
        with open(path, encoding=encoding, errors="replace", newline="") as fh:
            for number, line in enumerate(fh, start=1):
                if "\ufffd" in line:
                    return number
        return 0
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number
    return 0


def _undecodable(path, encoding: str) -> ReadError:
    return ReadError(
        _("The file is not consistently %(encoding)s text: undecodable bytes near line %(line)s."),
        encoding=encoding.upper().removesuffix("-SIG"),
        line=_first_undecodable_line(path, encoding),
    )


def csv_sheets(path, encoding: str, header_score: Callable[[list], int]):
    """([the file as one sheet], close): rows streamed, split by the delimiter under which `header_score` finds
    the header."""
    fh = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by Table.close
    try:
        return [Sheet("", *_csv_reader(path, encoding, fh, header_score))], fh.close
    except UnicodeDecodeError as exc:
        fh.close()
        raise _undecodable(path, encoding) from exc
    except BaseException:
        fh.close()
        raise


DELIMITERS = ",\t;|"


def fields_score(required) -> Callable[[list], int]:
    """A header's score for `_sniff_delimiter`: the number of fields it names when it names all of `required`."""

    def score(cells: list) -> int:
        columns = map_headers(cells)
        return len(columns) if all(name in columns for name in required) else 0

    return score


def _sniff_delimiter(head: str, header_score: Callable[[list], int]) -> str:
    """The separator under which a row of the first lines is the header (a title line above it has none, and
    `header_score` rates how good a header a row is: 0 for none); else the one the first line holds most of."""
    lines = head.splitlines()[:HEADER_SCAN_ROWS]
    best, best_count = "", 0
    for delimiter in DELIMITERS:
        for cells in csv.reader(lines, delimiter=delimiter):
            score = header_score(cells)
            if score > best_count:
                best, best_count = delimiter, score
                break
    if best:
        return best
    sample = lines[0] if lines else ""
    return max(DELIMITERS, key=sample.count) if sample else ","


def _csv_reader(path, encoding, fh, header_score):
    head = fh.read(1 << 16)
    fh.seek(0)
    sample = head.split("\n", 1)[0]
    delimiter = _sniff_delimiter(head, header_score)
    size = Path(path).stat().st_size
    estimate = int(size / max(1, len(sample.encode(encoding, "replace")))) if sample else 0
    if estimate and size > 1 << 16:
        # Estimate from the first rows' average length rather than the header's.
        estimate = int(size / max(1, len(head.encode(encoding, "replace")) / max(1, head.count("\n"))))
    reader = csv.reader(fh, delimiter=delimiter)

    def rows():
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise ReadError(_("The CSV file is malformed near line %(line)s."), line=reader.line_num) from exc
        except UnicodeDecodeError as exc:
            raise _undecodable(path, encoding) from exc

    return rows(), estimate
