"""Reading the counties' own quota (参保任务) tables: pure Python, no Django models.

Layouts seen in the notices (SPEC §9):

- seed 002 (朱集) annex: a title, then ``序号 村名 村人口数 任务数 备注``, one row per village and a
  ``合计`` row with the stated totals;
- seed 004 (孝义) two-column table: ``序号 乡镇（街道） 任务数(人)`` twice side by side, units that are not
  places (学校, 改制企业, 特困人员, 零散户) among them, ``合计 346038人`` at the bottom;
- seed 001 (肃南) states its plan in a sentence; its fixture is the same annex layout, typed by hand.

The reader finds the header row (title lines above it are skipped), splits a header that repeats its
columns into side-by-side blocks, reads every data row, and keeps the stated total of a ``合计`` row as
the document states it. Problems are returned as `Issue` codes with row and column; the service turns
them into Chinese messages, so this module stays free of Django models and views.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from enrollment.files.headers import header_key as shared_header_key

# Header aliases, compared after `header_key` (NFKC, no spaces, a trailing "(人)"-style unit removed).
NAME_HEADERS = {
    "村名": "village",
    "村": "village",
    "村(社区)": "village",
    "村社区": "village",
    "村居": "village",
    "社区": "village",
    "村(居)": "village",
    "村名称": "village",
    "乡镇": "township",
    "乡镇(街道)": "township",
    "乡镇街道": "township",
    "街道": "township",
    "乡镇名称": "township",
    "乡(镇)": "township",
    "单位": "",
    "单位名称": "",
    "名称": "",
    "参保单位": "",
}
TARGET_HEADERS = {"任务数", "参保任务", "参保任务数", "任务", "目标任务", "计划数", "参保计划", "任务人数", "下达任务"}
POPULATION_HEADERS = {"村人口数", "人口数", "人口", "户籍人口", "户籍人口数", "总人口"}
SEQ_HEADERS = {"序号", "编号"}
NOTE_HEADERS = {"备注", "说明"}
TOTAL_LABELS = {"合计", "总计", "合计数", "全县合计", "全镇合计", "全市合计"}

# Kind of a unit from its name, when the header does not say: the last characters of Chinese place names.
VILLAGE_SUFFIXES = ("村", "社区", "居委会", "村委会")
TOWNSHIP_SUFFIXES = ("镇", "乡", "街道", "街道办事处", "苏木")

HEADER_SEARCH_ROWS = 15
MAX_ROWS = 5000


@dataclass(frozen=True)
class Issue:
    """A problem in the file: `row` is the 1-based line/row in the file, `column` the header text."""

    code: str
    row: int = 0
    column: str = ""
    value: str = ""


@dataclass(frozen=True)
class QuotaRow:
    row: int
    seq: int
    name: str
    kind_hint: str  # "township" | "village" from the name's ending; "" when it names no place (学校, 零散户)
    column_kind: str  # what the name column's header says: "township" | "village" | ""
    target: int
    population: int | None = None
    note: str = ""


@dataclass
class ParsedQuotaTable:
    title: str = ""
    rows: list[QuotaRow] = field(default_factory=list)
    stated_total: int | None = None
    stated_population: int | None = None
    errors: list[Issue] = field(default_factory=list)

    @property
    def summed_total(self) -> int:
        return sum(r.target for r in self.rows)

    @property
    def summed_population(self) -> int | None:
        values = [r.population for r in self.rows if r.population is not None]
        return sum(values) if values else None

    @property
    def total_mismatch(self) -> bool:
        return self.stated_total is not None and self.stated_total != self.summed_total


def header_key(text: object) -> str:
    """A header as every reader compares it (enrollment/files/headers.py), less a trailing unit in brackets."""
    return re.sub(r"\((人|个|户|人数)\)$", "", shared_header_key(text))


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).replace("\u3000", " ").strip()


def parse_count(value: object) -> int | None:
    """A head count as tables write it: 41851, 41,851, "346038人", 2251.0. None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = re.sub(r"\s+", "", cell_text(value)).replace(",", "").replace("，", "")
    text = re.sub(r"(人|个|户)$", "", text)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if number != number.to_integral_value():
        return None
    return int(number)


