from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "jointcare.operations"
    label = "operations"
    verbose_name = "Running the service: the web server, backups and restores"
