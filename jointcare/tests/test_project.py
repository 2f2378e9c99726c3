"""Project-wide guards: migrations match the models, the CLI maps its commands, the API document builds."""

import pytest
from django.core.management import call_command

from jointcare import cli


def test_migrations_match_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_cli_help_lists_the_project_commands(capsys):
    cli.main(["--help"])
    out = capsys.readouterr().out
    for command in (
        "serve", "load-reference", "demo", "coterminosity", "createuser", "token", "ledger check", "backup", "restore"
    ):
        assert command in out


def test_cli_runs_hyphenated_commands(db, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["coterminosity", "--level", "nope"])
    assert exit_.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_openapi_document_builds(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for prefix in ("/api/v1/organisations", "/api/v1/partnerships", "/api/v1/pools", "/api/v1/coterminosity"):
        assert any(p.startswith(prefix) for p in paths), prefix
