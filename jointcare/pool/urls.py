from django.urls import path

from jointcare.pool import views

app_name = "pool"
urlpatterns = [
    path("", views.pool_list, name="list"),
    path("new", views.pool_create, name="create"),
    path("new/start", views.setup_start, name="setup-start"),
    path("new/agreement-template.yaml", views.agreement_template, name="agreement-template"),
    path("new/check", views.setup_check, name="setup-check"),
    path("new/agreement.yaml", views.setup_download, name="setup-download"),
    path("new/<slug:step>", views.setup_step, name="setup"),
    path("<int:pk>/", views.pool_detail, name="detail"),
    path("<int:pk>/agreement.yaml", views.agreement_download, name="agreement"),
    path("<int:pk>/monitoring", views.monitoring, name="monitoring"),
    path("<int:pk>/reports/<str:kind>", views.report, name="report"),
    path("<int:pk>/ledger", views.ledger, name="ledger"),
    path("<int:pk>/ledger/<int:tx_id>", views.transaction_detail, name="transaction"),
    path("<int:pk>/contributions", views.contributions, name="contributions"),
    path("<int:pk>/import", views.import_actuals, name="import"),
    path("<int:pk>/periods/<int:number>/close", views.close_period, name="close-period"),
    path("<int:pk>/settle", views.settle, name="settle"),
    path("<int:pk>/reopen", views.reopen, name="reopen"),
]
