"""Turning what DuckDB says about a bad file into an InputError a user can act on."""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import re
from pathlib import Path

from ..errors import InputError, cut

MAX_LINE_BYTES = 2_097_152     # DuckDB's max_line_size: a longer row is rejected
INTEGER_TYPES = {"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"}


def expected_for(typ: str, column: str | None = None) -> str:
    """What a value of a declared type looks like, in words."""
    typ = typ.upper()
    if typ in ("BIGINT", "INTEGER", "SMALLINT", "HUGEINT"):
        is_id = bool(column) and (column.lower().endswith("id") or column.lower().endswith("_id"))
        return "an integer id" if is_id else "a whole number"
    if typ in ("TIMESTAMP", "DATE"):
        return "a timestamp like 2150-01-31 13:45:00"
    if typ in ("DOUBLE", "FLOAT", "DECIMAL"):
        return "a number"
    return f"a {typ} value"


def first_line(e: Exception) -> str:
    """The first line of an exception's message."""
    return str(e).strip().splitlines()[0]


def reject_error(path: Path, line, column, kind, csv_line, message, columns: dict[str, str]) -> InputError:
    """The InputError for the first row DuckDB's CSV reader rejected (DuckDB counts records; the
    message names the file's line)."""
    line = physical_line(path, line)
    m = re.search(r'Could not convert string "(.*)" to \'(\w+)\'', message or "")
    if m:
        value, typ = m.group(1), m.group(2)
        # the declared type, not the type read (integer columns are read as DOUBLE)
        return InputError("value does not parse", path=path, line=line, column=column, value=value,
                          expected=expected_for(columns.get(column, typ), column))
    if "LINE SIZE" in (kind or "").upper():
        return InputError(f"a row longer than DuckDB's limit of {MAX_LINE_BYTES:,} bytes", path=path, line=line,
                          value=csv_line, expected="rows of at most 2 MiB (no clinical field is this long; check "
                                                   "the file, or its quotes)")
    return InputError(f"malformed row ({(kind or '').lower()}): {cut(csv_line)}", path=path, line=line,
                      expected=f"{len(columns)} comma-separated fields matching the header")


def physical_line(path: Path | str | None, record: int | None) -> int | None:
    """The file line on which CSV record `record` starts (records counted like lines: the header is 1).

    DuckDB and row positions count records; a quoted field holding newlines makes a record span
    several lines, so the record's number and its line differ after it. Parquet files have no lines:
    the number is returned as it is."""
    if path is None or record is None or record < 1 or not Path(path).is_file():
        return record
    path = Path(path)
    if path.name.lower().endswith(".parquet"):
        return record
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with no_field_limit(), opener(path, "rb") as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=""))
            end = 0  # the line the previous record ended on
            for _ in range(record - 1):
                if next(reader, None) is None:
                    return record
                end = reader.line_num
            return end + 1
    except (OSError, EOFError, csv.Error):
        return record


@contextlib.contextmanager
def no_field_limit():
    """Let Python's csv module read fields as long as DuckDB does (its default stops at 128 KiB)."""
    limit = csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(limit)


def not_utf8_error(path: Path, line: int | None) -> InputError:
    """The InputError for a CSV that is not UTF-8: the first byte that is not, its offset and a hint."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1
    try:
        with opener(path, "rb") as f:
            while chunk := f.read(1 << 20):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as e:
                    # the decoder may hold back up to 3 bytes of the last chunk: find the byte in the whole
                    start = max(0, e.start - 3)
                    bad = offset + start + _first_invalid(chunk[start:])
                    line_at = lines + chunk[: bad - offset].count(b"\n")
                    byte = chunk[bad - offset]
                    where = " of the uncompressed text" if opener is gzip.open else ""
                    return InputError(f"not UTF-8 text: byte 0x{byte:02X} at byte offset {bad:,}{where}", path=path,
                                      line=line_at, expected=_encoding_hint(path))
                lines += chunk.count(b"\n")
                offset += len(chunk)
    except (OSError, EOFError):
        pass
    return InputError("not UTF-8 text", path=path, line=physical_line(path, line), expected=_encoding_hint(path))


def _encoding_hint(path: Path) -> str:
    name = path.name
    convert = (f"zcat {name} | iconv -f latin1 -t utf-8 | gzip > utf8/{name}" if name.lower().endswith(".gz")
               else f"iconv -f latin1 -t utf-8 {name} > utf8/{name}")
    return f"UTF-8 text; convert the file ({convert}) or load it with --encoding latin-1"


def _first_invalid(data: bytes) -> int:
    """Position of the first byte of `data` that does not start or continue valid UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start
    return len(data)


def line_holding(path: Path | str | None, column: str, value: str) -> int | None:
    """The line of the first CSV record whose `column` holds `value` (compared as numbers when both are),
    or None (no such record, or not a CSV file). For naming a row that a check found by value."""
    if path is None or not Path(path).is_file() or Path(path).name.lower().endswith(".parquet"):
        return None
    path = Path(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with no_field_limit(), opener(path, "rb") as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=""))
            header = [h.strip().lower() for h in next(reader, [])]
            if column not in header:
                return None
            index, end = header.index(column), reader.line_num
            for row in reader:
                start, end = end + 1, reader.line_num
                cell = row[index].strip() if index < len(row) else ""
                if cell == value or (cell and value and _same_number(cell, value)):
                    return start
    except (OSError, EOFError, csv.Error):
        return None
    return None


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False
