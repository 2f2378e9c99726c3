from django.urls import path

from jointcare.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("export.csv", views.export, name="export"),
]
