from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "jointcare.partnerships"
    label = "partnerships"
    verbose_name = "Partnership agreements and boards"
