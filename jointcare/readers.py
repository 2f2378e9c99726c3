"""Readers for files from outside (agreement files in YAML, tables in CSV or XLSX) that keep to jointcare.limits.

Each reader refuses, with a FieldError naming the row or key and the limit, anything over a limit, anything that
is not what it claims to be, and text that cannot be stored; none of them expands, echoes or holds in memory more
than the limits allow. Tables are read as a stream of rows, so a large file is never held whole as text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from typing import BinaryIO
from xml.parsers import expat

import yaml

from jointcare import limits
from jointcare.errors import FieldError
from jointcare.limits import shorten, size_text, text_problem

# --- YAML ----------------------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, message: str, mark=None, path: str | None = None):
        super().__init__(message)
        self.message, self.mark, self.path = message, mark, path


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases and nesting deeper than MAX_YAML_DEPTH while it composes."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(
                f"aliases (*{shorten(event.anchor, 30)}) are not allowed: write the value out in full",
                event.start_mark,
            )
        self._depth += 1
        if self._depth > limits.MAX_YAML_DEPTH:
            raise _Refused(f"the document is nested more than {limits.MAX_YAML_DEPTH} levels deep", self.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(source: str | bytes, *, field: str = "(file)"):
    """The YAML document in `source`, within the limits; FieldError (naming `field`, or the key path) otherwise."""
    size = len(source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source)
    if size > limits.MAX_YAML_BYTES:
        raise FieldError(
            f"the document is {size_text(size)}; the largest accepted is {size_text(limits.MAX_YAML_BYTES)}",
            field=field,
        )
    if isinstance(source, bytes):
        source = decode_utf8(source, field=field, what="the document")
    problem = text_problem(source)
    if problem:
        raise FieldError(f"the document {problem}", field=field)
    try:
        data = yaml.load(source, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as exc:
        raise FieldError(f"{exc.message}{_where(exc.mark)}", field=field) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None)
        detail = f": {shorten(problem, 100)}" if problem else ""
        raise FieldError(f"the file is not valid YAML{_where(mark)}{detail}", field=field) from None
    except (ValueError, OverflowError):  # e.g. an integer of more digits than Python converts
        raise FieldError("the document holds a number too large to read", field=field) from None
    try:
        _check_tree(data, "")
    except _Refused as exc:
        raise FieldError(f"{exc.path or field}: {exc.message}", field=exc.path or field) from None
    return data


def decode_utf8(data: bytes, *, field: str = "(file)", what: str = "the file") -> str:
    """`data` as text (UTF-8, with or without BOM); FieldError naming the line and column of the first byte that
    is not valid UTF-8, never a replacement character in its place."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + len(data) - len(exc.object)  # the decoder may have dropped the BOM before it
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise FieldError(
            f"{what} is not UTF-8 text: line {line}, column {column} has the byte 0x{data[start]:02x}, which is not "
            "valid UTF-8 (save the file as UTF-8 and upload it again)",
            field=field,
        ) from None


def _where(mark) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _check_tree(value, path: str, depth: int = 0) -> None:
    """Refuse text that cannot be stored, over-long text and integers beyond 64 bits, naming the key path."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise _Refused(problem, path=path or None)
        if len(value) > limits.MAX_YAML_TEXT:
            raise _Refused(f"is {len(value):,} characters long; the most allowed is {limits.MAX_YAML_TEXT:,}", path=path or None)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if abs(value) > limits.MAX_ID:
            raise _Refused("the number is too large", path=path or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_tree(key, path, depth + 1)
            _check_tree(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_tree(item, f"{path}[{i}]", depth + 1)


# --- tables: CSV and XLSX ------------------------------------------------------------------------------------


def read_table(filename: str, source: bytes | BinaryIO) -> Iterator[list]:
    """The rows of a CSV (UTF-8, with or without BOM) or XLSX (first sheet) file, header first, as a stream.

    Each row is a list of at most MAX_TABLE_COLUMNS values. Raises FieldError (each error naming its row, and its
    column where there is one) for a file over a limit, a file that is not what its name says, or text that
    cannot be stored; rows before the problem may already have been yielded.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(stream)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _csv_rows(stream)
    raise FieldError("give a .csv or .xlsx file", field="file")


