"""The readers of the files people bring (SPEC §11), behind one import: CSV in UTF-8 or GBK/GB18030, .xlsx, .xls.

Pure Python (no Django models): `open_table(path)` detects the format by content and the encoding by decoding,
finds the header row (title rows above it are skipped), maps Chinese header aliases to fields, and yields rows
one at a time with their line numbers (tables.py). CSV is streamed (text_files.py). An .xlsx sheet is read in
bulk by python-calamine, or streamed with openpyxl when it is huge, so memory stays bounded (xlsx.py); .xls is
read whole, at most 65,536 rows by the format (xls.py). Workbooks are measured against the limits of bounds/
before either reader touches them. Header aliases live in headers.py, cell values (dates, amounts) in values.py,
contribution tiers in tiers.py.
"""

from enrollment.files.errors import ReadError
from enrollment.files.headers import (
    FIELD_ALIASES,
    FIELD_LABELS,
    HEADER_SCAN_ROWS,
    column_letter,
    field_of,
    header_key,
    looks_like,
    looks_like_error,
    map_headers,
    shadowed_columns,
)
from enrollment.files.tables import (
    LINE_STRIDE,
    OLE_MAGIC,
    SKIPPED_KINDS,
    Table,
    detect_format,
    id_like,
    open_sheets,
    open_table,
)
from enrollment.files.text_files import detect_encoding
from enrollment.files.tiers import TierChoice, TierError, parse_tier, tiers_fitting
from enrollment.files.values import (
    is_month_only,
    label_key,
    name_damaged,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    text,
)

__all__ = [
    "FIELD_ALIASES",
    "FIELD_LABELS",
    "HEADER_SCAN_ROWS",
    "LINE_STRIDE",
    "OLE_MAGIC",
    "SKIPPED_KINDS",
    "ReadError",
    "Table",
    "TierChoice",
    "TierError",
    "column_letter",
    "detect_encoding",
    "detect_format",
    "field_of",
    "header_key",
    "id_like",
    "is_month_only",
    "label_key",
    "looks_like",
    "looks_like_error",
    "map_headers",
    "name_damaged",
    "open_sheets",
    "open_table",
    "parse_amount",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_tier",
    "shadowed_columns",
    "text",
    "tiers_fitting",
]
