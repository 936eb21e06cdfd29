"""URLs of the desk's disputes pages (included by arrears/desk/urls.py under the desk namespace)."""

from django.urls import URLPattern, path

from arrears.desk import dispute_views

urlpatterns: list[URLPattern] = [
    # Not under cases/<id>/panels/: promises_urls catches every name there (and 404s the ones it lacks).
    path("cases/<int:case_id>/disputes/panel/", dispute_views.dispute_panel, name="dispute_panel"),
    path("cases/<int:case_id>/escalations/panel/", dispute_views.escalation_panel, name="escalation_panel"),
    path("cases/<int:case_id>/disputes/", dispute_views.open_dispute, name="open_dispute"),
    path("disputes/<int:dispute_id>/resolve/", dispute_views.resolve_dispute, name="resolve_dispute"),
    path(
        "disputes/<int:dispute_id>/documents/<int:document_id>/",
        dispute_views.download_document,
        name="dispute_document",
    ),
    path("cases/<int:case_id>/escalations/", dispute_views.escalate, name="escalate"),
    path("escalations/<int:escalation_id>/close/", dispute_views.close_escalation, name="close_escalation"),
]
