""".xlsx bounds: the zip's members and inflate ratio, no entity declarations, and every worksheet's used range
scanned from its XML in one streamed pass (expat when the fast regular-expression scan cannot decide)."""

from __future__ import annotations

import re
import xml.parsers.expat
import zipfile
from pathlib import Path, PurePosixPath

from enrollment.files.bounds.limits import (
    CHUNK,
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    BoundsError,
    DamagedWorkbook,
    SheetExtent,
    WorkbookBounds,
    _mb,
    _refuse_count,
    check_extent,
    limit,
)
from enrollment.idnumbers import _


def check_xlsx(source) -> WorkbookBounds:
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DamagedWorkbook(_("The file looks like an Excel workbook but is damaged.")) from exc
    with zf:
        infos = zf.infolist()
        _check_zip_sizes(source, infos)
        bounds = WorkbookBounds(format="xlsx")
        sheets = _worksheet_members(zf)
        try:
            for info in infos:
                if info.is_dir() or not info.filename.endswith((".xml", ".rels", ".vml")):
                    continue  # pictures and other binaries: no reader inflates them
                if info.filename in sheets:
                    continue
                if info.filename.endswith("sharedStrings.xml"):
                    bounds.strings, size = _scan_strings(zf, info)
                else:
                    size = _inflate(zf, info, limit_name="WORKBOOK_MAX_MEMBER")
                bounds.inflated += size
            for member in sheets:
                extent = _scan_sheet(zf, zf.getinfo(member))
                bounds.sheets.append(extent)
                bounds.inflated += extent.inflated
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            if isinstance(exc, BoundsError):
                raise
            raise DamagedWorkbook(_("The file looks like an Excel workbook but is damaged.")) from exc
    if bounds.inflated > limit("WORKBOOK_MAX_UNCOMPRESSED"):
        raise BoundsError(
            _("The workbook inflates to %(size)s MB, more than the %(limit)s MB allowed (a zip bomb?)."),
            size=_mb(bounds.inflated),
            limit=_mb(limit("WORKBOOK_MAX_UNCOMPRESSED")),
        )
    if bounds.strings > limit("WORKBOOK_MAX_STRINGS"):
        raise _refuse_count(
            _("The workbook holds %(value)s distinct texts, more than the %(limit)s allowed."),
            bounds.strings,
            "WORKBOOK_MAX_STRINGS",
        )
    return bounds


def _check_zip_sizes(source, infos) -> None:
    if len(infos) > limit("WORKBOOK_MAX_MEMBERS"):
        raise _refuse_count(
            _("The workbook holds %(value)s files inside, more than the %(limit)s allowed."),
            len(infos),
            "WORKBOOK_MAX_MEMBERS",
        )
    declared = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    size = Path(source).stat().st_size if isinstance(source, (str, Path)) else len(source.getbuffer())
    if declared > limit("WORKBOOK_MAX_UNCOMPRESSED"):
        raise BoundsError(
            _("The workbook inflates to %(size)s MB, more than the %(limit)s MB allowed (a zip bomb?)."),
            size=_mb(declared),
            limit=_mb(limit("WORKBOOK_MAX_UNCOMPRESSED")),
        )
    ratio = declared / max(packed, size // 2, 1)
    if ratio > limit("WORKBOOK_MAX_RATIO"):
        raise BoundsError(
            _("The workbook inflates %(ratio)s times, more than the %(limit)s times allowed (a zip bomb?)."),
            ratio=f"{ratio:,.0f}",
            limit=limit("WORKBOOK_MAX_RATIO"),
        )


_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


def _refuse_dtd(member: str) -> BoundsError:
    return BoundsError(
        _("The workbook contains entity declarations (DOCTYPE), which Excel never writes; it was refused.")
    )


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, limit_name: str):
    """The member inflated block by block (zipfile stops at the declared size and checks the CRC), counted."""
    total = 0
    first = True
    with zf.open(info) as fh:
        while block := fh.read(CHUNK):
            total += len(block)
            if total > cap:
                raise BoundsError(
                    _("A part of the workbook inflates to more than the %(limit)s MB allowed (a zip bomb?)."),
                    limit=_mb(cap),
                )
            if first and _DTD.search(block, 0, 1 << 16):
                raise _refuse_dtd(info.filename)
            first = False
            yield block


def _inflate(zf, info, *, limit_name: str) -> int:
    return sum(len(b) for b in _chunks(zf, info, limit(limit_name), limit_name))


def _scan_strings(zf, info) -> tuple[int, int]:
    """(strings, inflated bytes): `<si` and `<x:si` counted (an upper bound), across block boundaries too."""
    count = size = 0
    tail = b""
    for block in _chunks(zf, info, limit("WORKBOOK_MAX_MEMBER"), "WORKBOOK_MAX_MEMBER"):
        buf = tail + block
        count += buf.count(b"<si") + buf.count(b":si") - tail.count(b"<si") - tail.count(b":si")
        size += len(block)
        tail = buf[-3:]
    return count, size


