from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "jointcare.places"
    label = "places"
    verbose_name = "Places, boundaries and coterminosity"
