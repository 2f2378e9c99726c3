from django.urls import path, re_path

from jointcare.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.measures, name="measures"),
    path("dashboard", views.dashboard, name="dashboard"),
    path("board-pack", views.board_pack, name="board-pack"),
    path("board-pack.pdf", views.board_pack_pdf, name="board-pack-pdf"),
    path("targets", views.set_target, name="target"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    re_path(r"^measures/(?P<code>[A-Za-z0-9-]{1,16})$", views.measure, name="measure"),
]
