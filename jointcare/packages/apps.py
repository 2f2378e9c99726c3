from django.apps import AppConfig


class PackagesConfig(AppConfig):
    name = "jointcare.packages"
    label = "packages"
    verbose_name = "Care plans, services and reablement"

    def ready(self):
        from jointcare.packages import panels

        panels.register()
