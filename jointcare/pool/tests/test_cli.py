import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jointcare.pool.models import MonthlyBalance, Pool, Posting
from jointcare.pool.tests.conftest import AGREEMENT_YAML

pytestmark = pytest.mark.django_db


def test_create_import_report_settle_check(partners, finance, tmp_path, capsys):
    f = tmp_path / "pool.yaml"
    f.write_text(AGREEMENT_YAML)
    call_command("pool", "create", "--from", str(f), "--user", "fiona")
    pool = Pool.objects.get()
    csv = tmp_path / "actuals.csv"
    csv.write_text("reference,date,scheme,amount\nI1,2026-05-02,REAB,100.00\n")
    call_command("pool", "import-actuals", str(csv), "--dry-run")
    assert not Posting.objects.exists()
    with pytest.raises(CommandError, match="--user"):
        call_command("pool", "import-actuals", str(csv))  # money moves only as a named user
    call_command("pool", "import-actuals", str(csv), "--user", "fiona")
    assert Posting.objects.count() == 2
    call_command("pool", "report", "monitoring", "--format", "csv")
    out = capsys.readouterr().out
    assert "Reablement" in out and "Dry run" in out
    xlsx = tmp_path / "q.xlsx"
    call_command("pool", "report", "quarterly", "--format", "xlsx", "--output", str(xlsx))
    assert xlsx.stat().st_size > 0
    call_command("pool", "settle", str(pool.pk), "--dry-run", "--format", "json")
    assert '"dry_run": true' in capsys.readouterr().out
    call_command("ledger", "check")
    assert f"Ledger OK: {Posting.objects.count():,} postings" in capsys.readouterr().out
    call_command("ledger", "check", "--pool", str(pool.pk))
    assert f"Ledger OK: {Posting.objects.count():,} postings" in capsys.readouterr().out
    MonthlyBalance.objects.filter(amount_pence=10000).update(amount_pence=1)
    with pytest.raises(SystemExit) as exc:
        call_command("ledger", "check")
    assert exc.value.code == 1


def test_bad_agreement_file_reports_key_paths(partners, finance, tmp_path, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text(
        AGREEMENT_YAML.replace("budget: 5000.00", "budget: lots").replace("method: pro_rata", "method: x")
    )
    with pytest.raises(CommandError):
        call_command("pool", "create", "--from", str(f), "--user", "fiona")
    err = capsys.readouterr().err
    assert "schemes[0].budget" in err and "risk_share.method" in err
    assert not Pool.objects.exists()


def test_import_needs_pool_when_ambiguous(pool, tmp_path):
    from jointcare.partnerships.models import Agreement

    other = Agreement.objects.create(
        name="Other", kind="section_75_pooled_fund", starts_on=dt.date(2026, 4, 1)
    )
    Pool.objects.create(agreement=other, financial_year=2026, name="Other pool", host=pool.host)
    csv = tmp_path / "a.csv"
    csv.write_text("reference,date,scheme,amount\n")
    with pytest.raises(CommandError, match="--pool"):
        call_command("pool", "import-actuals", str(csv))


def test_close_in_order_settle_and_reopen(pool, finance, capsys, clock):
    from jointcare.pool import services
    from jointcare.pool.tests.conftest import AFTER_YEAR_END, close_year

    clock(dt.date(2026, 11, 29))
    with pytest.raises(CommandError, match="close April 2026 before May 2026"):
        call_command("pool", "close-period", "2", "--pool", str(pool.pk), "--user", "fiona")
    call_command("pool", "close-period", "1", "--pool", str(pool.pk), "--user", "fiona")
    assert "Closed 2026-04" in capsys.readouterr().out
    with pytest.raises(CommandError, match="settled from 1 April 2027"):
        call_command("pool", "settle", str(pool.pk), "--user", "fiona")
    close_year(finance, pool)
    clock(AFTER_YEAR_END)
    call_command("pool", "settle", str(pool.pk), "--user", "fiona")
    with pytest.raises(CommandError, match="is already settled"):
        call_command("pool", "settle", str(pool.pk), "--dry-run")
    capsys.readouterr()
    call_command("pool", "reopen", str(pool.pk), "--reason", "Late invoice", "--user", "fiona")
    assert "Reopened" in capsys.readouterr().out
    call_command("pool", "list")
    assert "Reopened for late invoices" in capsys.readouterr().out
    assert services.available_actions(pool)["settle"] is True
