from django.apps import AppConfig


class CldConfig(AppConfig):
    name = "jointcare.cld"
    label = "cld"
    verbose_name = "Client Level Data, populations and hospital activity"
