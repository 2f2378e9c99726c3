from django.urls import path

from jointcare.cld import views

app_name = "cld"
urlpatterns = [
    path("", views.submissions, name="submissions"),
    path("upload", views.upload, name="upload"),
    path("<int:pk>", views.submission, name="submission"),
    path("<int:pk>/report", views.report, name="report"),
]
