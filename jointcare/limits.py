"""The stated limits on what jointcare reads from outside, and the check every piece of text passes.

Everything a user or another system sends (request bodies, uploads, agreement files, spreadsheets, form fields,
query strings) is held to these numbers; a request over one is refused with a message naming the limit.
Decision 0050 gives the reasons for each number.
"""

from __future__ import annotations

import re

from jointcare.errors import FieldError

MB = 1_000_000

# request bodies (settings.py reads JOINTCARE_MAX_UPLOAD_MB; these are the defaults and fixed limits)
DEFAULT_MAX_UPLOAD_MB = 64  # one request carrying a file: a CSV or XLSX of actuals, an agreement file
MAX_BODY_BYTES = 2 * MB  # any other request body: JSON, form fields (Django's DATA_UPLOAD_MAX_MEMORY_SIZE)

# agreement files (YAML)
MAX_YAML_BYTES = 1 * MB
MAX_YAML_DEPTH = 20  # an agreement file is at most five levels deep
MAX_YAML_TEXT = 10_000  # characters in one value

# spreadsheets and CSV files
MAX_TABLE_ROWS = 1_000_000
MAX_TABLE_COLUMNS = 50  # columns read; any further columns of an XLSX are ignored
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_XLSX_UNZIPPED_BYTES = 300 * MB  # all parts of a workbook, once unzipped
MAX_XLSX_RATIO = 100  # how many times larger than its compressed size one part may be
MAX_XLSX_CELLS_PER_ROW = 16_384  # Excel's own limit (column XFD)

# Client Level Data and hospital activity files: read by DuckDB from disk within a memory limit, so far larger
# than the tables above (a national CLD set is tens of millions of rows; one import reads up to 20 million)
MAX_CLD_ROWS = 20_000_000
MAX_CLD_COLUMNS = 100  # CLD has 47 fields; other columns (an LA name, a council's own) are read and ignored

# JSON bodies
MAX_JSON_DEPTH = 32

# integers: database ids are signed 64-bit; counts of people (votes) fit a small integer column
MAX_ID = 2**63 - 1
MAX_COUNT = 10_000

# C0 control characters other than tab, line feed and carriage return (NUL among them: PostgreSQL refuses it in
# text, XLSX cannot hold any of them), and lone UTF-16 surrogates (no valid UTF-8 encodes them).
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text (a NUL or other control character, a lone surrogate); None if it can."""
    match = _BAD_TEXT.search(value)
    if match is None:
        return None
    char = match.group()
    position = match.start() + 1
    if char == "\x00":
        return f"contains a NUL character (at character {position}), which is not allowed"
    if "\ud800" <= char <= "\udfff":
        return f"contains invalid Unicode (a lone surrogate, U+{ord(char):04X}, at character {position})"
    return f"contains the control character U+{ord(char):04X} (at character {position}), which is not allowed"


def check_text(value: str, field: str | None = None) -> str:
    """`value` if it can be stored as text; FieldError naming `field` otherwise."""
    problem = text_problem(value)
    if problem:
        raise FieldError(f"{field}: {problem}" if field else problem.capitalize(), field=field)
    return value


def shorten(value, limit: int = 60) -> str:
    """`value` as text of at most `limit` characters, for echoing in an error message."""
    text = str(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def size_text(n_bytes: int) -> str:
    """A size in bytes as megabytes for a message: 64 MB, 2.5 MB, 0.1 MB."""
    return f"{n_bytes / MB:,.1f} MB".replace(".0 MB", " MB")
