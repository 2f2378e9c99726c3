from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "jointcare.people"
    label = "people"
    verbose_name = "People"
