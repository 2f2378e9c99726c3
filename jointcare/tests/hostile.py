"""Hostile files and request bodies, and a runner that feeds one of them to jointcare in a process of its own.

    python -m jointcare.tests.hostile prepare WORLD.json      build a database with jointcare.tests.world in it
    python -m jointcare.tests.hostile CASE WORLD.json         run one case; print its outcome as JSON

The database is the one DATABASE_URL (or, for SQLite, JOINTCARE_VAR_DIR) names. Each case builds its input
inside the process (so the parent never holds it) and hands it to the code that reads such input: the readers of
jointcare.readers for files, Django's test client for the API. The outcome says what came back (the status and
the error shape for the API; "read" or "refused" with the message for a reader), how long it took and the
process's peak resident memory. test_hostile_input.py runs each case under a 1 GiB address-space limit.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import resource
import sys
import time
import zipfile
from pathlib import Path

MB = 1_000_000

# --- files ---------------------------------------------------------------------------------------------------


def billion_laughs() -> str:
    """The classic: nine levels of nine aliases each, 10**9 'lol's once expanded, in about 650 bytes."""
    lines = ['lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level, (name, prev) in enumerate(zip("bcdefghij", "abcdefghi", strict=True), start=1):
        lines.append(f"l{level}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


def deep_yaml(depth: int = 100_000) -> str:
    return "pool: " + "[" * depth + "]" * depth + "\n"


def workbook(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def rewrite_part(data: bytes, name: str, change) -> bytes:
    """The workbook `data` with the part `name` replaced by change(part) (bytes, or an iterator of chunks)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename != name:
                target.writestr(item.filename, body)
                continue
            new = change(body)
            with target.open(item.filename, "w", force_zip64=True) as part:
                for chunk in [new] if isinstance(new, bytes) else new:
                    part.write(chunk)
    return out.getvalue()


def actuals_rows(n: int):
    yield ["reference", "date", "scheme", "amount"]
    for i in range(n):
        yield [f"INV-{i}", "2026-05-01", "REAB" if i % 2 else "EQUIP", 10 + i % 90]


def dimension_bomb() -> bytes:
    """About 76 KB: 4,000 rows of actuals whose <dimension> claims every column and row Excel has."""
    data = workbook(actuals_rows(4000))
    return rewrite_part(
        data, SHEET, lambda b: re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', b)
    )


def zip_bomb(unzipped_mb: int = 400) -> bytes:
    """A workbook whose sheet unzips to `unzipped_mb` MB (one cell of spaces), a few hundred KB zipped."""

    def sheet(body: bytes):
        head, tail = body.split(b"</sheetData>")
        yield head + b'<row r="9"><c r="A9" t="inlineStr"><is><t>'
        for _ in range(unzipped_mb):
            yield b" " * MB
        yield b"</t></is></c></row></sheetData>" + tail

    return rewrite_part(workbook(actuals_rows(2)), SHEET, sheet)


def _sheet_with(extra_row: bytes):
    def change(body: bytes) -> bytes:
        return body.replace(b"</sheetData>", extra_row + b"</sheetData>")

    return change


def huge_cell() -> bytes:
    """One cell of 2 million random letters: fine for zip, far over Excel's 32,767 characters."""
    rng = random.Random(1)
    text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2_000_000)).encode()
    row = b'<row r="9"><c r="A9" t="inlineStr"><is><t>' + text + b"</t></is></c></row>"
    return rewrite_part(workbook(actuals_rows(2)), SHEET, _sheet_with(row))


def wide_row() -> bytes:
    """A row of 200,000 cells (Excel's widest is 16,384)."""
    cells = b"".join(b'<c r="A9" t="n"><v>%d</v></c>' % i for i in range(200_000))
    return rewrite_part(workbook(actuals_rows(2)), SHEET, _sheet_with(b'<row r="9">' + cells + b"</row>"))


def entity_bomb() -> bytes:
    """The billion laughs again, as XML entities in the sheet."""
    entities = '<!ENTITY a "lol">' + "".join(
        f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for n, p in zip("bcdefghij", "abcdefghi", strict=True)
    )

    def change(body: bytes) -> bytes:
        doctype = f"<!DOCTYPE worksheet [{entities}]>".encode()
        body = body.replace(b"</sheetData>", b'<row r="9"><c r="A9" t="inlineStr"><is><t>&j;</t></is></c></row></sheetData>')
        return doctype + body

    return rewrite_part(workbook(actuals_rows(2)), SHEET, change)


