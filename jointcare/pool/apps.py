from django.apps import AppConfig


class PoolConfig(AppConfig):
    name = "jointcare.pool"
    label = "pool"
    verbose_name = "Pooled budgets and the ledger"
