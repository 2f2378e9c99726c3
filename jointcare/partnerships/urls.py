from django.urls import path

from jointcare.partnerships import views

app_name = "partnerships"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("new", views.agreement_create, name="create"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/edit", views.agreement_edit, name="edit"),
    path("<int:pk>/start", views.agreement_start, name="start"),
    path("<int:pk>/end", views.agreement_end, name="end"),
    path("<int:pk>/terminate", views.agreement_terminate, name="terminate"),
    path("<int:pk>/parties/new", views.party_add, name="party-add"),
    path("<int:pk>/board/new", views.board_create, name="board-create"),
    path("<int:pk>/board/members/new", views.member_add, name="member-add"),
    path("<int:pk>/meetings/new", views.meeting_record, name="meeting-record"),
    path("<int:pk>/meetings/<int:meeting_pk>/attendance", views.attendance_record, name="attendance"),
    path("<int:pk>/decisions/new", views.decision_record, name="decision-record"),
]
