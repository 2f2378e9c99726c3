from django.urls import path

from jointcare.people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("new", views.create, name="create"),
    path("import", views.import_people, name="import"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit", views.edit, name="edit"),
    path("<int:pk>/care-team", views.add_team_member, name="care-team"),
    path("<int:pk>/break-glass", views.break_glass, name="break-glass"),
    path("<int:pk>/access", views.access_history, name="access"),
    path("<int:pk>/void", views.void, name="void"),
    path("<int:pk>/merge", views.merge, name="merge"),
]
