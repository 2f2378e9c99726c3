from django.urls import path

from jointcare.pool import views

app_name = "pool"
urlpatterns = [
    path("", views.pool_list, name="list"),
    path("new", views.pool_create, name="create"),
    path("<int:pk>/", views.pool_detail, name="detail"),
    path("<int:pk>/agreement.yaml", views.agreement_download, name="agreement"),
    path("<int:pk>/monitoring", views.monitoring, name="monitoring"),
    path("<int:pk>/reports/<str:kind>", views.report, name="report"),
    path("<int:pk>/import", views.import_actuals, name="import"),
    path("<int:pk>/periods/<int:number>/close", views.close_period, name="close-period"),
    path("<int:pk>/settle", views.settle, name="settle"),
]
