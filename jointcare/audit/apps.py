from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jointcare.audit"
    label = "audit"
    verbose_name = "Audit trail"
