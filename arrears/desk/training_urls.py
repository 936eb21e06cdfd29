"""Training: course, practice scenarios, quiz, the team's progress and editing the material."""

from django.urls import URLPattern, path

from arrears.desk import training_manage_views, training_views

urlpatterns: list[URLPattern] = [
    path("training/", training_views.home, name="training"),
    path("training/lessons/<slug:lesson_id>/", training_views.lesson, name="training_lesson"),
    path("training/scenarios/<slug:slug>/start/", training_views.start, name="training_start"),
    path("training/sessions/<int:session_id>/", training_views.session, name="training_session"),
    path("training/sessions/<int:session_id>/reply/", training_views.reply, name="training_reply"),
    path("training/quiz/", training_views.quiz, name="training_quiz"),
    path("training/team/", training_views.team, name="training_team"),
    path("training/team/<int:user_id>/", training_views.collector, name="training_collector"),
    path("training/team/policy/", training_views.set_policy, name="training_policy"),
    path("training/team/revoke/", training_views.revoke, name="training_revoke"),
    path("training/manage/", training_manage_views.materials, name="training_materials"),
    path("training/manage/<str:kind>/new/", training_manage_views.edit, name="training_new"),
    path("training/manage/<str:kind>/<slug:slug>/", training_manage_views.edit, name="training_edit"),
]
