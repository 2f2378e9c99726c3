from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "jointcare.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes and returns: measures, targets and the board pack"