def _worksheet_members(zf: zipfile.ZipFile) -> list[str]:
    """The worksheets' member names in workbook order (then any other worksheet member, so none goes unchecked)."""
    names = set(zf.namelist())
    ordered: list[str] = []
    try:
        from defusedxml import ElementTree

        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {}
        for rel in rels:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            targets[rel.get("Id")] = path
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        for el in book.iter():
            if el.tag.rsplit("}", 1)[-1] == "sheet":
                rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
                member = targets.get(rid)
                if member in names and member not in ordered:
                    ordered.append(member)
    except Exception:  # a damaged workbook: its sheets are still all checked, in name order
        ordered = []
    rest = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml") and n not in ordered)
    return ordered + rest


# Column labels and row numbers as regular expressions of "at most": the fast path checks a block's cells
# against its last cell without making a Python object per cell.


def _letters_le(label: str) -> str:
    """A regex matching column labels (A, B, ... ZZ, AAA) that come no later than `label`."""
    alternatives = [f"[A-Z]{{1,{len(label) - 1}}}"] if len(label) > 1 else []
    for i, ch in enumerate(label):
        if ch > "A":
            hi = chr(ord(ch) - 1)
            rest = f"[A-Z]{{{len(label) - i - 1}}}" if i + 1 < len(label) else ""
            alternatives.append(label[:i] + f"[A-{hi}]" + rest)
    alternatives.append(label)
    return "(?:" + "|".join(alternatives) + ")"


def _number_le(n: int) -> str:
    """A regex matching the numbers 1..n (no leading zero); numbers as long as n first, the common case."""
    s = str(n)
    alternatives = [s]
    for i, ch in enumerate(s):
        lo = "1" if i == 0 else "0"
        if ch > lo:
            hi = chr(ord(ch) - 1)
            alternatives.append(s[:i] + f"[{lo}-{hi}]" + (f"[0-9]{{{len(s) - i - 1}}}" if i + 1 < len(s) else ""))
    if len(s) > 1:
        alternatives.append(f"[1-9][0-9]{{0,{len(s) - 2}}}")
    return "(?:" + "|".join(alternatives) + ")"


# The attributes a cell may carry after its reference, each once, separated by one space as every writer does.
# Anything else (a second r, which calamine would take, `r =`, a tab) leaves the form: the exact scan decides.
_CELL_ATTRIBUTES = '(?: (?:s|t|cm|vm|ph)="[^"<>]*")*/?>'


_ANY_CELL = re.compile(rb"<c[\s/>]")
_LAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"' + _CELL_ATTRIBUTES.encode())


def _column_number(label: str) -> int:
    n = 0
    for ch in label.upper():
        n = n * 26 + ord(ch) - 64
    return n


class _NeedsExact(Exception):
    pass


def _scan_sheet(zf, info) -> SheetExtent:
    extent = SheetExtent(member=info.filename)
    try:
        size = _scan_fast(zf, info, extent)
    except _NeedsExact:
        extent = SheetExtent(member=info.filename, exact=True)
        size = _scan_exact(zf, info, extent)
    extent.inflated = size
    check_extent(extent, EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS)
    return extent


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref\s*=\s*["\']([^"\']*)["\']')
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def _declared(ref: str) -> tuple[int, int] | None:
    end = ref.split(":")[-1].strip()
    m = _REF.match(end)
    if not m:
        return None
    return int(m[2]), _column_number(m[1])


def _scan_fast(zf, info, extent: SheetExtent) -> int:
    """One streamed pass for canonical sheet XML; _NeedsExact when a block holds anything else.

    Per block: its last cell gives the highest row so far (rows come in order); one search finds the first cell
    not of the form `<c r="A1"` or beyond that row or beyond the widest column seen so far; a wider column in the
    form widens the search, anything else goes to the exact scan. Empty cells count as values here: a bound.
    """
    size = 0
    max_row = 0
    column = "A"
    tail = b""
    first = True
    cells_ended = False
    for block in _chunks(zf, info, limit("WORKBOOK_MAX_UNCOMPRESSED"), "WORKBOOK_MAX_UNCOMPRESSED"):
        size += len(block)
        if cells_ended:
            continue  # past </sheetData>: calamine reads no cell there, openpyxl none beyond the measured range
        buf = tail + block if tail else block
        cut = buf.rfind(b"<")
        if cut <= 0:
            tail = buf
            continue
        end = buf.find(b"</sheetData>", 0, cut)
        if end >= 0:
            # Merged ranges, conditional formats (Excel's x14:cfRule) and the like follow: not cells.
            cut, cells_ended = end, True
        if first:
            first = False
            m = _DIMENSION.search(buf, 0, min(cut, 1 << 16))
            if m:
                extent.declared = _declared(m[1].decode("ascii", "replace"))
        # Single bytes first (memchr): most blocks hold neither, and the two-byte searches are slower.
        if (buf.find(b"!", 0, cut) >= 0 and buf.find(b"<!", 0, cut) >= 0) or (
            buf.find(b":", 0, cut) >= 0 and buf.find(b":c", 0, cut) >= 0
        ):
            raise _NeedsExact  # comments, CDATA, a DTD, namespace prefixes
        last = buf.rfind(b'<c r="', 0, cut)
        if last < 0:
            if _ANY_CELL.search(buf, 0, cut):
                raise _NeedsExact  # cells, none of them in the form
        else:
            m = _LAST_CELL.match(buf, last)
            if not m:
                raise _NeedsExact
            row = int(m[2])
            if row < max_row:
                raise _NeedsExact  # rows out of order
            max_row = row
            pattern = _block_pattern(column, row)
            position = 0
            while (bad := pattern.search(buf, position, cut)) is not None:
                m = _LAST_CELL.match(buf, bad.start())
                if m is None or int(m[2]) > row or _column_number(m[1].decode()) <= _column_number(column):
                    raise _NeedsExact  # a cell not in the form, or past the block's last row
                column = m[1].decode()
                pattern = _block_pattern(column, row)
                position = bad.start()
        tail = buf[cut:]
    if not cells_ended and tail.find(b"<c") >= 0:
        raise _NeedsExact  # a cell in a truncated tail: let expat say what is wrong
    # Every cell in the form takes at least 10 bytes (<c r="A1"/>): a bound of their number without counting them.
    extent.rows, extent.columns, extent.cells = max_row, _column_number(column) if max_row else 0, size // 10
    if (
        extent.rows > limit("WORKBOOK_MAX_ROWS")
        or extent.columns > limit("WORKBOOK_MAX_COLUMNS")
        or extent.area > limit("WORKBOOK_MAX_AREA")
        or extent.cells > limit("WORKBOOK_MAX_CELLS")
    ):
        raise _NeedsExact  # empty styled cells may be what lies that far: count only the cells with a value
    return size