def _refuse(row: int | None, message: str, column: str | None = None) -> FieldError:
    if row is None:
        text = message[:1].upper() + message[1:]
    else:
        text = f"Row {row}, {column}: {message}" if column else f"Row {row}: {message}"
    return FieldError(text, errors=[{"row": row, "field": column or "file", "message": message}])


def _column(header: list | None, i: int) -> str:
    if header and i < len(header) and isinstance(header[i], str) and header[i].strip():
        return shorten(header[i].strip().lower(), 40)
    return f"column {i + 1}"


def _too_many_rows() -> FieldError:
    return _refuse(
        None, f"the file has more than {limits.MAX_TABLE_ROWS:,} rows, the most one import reads: split it"
    )


MAX_LINE_BYTES = limits.MAX_CELL_CHARS * 4 * 8  # a physical line: room for several full cells of 4-byte UTF-8
BLOCK_BYTES = 256 * 1024  # read, decoded and checked at a time (lines are never split between blocks)
_LINES = re.compile(rb"[^\n]*\n|[^\n]+").findall  # physical lines, each with its line feed (as readline gives)
_TEXT_LINES = re.compile(r"[^\n]*\n|[^\n]+").findall


def _csv_lines(stream: BinaryIO, position: list[int]) -> Iterator[str]:
    """Decoded physical lines; `position[0]` is the number of the row the caller is reading (for messages).

    Read a block at a time: a block of whole lines is decoded and checked at once, and only a block with a
    problem (or a very long line) is gone through line by line, so that the message names the row as before."""
    carry = b""
    bom = True
    while True:
        data = stream.read(BLOCK_BYTES)
        if data:
            data = carry + data if carry else data
            end = data.rfind(b"\n") + 1
            if not end:
                if len(data) > MAX_LINE_BYTES:
                    raise _refuse(position[0], f"a line is longer than {size_text(MAX_LINE_BYTES)}")
                carry = data
                continue
            whole, carry = data[:end], data[end:]
        elif carry:
            whole, carry = carry, b""
        else:
            return
        if bom:
            whole, bom = whole.removeprefix(codecs.BOM_UTF8), False
        text = None
        if len(whole) <= MAX_LINE_BYTES:
            try:
                text = whole.decode("utf-8")
            except UnicodeDecodeError:
                pass
        if text is not None and text_problem(text) is None:
            yield from _TEXT_LINES(text) if text else ("",)  # (a file of nothing but a BOM: one empty line)
        else:
            yield from _checked_lines(_LINES(whole), position)


def _checked_lines(lines: list[bytes], position: list[int]) -> Iterator[str]:
    """Lines decoded and checked one at a time: the first with a problem is refused naming the row being read."""
    for raw in lines:
        if len(raw) - raw.endswith(b"\n") > MAX_LINE_BYTES:
            raise _refuse(position[0], f"a line is longer than {size_text(MAX_LINE_BYTES)}")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _refuse(
                position[0], f"the text is not UTF-8 (byte {exc.start + 1} of the line, 0x{raw[exc.start]:02x}, is not valid)"
            ) from None
        problem = text_problem(line)
        if problem:
            raise _refuse(position[0], f"the line {problem}")
        yield line


def _csv_rows(stream: BinaryIO) -> Iterator[list]:
    position = [1]
    reader = csv.reader(_csv_lines(stream, position))
    header = None
    cap = limits.MAX_TABLE_COLUMNS
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "field larger than field limit" in message:
                message = f"a field is longer than {csv.field_size_limit():,} characters, the most one field may hold"
            raise _refuse(position[0], f"the row cannot be read as CSV ({message})") from None
        if position[0] > limits.MAX_TABLE_ROWS + 1:
            raise _too_many_rows()
        if len(row) > cap:
            extra = next((i for i in range(cap, len(row)) if row[i].strip()), None)
            if extra is not None:
                raise _refuse(
                    position[0], f"there is a value in column {extra + 1}; at most {cap} columns are read"
                )
            row = row[:cap]
        for i, value in enumerate(row) if row and max(map(len, row)) > limits.MAX_CELL_CHARS else ():
            if len(value) > limits.MAX_CELL_CHARS:
                raise _refuse(
                    position[0], f"is {len(value):,} characters long; the most one cell may hold is {limits.MAX_CELL_CHARS:,}",
                    _column(header, i),
                )
        if header is None:
            header = row
        position[0] += 1
        yield row