def big_csv(megabytes: float) -> Path:
    """A CSV of valid actuals for the world's pool, at least `megabytes` MB, in a temporary file."""
    import tempfile

    path = Path(tempfile.mkstemp(suffix=".csv")[1])
    target, size, i = int(megabytes * MB), 0, 0
    with path.open("w", encoding="utf-8") as f:
        f.write("reference,date,scheme,partner,supplier,description,amount\n")
        while size < target:
            lines = []
            for _ in range(10_000):
                line = (
                    f"INV-{i:09d},2026-{5 + i % 7:02d}-{1 + i % 28:02d},{'REAB' if i % 2 else 'EQUIP'},"
                    f"{'QOP' if i % 3 else 'E08000009'},Provider {i % 997} Ltd,Home care visits week {i % 52 + 1},"
                    f"{100 + (i * 7919) % 100_000}.{i % 100:02d}\n"
                )
                lines.append(line)
                size += len(line)
                i += 1
            f.write("".join(lines))
    return path


# --- cases ---------------------------------------------------------------------------------------------------


def _read(name: str, content):
    """Read a file through jointcare.readers: ("read", rows, widest row) or ("refused", message, errors)."""
    from jointcare import readers
    from jointcare.errors import FieldError

    try:
        if name.endswith((".yaml", ".yml")):
            readers.load_yaml(content)
            return {"outcome": "read"}
        rows = widest = 0
        for row in readers.read_table(name, content):
            rows, widest = rows + 1, max(widest, len(row))
        return {"outcome": "read", "rows": rows, "widest": widest}
    except FieldError as exc:
        return {"outcome": "refused", "message": exc.message, "errors": exc.errors}


def _api(world: dict, method: str, path: str, body=None, content_type="application/json", **extra):
    import django

    django.setup()
    from django.test import Client

    client = Client(raise_request_exception=False)
    path = path.format(**world)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['token']}", **extra}
    if content_type == "multipart":
        response = client.post(path, body, **headers)
    elif body is None:
        response = client.generic(method, path, **headers)
    else:
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        response = client.generic(method, path, data, content_type=content_type, **headers)
    result = {"status": response.status_code, "content_type": response.get("Content-Type", "")}
    if result["content_type"].startswith("application/json"):
        result["body"] = response.json()
    return result


def _upload(world, name: str, content, dry_run=True):
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {"file": SimpleUploadedFile(name, content), "dry_run": "true" if dry_run else "false"}
    return _api(world, "POST", "/api/v1/pools/{pool_id}/actuals", form, content_type="multipart")


def _upload_file(world, path: Path):
    """Upload a file from disk as the API receives it (streamed from a temporary file, as Django spools it)."""
    from django.core.files.uploadedfile import TemporaryUploadedFile

    import django

    django.setup()
    from django.test import Client

    upload = TemporaryUploadedFile(path.name, "text/csv", path.stat().st_size, "utf-8")
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            upload.write(chunk)
    upload.seek(0)
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/v1/pools/{pool_id}/actuals".format(**world),
        {"file": upload, "dry_run": "true"},
        HTTP_AUTHORIZATION=f"Bearer {world['token']}",
    )
    result = {"status": response.status_code, "content_type": response.get("Content-Type", "")}
    if result["content_type"].startswith("application/json"):
        result["body"] = response.json()
    return result


def _organisation(**fields):
    return {"name": "Hostile Ltd", "kind": "provider", "sector": "independent", **fields}


def _commitment(amount):
    return {"scheme": "REAB", "month": "2026-06-01", "amount_pence": amount, "source": "care", "reference": "p1"}