def kind_from_name(name: str) -> str:
    if name.endswith(VILLAGE_SUFFIXES):
        return "village"
    if name.endswith(TOWNSHIP_SUFFIXES):
        return "township"
    return ""


@dataclass(frozen=True)
class Block:
    """One side-by-side block of columns: where its name, target, population, seq and note are."""

    name: int
    target: int
    name_header: str
    target_header: str
    kind: str
    seq: int | None = None
    population: int | None = None
    note: int | None = None
    population_header: str = ""


def find_blocks(header: Sequence[str]) -> list[Block]:
    """Split a header row into blocks; a second name column starts a second block (孝义's two columns)."""
    keys = [header_key(h) for h in header]
    name_cols = [i for i, k in enumerate(keys) if k in NAME_HEADERS]
    blocks = []
    for n, start_name in enumerate(name_cols):
        end = name_cols[n + 1] if n + 1 < len(name_cols) else len(keys)
        # The block begins at its 序号 when one sits right before the name column.
        begin = start_name - 1 if start_name > 0 and keys[start_name - 1] in SEQ_HEADERS else start_name
        if n + 1 < len(name_cols) and end > 0 and keys[end - 1] in SEQ_HEADERS:
            end -= 1
        cols = range(begin, end)
        target = next((i for i in cols if keys[i] in TARGET_HEADERS), None)
        if target is None:
            continue
        population = next((i for i in cols if keys[i] in POPULATION_HEADERS), None)
        blocks.append(
            Block(
                name=start_name,
                target=target,
                name_header=str(header[start_name]).strip(),
                target_header=str(header[target]).strip(),
                kind=NAME_HEADERS[keys[start_name]],
                seq=begin if begin != start_name else None,
                population=population,
                note=next((i for i in cols if keys[i] in NOTE_HEADERS), None),
                population_header=str(header[population]).strip() if population is not None else "",
            )
        )
    return blocks


def parse_rows(rows: Iterable[Sequence[object]]) -> ParsedQuotaTable:
    """Parse a quota table from its rows of cells (csv or worksheet); row numbers are 1-based."""
    result = ParsedQuotaTable()
    header: list[str] | None = None
    blocks: list[Block] = []
    title_lines: list[str] = []
    seen_names: dict[str, int] = {}
    total_seen = False
    for number, raw in enumerate(rows, start=1):
        cells = [cell_text(c) for c in raw]
        if not any(cells):
            continue
        if header is None:
            found = find_blocks(cells)
            if found:
                header, blocks = cells, found
            elif number > HEADER_SEARCH_ROWS:
                break
            else:
                title_lines.append(" ".join(c for c in cells if c))
            continue
        if number > MAX_ROWS:
            result.errors.append(Issue("too_many_rows", number, value=str(MAX_ROWS)))
            break
        if _is_total_row(cells, blocks):
            if total_seen:
                result.errors.append(Issue("second_total", number))
            total_seen = True
            _read_total(cells, blocks, number, result)
            continue
        if total_seen:
            # Lines after the total are signatures or notes ("附件", dates): not units.
            continue
        for block in blocks:
            _read_unit(cells, block, number, result, seen_names)
    if header is None:
        result.errors.append(Issue("no_header"))
    elif not result.rows and not result.errors:
        result.errors.append(Issue("no_rows"))
    result.title = next((t for t in reversed(title_lines) if t not in {"附件", "附表"}), "")
    result.rows.sort(key=lambda r: (r.seq, r.row))
    return result


