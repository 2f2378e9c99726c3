"""Joins migrations 0005 (large statements checked by distinct key) and 0006 (small statements queue only what
can fail): each changes only its own parts of the queueing triggers, so they apply in either order."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("pool", "0005_ledger_large_statements"), ("pool", "0006_ledger_queue_what_can_fail")]

    operations = []