def _xlsx_rows(stream: BinaryIO) -> Iterator[list]:
    not_xlsx = _refuse(None, "the file is not a readable XLSX workbook")
    try:
        with zipfile.ZipFile(stream) as archive:
            _check_archive(archive)
    except FieldError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise not_xlsx from None

    from openpyxl import load_workbook

    try:
        stream.seek(0)
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the file's own <dimension> claim is not trusted: read what is there
        rows = sheet.iter_rows(max_col=limits.MAX_TABLE_COLUMNS, values_only=True)
    except FieldError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file it cannot read
        raise not_xlsx from None
    return _xlsx_values(workbook, rows, not_xlsx)


def _xlsx_values(workbook, rows, not_xlsx: FieldError) -> Iterator[list]:
    n = 0
    try:
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception:  # noqa: BLE001 - as above, while streaming the sheet
                raise not_xlsx from None
            n += 1
            if n > limits.MAX_TABLE_ROWS + 1:
                raise _too_many_rows()
            # no text check here: the XML scan has refused control characters and surrogates already
            yield list(row)
    finally:
        workbook.close()


def _check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts unzip to more than the limits (a zip bomb) before anything is read, then scan
    the XML of every part for what openpyxl would hold in memory: over-long text, over-wide rows, entities."""
    members = archive.infolist()
    if len(members) > 10_000:
        raise _refuse(None, "the workbook has more than 10,000 parts")
    total = sum(m.file_size for m in members)
    if total > limits.MAX_XLSX_UNZIPPED_BYTES:
        raise _refuse(
            None,
            f"the workbook unzips to {size_text(total)}; the most accepted is {size_text(limits.MAX_XLSX_UNZIPPED_BYTES)}"
            " (save large files as CSV)",
        )
    for m in members:
        if m.file_size > limits.MB and m.file_size > limits.MAX_XLSX_RATIO * max(m.compress_size, 1):
            raise _refuse(
                None,
                f"the part {shorten(m.filename, 60)} unzips to {m.file_size // max(m.compress_size, 1):,} times its "
                f"compressed size; the most accepted is {limits.MAX_XLSX_RATIO} times",
            )
    for m in members:
        if m.filename.endswith((".xml", ".rels")):
            with archive.open(m) as part:
                _scan_xml(part, m.filename)


def _scan_xml(part: BinaryIO, name: str) -> None:
    """Stream one XML part through expat, refusing DTDs and entities, text longer than an Excel cell, rows wider
    than Excel's, and more than MAX_TABLE_ROWS rows; nothing is kept in memory."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    children: list[int] = []
    tags: list[str] = []
    text = [0]

    def fail(message: str):
        raise _refuse(None, f"the part {shorten(name, 60)} {message}")

    def start(tag, attrs):
        local = tag.rsplit(":", 1)[-1]
        if children:
            children[-1] += 1
            parent, count = tags[-1], children[-1]
            if parent == "row" and count > limits.MAX_XLSX_CELLS_PER_ROW:
                fail(f"has a row of more than {limits.MAX_XLSX_CELLS_PER_ROW:,} cells")
            if parent == "sheetData" and count > limits.MAX_TABLE_ROWS + 1:
                raise _too_many_rows()
            if parent not in ("row", "sheetData", "sst") and count > 100_000:
                fail("has an element with more than 100,000 parts")
        if len(tags) > 50:
            fail("is nested more than 50 levels deep")
        tags.append(local)
        children.append(0)
        text[0] = 0

    def end(tag):
        tags.pop()
        children.pop()
        text[0] = 0

    def chars(data):
        text[0] += len(data)
        if text[0] > limits.MAX_CELL_CHARS:
            fail(f"holds a text longer than {limits.MAX_CELL_CHARS:,} characters, the most one cell may hold")

    def doctype(*args):
        fail("declares a document type, which a workbook does not")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        while chunk := part.read(1 << 20):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        fail("is not well-formed XML")
