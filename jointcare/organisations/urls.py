from django.urls import path

from jointcare.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new", views.organisation_create, name="create"),
    path("find", views.find_by_code, name="find"),
    path("code/<str:code>", views.organisation_by_code, name="by-code"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/edit", views.organisation_edit, name="edit"),
]
