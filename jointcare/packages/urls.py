from django.urls import path

from jointcare.packages import views

app_name = "packages"
urlpatterns = [
    path("people/<int:person_id>/", views.plan, name="plan"),
    path("people/<int:person_id>/goals", views.goals, name="goals"),
    path("people/<int:person_id>/services/new", views.service_add, name="service-add"),
    path("services/<int:service_id>/change", views.service_change, name="service-change"),
    path("services/<int:service_id>/end", views.service_end, name="service-end"),
    path("<int:plan_id>/approval", views.approval, name="approval"),
    path("<int:plan_id>/history", views.history, name="history"),
    path("people/<int:person_id>/reablement", views.reablement, name="reablement"),
    path("people/<int:person_id>/reablement/new", views.reablement_start, name="reablement-start"),
    path("reablement/<int:episode_id>/extend", views.reablement_extend, name="reablement-extend"),
    path("reablement/<int:episode_id>/end", views.reablement_end, name="reablement-end"),
    path("follow-ups/<int:follow_up_id>", views.follow_up, name="follow-up"),
    path("import", views.import_services, name="import"),
]
