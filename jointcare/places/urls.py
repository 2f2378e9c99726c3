from django.urls import path

from jointcare.places import views

app_name = "places"
urlpatterns = [
    path("", views.coterminosity, name="coterminosity"),
    path("councils.geojson", views.council_boundaries, name="council-boundaries"),
]
