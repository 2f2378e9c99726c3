from django.urls import path, re_path

from jointcare.places import views

app_name = "places"
urlpatterns = [
    path("", views.coterminosity, name="coterminosity"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.coterminosity_export, name="export"),
    path("councils.geojson", views.council_boundaries, name="council-boundaries"),
]
