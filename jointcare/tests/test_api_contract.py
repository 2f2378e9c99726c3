"""Schemathesis against the live server's OpenAPI document.

The demo partnership is built in the test database, a live server serves it, and Schemathesis (its command,
`st run`) reads `/api/v1/openapi.json` and runs every operation through all its phases (examples, coverage,
fuzzing, stateful) with MAX_EXAMPLES examples an operation and its default checks. It must find:
- no server error (5xx);
- no answer that breaks the document: every status, content type, header and body documented;
- no request that breaks the document accepted (such a request is answered 4xx, mostly 422 naming the field);
- no request the document allows refused as invalid: it may be refused only by a rule of the platform the
  document cannot state (400 naming the field, 404 no such thing, 409 conflict), never 422.
The demo's pool and agreement ids are offered for their path parameters half of the time, so the operations
reach their rules rather than only 404. It runs once in `make test`, in the PostgreSQL pass: PostgreSQL is the
production database and refuses more than SQLite does (NUL in text, over-long text, integers beyond 64 bits).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest
from django.core.management import call_command

from jointcare.accounts.services import create_token, create_user
from jointcare.partnerships.models import Agreement
from jointcare.pool.models import LedgerTransaction, Pool

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

MAX_EXAMPLES = 5
SEED = 20260407
ROLES = ["administrator", "finance_officer", "commissioner", "board_member"]
CONFIG = """
[checks.positive_data_acceptance]
# a request the document allows may be refused by a rule of the platform: 400 naming the field, 404, 409
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# Rules the document does not state yet answer 422 naming the field, as the people API's contract asks for an
# NHS number (format and check digit): the people, care plan and reablement operations, the measures' area and a
# board member's name and basis. Each is to be stated in the document (pattern, enum, minimum length).
[[operations]]
include-path-regex = "/api/v1/(people|care-plan-services|reablement|measures|partnerships/[^/]+/board/members)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429", "5xx"]

[dictionaries.pools]
values = {pools}
[dictionaries.agreements]
values = {agreements}
[dictionaries.transactions]
values = {transactions}

[parameters]
"path.pool_id" = {{ dictionary = "pools", probability = 0.5 }}
"path.agreement_id" = {{ dictionary = "agreements", probability = 0.5 }}
"path.tx_id" = {{ dictionary = "transactions", probability = 0.5 }}
# revoking is tried on a token made for it, never on the token the run signs in with
"path.token_id" = {spare_token}
"""


def _failures(output: str, limit: int = 20_000) -> str:
    start = output.find("FAILURES")
    return output[start if start >= 0 else 0 :][:limit]


def test_the_api_keeps_to_its_openapi_document(live_server, tmp_path):
    call_command("demo", verbosity=0)
    agreement = Agreement.objects.order_by("pk").first()
    party = agreement.parties.select_related("organisation").first().organisation
    user = create_user(None, username="contract", password="contract-check-password", roles=ROLES, organisation=party)
    spare, _ = create_token(None, user, "to be revoked")
    _, token = create_token(None, user, "contract")
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        CONFIG.format(
            pools=list(Pool.objects.values_list("pk", flat=True)),
            agreements=[agreement.pk],
            transactions=list(LedgerTransaction.objects.values_list("pk", flat=True)[:20]) or [1],
            spare_token=spare.pk,
        )
    )
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--seed",
        str(SEED),
        "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=tmp_path)
    summary = result.stdout[result.stdout.rfind("SUMMARY") :]
    assert result.returncode == 0, f"{_failures(result.stdout)}\n{summary}\n{result.stderr[-2000:]}"
    document = json.loads(urlopen(f"{live_server.url}/api/v1/openapi.json").read())
    operations = sum(len(methods) for methods in document["paths"].values())
    assert f"Tested: {operations}" in summary, summary
