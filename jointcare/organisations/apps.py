from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "jointcare.organisations"
    label = "organisations"
    verbose_name = "Organisations"
