from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jointcare.accounts"
    label = "accounts"
    verbose_name = "Users, roles and sign-in"