CASES = {
    # agreement files (YAML)
    "yaml billion laughs": lambda w: _read("a.yaml", billion_laughs()),
    "yaml 100,000 levels deep": lambda w: _read("a.yaml", deep_yaml()),
    "api yaml billion laughs": lambda w: _api(w, "POST", "/api/v1/pools", {"document": billion_laughs()}),
    "api yaml 100,000 levels deep": lambda w: _api(w, "POST", "/api/v1/pools", {"document": deep_yaml()}),
    "api yaml nul escape": lambda w: _api(w, "POST", "/api/v1/pools", {"document": 'pool: {name: "a\\0b"}'}),
    # spreadsheets
    "xlsx dimension bomb": lambda w: _read("a.xlsx", dimension_bomb()),
    "api xlsx dimension bomb": lambda w: _upload(w, "a.xlsx", dimension_bomb()),
    "xlsx zip bomb": lambda w: _read("a.xlsx", zip_bomb()),
    "xlsx cell of 2 million characters": lambda w: _read("a.xlsx", huge_cell()),
    "xlsx row of 200,000 cells": lambda w: _read("a.xlsx", wide_row()),
    "xlsx entity expansion": lambda w: _read("a.xlsx", entity_bomb()),
    "xlsx not a workbook": lambda w: _read("a.xlsx", os.urandom(100_000)),
    # CSV
    "csv field over 131,072 characters": lambda w: _read("a.csv", b'reference,amount\nA,"' + b"x" * 200_000 + b'"\n'),
    "csv not UTF-8": lambda w: _read("a.csv", b"reference,amount\nA,1\nB,\xff\xfe\n"),
    "csv NUL": lambda w: _read("a.csv", b"reference,amount\nA,1\nB\x00,2\n"),
    "csv lone surrogate": lambda w: _read("a.csv", b"reference,amount\nA,1\nB,\xed\xa0\x80\n"),
    "api csv 50 MB dry run": lambda w: _upload_file(w, big_csv(50)),
    "api upload over the limit": lambda w: _upload(w, "big.csv", b"reference,date,scheme,amount\n" + b"x" * 70 * MB),
    "api csv amount 10**30 pounds": lambda w: _upload(
        w, "a.csv", b"reference,date,scheme,amount\nA,2026-05-01,REAB," + b"9" * 31 + b"\n"
    ),
    # request bodies
    "api json body over the limit": lambda w: _api(w, "POST", "/api/v1/pools", {"document": "x" * 3 * MB}),
    "api json malformed": lambda w: _api(w, "POST", "/api/v1/pools", '{"document": '),
    "api json 100,000 levels deep": lambda w: _api(w, "POST", "/api/v1/organisations", "[" * 100_000 + "]" * 100_000),
    "api json NUL": lambda w: _api(w, "POST", "/api/v1/organisations", _organisation(name="a\u0000b")),
    "api json lone surrogate": lambda w: _api(w, "POST", "/api/v1/organisations", _organisation(name="a\ud800b")),
    "api json integer of 5,000 digits": lambda w: _api(
        w, "POST", "/api/v1/pools/{pool_id}/commitments", '{"amount_pence": ' + "9" * 5000 + "}"
    ),
    "api amount 2**63 pence": lambda w: _api(w, "POST", "/api/v1/pools/{pool_id}/commitments", _commitment(2**63)),
    "api amount 10**30 pence": lambda w: _api(w, "POST", "/api/v1/pools/{pool_id}/commitments", _commitment(10**30)),
    "api votes 10**30": lambda w: _api(
        w, "POST", "/api/v1/partnerships/{agreement_id}/decisions", {"meeting_id": 1, "summary": "x", "votes_for": 10**30}
    ),
    "api attendee id 2**64": lambda w: _api(
        w, "POST", "/api/v1/partnerships/{agreement_id}/meetings", {"held_on": "2026-06-01", "attendee_ids": [2**64]}
    ),
    "api path id beyond 64 bits": lambda w: _api(w, "GET", "/api/v1/pools/" + "9" * 30),
    "api query NUL": lambda w: _api(w, "GET", "/api/v1/organisations?q=a%00b"),
    "api multipart without a boundary": lambda w: _api(
        w, "POST", "/api/v1/pools/{pool_id}/actuals", b"--x\r\n\r\n", content_type="multipart/form-data"
    ),
}


def prepare(world_file: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from jointcare.tests import world

    call_command("migrate", verbosity=0)
    built = world.build()
    world_file.write_text(
        json.dumps({"token": built.token, "pool_id": built.pool_id, "agreement_id": built.agreement_id})
    )


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcare.settings")
    os.environ.setdefault("JOINTCARE_DEBUG", "0")
    case, world_file = argv[0], Path(argv[1])
    if case == "prepare":
        prepare(world_file)
        return
    world = json.loads(world_file.read_text()) if world_file.exists() else {}
    start = time.perf_counter()
    result = CASES[case](world)
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    for holder in (result, result.get("body") or {}):
        if isinstance(holder.get("errors"), list):
            holder["error_count"], holder["errors"] = len(holder["errors"]), holder["errors"][:5]
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