def _block_pattern(column: str, row: int) -> re.Pattern:
    ok = f'{_letters_le(column)}{_number_le(row)}"{_CELL_ATTRIBUTES}'
    return _compiled(f'<c(?=[\\s/>])(?! r="{ok})'.encode())


_patterns: dict[bytes, re.Pattern] = {}


def _compiled(source: bytes) -> re.Pattern:
    pattern = _patterns.get(source)
    if pattern is None:
        if len(_patterns) > 256:
            _patterns.clear()
        pattern = _patterns[source] = re.compile(source)
    return pattern


def _attribute(attrs: dict, name: str) -> str | None:
    """The last attribute of that local name, prefixed or not: what a reader matching local names would take."""
    value = None
    for key, item in attrs.items():
        if key.rsplit("}", 1)[-1] == name:
            value = item
    return value


def _scan_exact(zf, info, extent: SheetExtent) -> int:
    """expat, namespace-aware, entities refused: the used range of the cells with a value, as a reader sees it."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"row": 0, "col": 0, "cell": None, "depth": 0, "cell_depth": -1}

    def refuse(*_args):
        raise _refuse_dtd(info.filename)

    def start(name, attrs):
        state["depth"] += 1
        local = name.rsplit("}", 1)[-1]
        if state["cell"] is not None and state["depth"] == state["cell_depth"] + 1:
            row, col = state["cell"]
            state["cell"] = None  # a child (v, is, f): the cell may hold a value
            if row > extent.rows:
                extent.rows = row
            if col > extent.columns:
                extent.columns = col
            return
        if local == "row":
            r = _attribute(attrs, "r")
            state["row"] = int(r) if r and r.strip().isdigit() else state["row"] + 1
            state["col"] = 0
        elif local == "c":
            extent.cells += 1
            if extent.cells > limit("WORKBOOK_MAX_CELLS"):
                raise _refuse_count(
                    _("A sheet holds more than %(limit)s cells (%(value)s counted so far)."),
                    extent.cells,
                    "WORKBOOK_MAX_CELLS",
                )
            m = _REF.match((_attribute(attrs, "r") or "").strip())
            if m:
                state["col"] = _column_number(m[1])
                row = int(m[2])
            else:
                state["col"] += 1
                row = state["row"]
            state["cell"] = (row, state["col"])
            state["cell_depth"] = state["depth"]
        elif local == "dimension" and attrs.get("ref"):
            extent.declared = _declared(attrs["ref"])

    def end(_name):
        if state["depth"] == state["cell_depth"]:
            state["cell"] = None
            state["cell_depth"] = -1
        state["depth"] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    size = 0
    try:
        for block in _chunks(zf, info, limit("WORKBOOK_MAX_UNCOMPRESSED"), "WORKBOOK_MAX_UNCOMPRESSED"):
            size += len(block)
            parser.Parse(block, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise DamagedWorkbook(_("The file looks like an Excel workbook but is damaged.")) from exc
    return size


def last_value_row(path, member: str) -> int:
    """The last row of one worksheet that holds a value (empty styled cells do not count), parsed exactly: asked
    only when a reader meets a long run of blank rows, to tell trailing formatting from a table further down."""
    with zipfile.ZipFile(path) as zf:
        extent = SheetExtent(member=member, exact=True)
        _scan_exact(zf, zf.getinfo(member), extent)
    return extent.rows
