"""Quality review and coaching (included by arrears/desk/urls.py under the desk namespace)."""

from django.urls import URLPattern, path

from arrears.desk import quality_scorecard_views, quality_views

urlpatterns: list[URLPattern] = [
    path("quality/", quality_views.queue, name="quality"),
    path("quality/reviews/<int:review_id>/", quality_views.review_page, name="quality_review"),
    path("quality/reviews/<int:review_id>/submit/", quality_views.submit_review, name="quality_submit"),
    path(
        "quality/reviews/<int:review_id>/transcript/",
        quality_views.attach_transcript,
        name="quality_transcript",
    ),
    path("quality/reviews/<int:review_id>/evidence/", quality_views.upload_evidence, name="quality_upload"),
    path(
        "quality/reviews/<int:review_id>/evidence/<int:evidence_id>/",
        quality_views.download_evidence,
        name="quality_evidence",
    ),
    path("quality/coaching/", quality_views.coaching_list, name="quality_coaching"),
    path("quality/coaching/<int:task_id>/", quality_views.coaching_task, name="quality_coaching_task"),
    path(
        "quality/coaching/<int:task_id>/<str:step>/",
        quality_views.move_coaching,
        name="quality_coaching_move",
    ),
    path("quality/trends/", quality_views.trends_page, name="quality_trends"),
    path("quality/scorecards/", quality_scorecard_views.scorecard_list, name="quality_scorecards"),
    path(
        "quality/scorecards/<int:portfolio_id>/",
        quality_scorecard_views.scorecard_edit,
        name="quality_scorecard",
    ),
    path(
        "quality/scorecards/<int:portfolio_id>/validate/",
        quality_scorecard_views.validate_scorecard,
        name="quality_scorecard_validate",
    ),
]