def _cell(cells: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def _is_total_row(cells: Sequence[str], blocks: Sequence[Block]) -> bool:
    first = next((c for c in cells if c), "")
    return re.sub(r"\s+", "", first) in TOTAL_LABELS


def _read_total(cells: Sequence[str], blocks: Sequence[Block], number: int, result: ParsedQuotaTable) -> None:
    block = blocks[0]
    target_text = _cell(cells, block.target)
    stated = parse_count(target_text) if target_text else None
    if stated is None:
        # 孝义 writes "合计 346038人" in the cell right after the label, not under 任务数.
        label = next(i for i, c in enumerate(cells) if c)
        stated = next((parse_count(c) for c in cells[label + 1 :] if c and parse_count(c) is not None), None)
    else:
        population_text = _cell(cells, block.population)
        result.stated_population = parse_count(population_text) if population_text else None
    if stated is None:
        result.errors.append(Issue("total_unreadable", number, block.target_header, target_text))
    else:
        result.stated_total = stated


def _read_unit(cells: Sequence[str], block: Block, number: int, result: ParsedQuotaTable, seen: dict[str, int]) -> None:
    name = re.sub(r"\s+", "", _cell(cells, block.name))
    target_text = _cell(cells, block.target)
    seq_text = _cell(cells, block.seq)
    if not name and not target_text:
        return
    if not name:
        result.errors.append(Issue("name_missing", number, block.name_header))
        return
    if name in seen:
        result.errors.append(Issue("duplicate_name", number, block.name_header, f"{name}|{seen[name]}"))
        return
    seen[name] = number
    target = parse_count(target_text)
    if not target_text:
        result.errors.append(Issue("target_missing", number, block.target_header))
        return
    if target is None:
        result.errors.append(Issue("target_not_number", number, block.target_header, target_text))
        return
    if target <= 0:
        result.errors.append(Issue("target_not_positive", number, block.target_header, target_text))
        return
    population = None
    population_text = _cell(cells, block.population)
    if population_text:
        population = parse_count(population_text)
        if population is None or population < 0:
            result.errors.append(Issue("population_not_number", number, block.population_header, population_text))
            return
    seq = parse_count(seq_text) if seq_text else None
    if seq_text and (seq is None or seq <= 0):
        result.errors.append(Issue("seq_not_number", number, "序号", seq_text))
        return
    result.rows.append(
        QuotaRow(
            row=number,
            seq=seq if seq is not None else len(result.rows) + 1,
            name=name,
            kind_hint=kind_from_name(name),
            column_kind=block.kind,
            target=target,
            population=population,
            note=_cell(cells, block.note),
        )
    )


# --- files -------------------------------------------------------------------------------------------


def header_score(cells: Sequence[object]) -> int:
    """How many blocks of a quota table a row heads (0: not a header): tells a text file's delimiter."""
    return len(find_blocks([cell_text(c) for c in cells]))


def parse_file(data: bytes, filename: str, *, max_bytes: int | None = None) -> ParsedQuotaTable:
    """Parse a quota table file (.csv/.txt in UTF-8, GBK or UTF-16, .xlsx or .xls) from its bytes.

    The file passes the upload checks every import kind passes (size, type by content, zip bombs, workbook
    bounds: enrollment/files/uploads.py) and is read by the same readers; its first sheet is the table.
    A refusal is one `file_refused` issue whose value is the reader's message, in the user's language.
    """
    from enrollment.files.readers import ReadError, open_sheets
    from enrollment.files.uploads import check_upload, upload_max_bytes

    with tempfile.NamedTemporaryFile(suffix=Path(filename).suffix[:16]) as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            check_upload(tmp.name, max_bytes=max_bytes or upload_max_bytes(), original_name=filename)
            sheets, close = open_sheets(tmp.name, header_score=header_score)
        except ReadError as error:
            return _refused(str(error))
        try:
            return parse_rows(cells for _line, cells in sheets[0].rows) if sheets else parse_rows([])
        except ReadError as error:  # found while reading on: undecodable bytes, a malformed CSV line
            return _refused(str(error))
        finally:
            close()


def _refused(message: str) -> ParsedQuotaTable:
    result = ParsedQuotaTable()
    result.errors.append(Issue("file_refused", value=message))
    return result


# --- place names -------------------------------------------------------------------------------------

# Ethnic designations inside township names: the notice writes 马蹄乡, the register 马蹄藏族乡.
_ETHNIC_TEXT = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
)
ETHNIC_NAMES = _ETHNIC_TEXT.split()
_ETHNIC = re.compile("(?:(?:" + "|".join(sorted(ETHNIC_NAMES, key=len, reverse=True)) + ")族)+(?=[乡镇])")


def place_key(name: str) -> str:
    """A name reduced for matching: NFKC, no spaces, ethnic designations removed (马蹄藏族乡 → 马蹄乡)."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))
    stripped = _ETHNIC.sub("", key)
    # Keep the name whole when removing the designation would leave only a suffix.
    return stripped if len(stripped) >= 2 else key
