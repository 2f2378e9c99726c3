from django.urls import path

from jointcare.care import views

app_name = "care"
urlpatterns = [
    path("caseload", views.my_caseload, name="my-caseload"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.queue, name="queue"),
    path("teams/<int:pk>/caseload", views.team_caseload, name="team-caseload"),
    path("practices/<int:practice_pk>/caseload", views.practice_caseload, name="practice-caseload"),
    path("people/<int:person_id>/refer", views.refer, name="refer"),
    path("people/<int:person_id>/assessments/new", views.assessment_start, name="assessment-start"),
    path("people/<int:person_id>/tasks/new", views.task_new, name="task-new"),
    path("people/<int:person_id>/reviews/new", views.review_new, name="review-new"),
    path("referrals/<int:pk>/", views.referral, name="referral"),
    path("referrals/<int:pk>/claim", views.claim, name="claim"),
    path("referrals/<int:pk>/contact", views.contact, name="contact"),
    path("referrals/<int:pk>/close", views.close, name="close"),
    path("referrals/<int:pk>/decline", views.decline, name="decline"),
    path("referrals/<int:pk>/reassign", views.reassign, name="reassign"),
    path("assessments/<int:pk>/", views.assessment, name="assessment"),
    path("assessments/<int:pk>/complete", views.assessment_complete, name="assessment-complete"),
    path("assessments/<int:pk>/<slug:section>", views.assessment_section, name="assessment-section"),
    path("tasks/<int:pk>/done", views.task_done, name="task-done"),
    path("reviews/<int:pk>/complete", views.review_complete, name="review-complete"),
]
