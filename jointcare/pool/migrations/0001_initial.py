"""The pooled budget and its ledger, with the ledger's PostgreSQL triggers from pool/sql/ledger.sql."""

from pathlib import Path

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

SQL = Path(__file__).resolve().parent.parent / "sql"


def ledger_triggers(apps, schema_editor):
    """On PostgreSQL: append-only, balanced-at-commit and key checks (pool/sql/ledger.sql)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger.sql").read_text(encoding="utf-8"), params=None)


def drop_ledger_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "ledger_drop.sql").read_text(encoding="utf-8"), params=None)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('organisations', '0001_initial'),
        ('partnerships', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Pool',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('financial_year', models.PositiveSmallIntegerField(help_text='Starting year: 2026 is 2026-27')),
                ('name', models.CharField(max_length=200)),
                ('risk_reserve_pence', models.BigIntegerField(default=0)),
                ('status', models.CharField(choices=[('open', 'Open'), ('awaiting_settlement', 'Awaiting settlement'), ('settled', 'Settled'), ('reopened', 'Reopened for late invoices')], default='open', help_text='Where the pool is in its year (domain.periods: the transition table)', max_length=20)),
                ('method', models.CharField(choices=[('pro_rata', 'pro_rata'), ('fixed', 'fixed'), ('lead_commissioner', 'lead_commissioner'), ('none', 'none')], default='pro_rata', max_length=20)),
                ('fixed_shares', models.JSONField(blank=True, default=dict, help_text="partner code -> share as 'n/d' or percent")),
                ('caps', models.JSONField(blank=True, default=dict, help_text="partner code -> 'contribution' or pence")),
                ('underspend', models.CharField(choices=[('return_pro_rata', 'return_pro_rata'), ('return_by_share', 'return_by_share'), ('carry_forward', 'carry_forward')], default='return_pro_rata', max_length=20)),
                ('settled_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pools', to='partnerships.agreement')),
                ('excess_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation')),
                ('host', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='hosted_pools', to='organisations.organisation')),
                ('manager', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-financial_year', 'name'],
            },
        ),
        migrations.CreateModel(
            name='Period',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(help_text='1 = April .. 12 = March')),
                ('starts_on', models.DateField()),
                ('closed', models.BooleanField(default=False)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                ('pool', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='periods', to='pool.pool')),
            ],
            options={
                'ordering': ['pool', 'number'],
            },
        ),
        migrations.CreateModel(
            name='LedgerTransaction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('idempotency_key', models.CharField(max_length=120)),
                ('digest', models.CharField(help_text='SHA-256 of the payload (domain.payload_digest)', max_length=64)),
                ('kind', models.CharField(choices=[('contribution', 'contribution'), ('actual', 'actual'), ('settlement', 'settlement'), ('reversal', 'reversal'), ('adjustment', 'adjustment')], max_length=20)),
                ('value_date', models.DateField()),
                ('source', models.CharField(help_text='Where it came from: import file, service, settlement', max_length=80)),
                ('reason', models.CharField(max_length=300)),
                ('reference', models.CharField(blank=True, max_length=120)),
                ('posted_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('posted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('reverses', models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reversed_by', to='pool.ledgertransaction')),
                ('period', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='transactions', to='pool.period')),
                ('pool', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='transactions', to='pool.pool')),
            ],
            options={
                'ordering': ['pool', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Contribution',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_pence', models.BigIntegerField()),
                ('type', models.CharField(choices=[('pooled', 'pooled'), ('aligned', 'aligned')], max_length=10)),
                ('form', models.CharField(choices=[('cash', 'cash'), ('in_kind', 'in_kind')], max_length=10)),
                ('schedule', models.CharField(choices=[('monthly', 'monthly'), ('quarterly', 'quarterly'), ('custom', 'custom')], max_length=10)),
                ('instalments', models.JSONField(default=dict, help_text='period number (1 = April) -> pence')),
                ('description', models.CharField(blank=True, max_length=200)),
                ('partner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation')),
                ('pool', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contributions', to='pool.pool')),
            ],
            options={
                'ordering': ['pool', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Account',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('cash', 'cash'), ('contribution', 'contribution'), ('spend', 'spend'), ('partner_balance', 'partner_balance'), ('variance', 'variance'), ('carried_forward', 'carried_forward'), ('uncovered', 'uncovered')], max_length=20)),
                ('partner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation')),
                ('pool', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='accounts', to='pool.pool')),
            ],
            options={
                'ordering': ['pool', 'kind', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Posting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_pence', models.BigIntegerField(help_text='+ debit, - credit')),
                ('account', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='postings', to='pool.account')),
                ('period', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pool.period')),
                ('transaction', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='postings', to='pool.ledgertransaction')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='Scheme',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=40)),
                ('name', models.CharField(max_length=200)),
                ('service_area', models.CharField(choices=[('reablement', 'Reablement'), ('home_care', 'Home care'), ('community_equipment', 'Community equipment'), ('housing_adaptations', 'Housing adaptations (disabled facilities grant)'), ('community_matrons', 'Community matrons'), ('carers', 'Carers'), ('intermediate_care', 'Intermediate care'), ('other', 'Other')], max_length=30)),
                ('budget_pence', models.BigIntegerField()),
                ('lead', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation')),
                ('pool', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='schemes', to='pool.pool')),
            ],
            options={
                'ordering': ['pool', 'code'],
            },
        ),
        migrations.CreateModel(
            name='Commitment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_pence', models.BigIntegerField()),
                ('source', models.CharField(max_length=80)),
                ('reference', models.CharField(max_length=120)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='commitments', to='pool.period')),
                ('pool', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='commitments', to='pool.pool')),
                ('scheme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='commitments', to='pool.scheme')),
            ],
        ),
        migrations.AddField(
            model_name='account',
            name='scheme',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='accounts', to='pool.scheme'),
        ),
        migrations.CreateModel(
            name='SchemeFunder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('share_basis_points', models.PositiveIntegerField(help_text='10000 = 100%')),
                ('partner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation')),
                ('scheme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='funders', to='pool.scheme')),
            ],
        ),
        migrations.CreateModel(
            name='Settlement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(help_text='1 for the first settlement, 2 after one reopening, ...')),
                ('result', models.JSONField()),
                ('statements', models.JSONField()),
                ('settled_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('reopened_at', models.DateTimeField(blank=True, null=True)),
                ('reopen_reason', models.CharField(blank=True, max_length=300)),
                ('pool', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='settlements', to='pool.pool')),
                ('reopened_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('reversal', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pool.ledgertransaction')),
                ('settled_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('transaction', models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pool.ledgertransaction')),
            ],
            options={
                'ordering': ['pool', 'number'],
            },
        ),
        migrations.CreateModel(
            name='MonthlyBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_pence', models.BigIntegerField(default=0)),
                ('postings', models.BigIntegerField(default=0)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='monthly', to='pool.account')),
                ('period', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pool.period')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('account', 'period'), name='monthly_once_per_account'), models.CheckConstraint(condition=models.Q(('amount_pence__gte', -1000000000000000), ('amount_pence__lte', 1000000000000000)), name='monthly_balance_within_bounds')],
            },
        ),
        migrations.AddConstraint(
            model_name='pool',
            constraint=models.UniqueConstraint(fields=('agreement', 'financial_year'), name='pool_once_per_agreement_year'),
        ),
        migrations.AddConstraint(
            model_name='pool',
            constraint=models.CheckConstraint(condition=models.Q(('risk_reserve_pence__gte', 0), ('risk_reserve_pence__lte', 10000000000000)), name='pool_reserve_within_bounds'),
        ),
        migrations.AddConstraint(
            model_name='period',
            constraint=models.UniqueConstraint(fields=('pool', 'number'), name='period_once_per_pool'),
        ),
        migrations.AddConstraint(
            model_name='ledgertransaction',
            constraint=models.UniqueConstraint(fields=('pool', 'idempotency_key'), name='transaction_key_once_per_pool'),
        ),
        migrations.AddConstraint(
            model_name='contribution',
            constraint=models.CheckConstraint(condition=models.Q(('amount_pence__gte', 0), ('amount_pence__lte', 10000000000000)), name='contribution_within_bounds'),
        ),
        migrations.AddIndex(
            model_name='posting',
            index=models.Index(fields=['account', 'period'], name='posting_account_period'),
        ),
        migrations.AddConstraint(
            model_name='posting',
            constraint=models.CheckConstraint(condition=models.Q(('amount_pence__gte', -10000000000000), ('amount_pence__lte', 10000000000000)), name='posting_within_bounds'),
        ),
        migrations.AddConstraint(
            model_name='scheme',
            constraint=models.UniqueConstraint(fields=('pool', 'code'), name='scheme_code_once_per_pool'),
        ),
        migrations.AddConstraint(
            model_name='scheme',
            constraint=models.CheckConstraint(condition=models.Q(('budget_pence__gte', 0), ('budget_pence__lte', 10000000000000)), name='budget_within_bounds'),
        ),
        migrations.AddIndex(
            model_name='commitment',
            index=models.Index(fields=['pool', 'scheme', 'period'], name='commitment_scheme_period'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.UniqueConstraint(fields=('scheme', 'period', 'source', 'reference'), name='commitment_once_per_source_month'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.CheckConstraint(condition=models.Q(('amount_pence__gte', 0), ('amount_pence__lte', 10000000000000)), name='commitment_within_bounds'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('partner__isnull', True), ('scheme__isnull', True)), fields=('pool', 'kind'), name='pool_account_once_per_pool'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('partner__isnull', False)), fields=('pool', 'kind', 'partner'), name='partner_account_once_per_pool'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('scheme__isnull', False)), fields=('pool', 'kind', 'scheme'), name='scheme_account_once_per_pool'),
        ),
        migrations.AddConstraint(
            model_name='schemefunder',
            constraint=models.UniqueConstraint(fields=('scheme', 'partner'), name='funder_once_per_scheme'),
        ),
        migrations.AddConstraint(
            model_name='settlement',
            constraint=models.UniqueConstraint(fields=('pool', 'number'), name='settlement_number_once_per_pool'),
        ),
        migrations.AddConstraint(
            model_name='settlement',
            constraint=models.UniqueConstraint(condition=models.Q(('reopened_at__isnull', True)), fields=('pool',), name='one_settlement_in_force'),
        ),
        # after the tables and their constraints, so that the triggers find them
        migrations.RunPython(ledger_triggers, drop_ledger_triggers),
    ]
