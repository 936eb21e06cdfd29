"""URLs of the desk's arrangements pages (included by arrears/desk/urls.py under the desk namespace)."""

from django.urls import URLPattern, path

from arrears.desk import arrangement_views

urlpatterns: list[URLPattern] = [
    path(
        "cases/<int:case_id>/arrangement/",
        arrangement_views.arrangement_panel,
        name="arrangement_panel",
    ),
    path(
        "cases/<int:case_id>/arrangements/quote/",
        arrangement_views.quote_arrangement,
        name="quote_arrangement",
    ),
    path(
        "cases/<int:case_id>/arrangements/", arrangement_views.propose_arrangement, name="propose_arrangement"
    ),
    path(
        "arrangements/<int:arrangement_id>/cancel/",
        arrangement_views.cancel_arrangement,
        name="cancel_arrangement",
    ),
    path(
        "arrangements/<int:arrangement_id>/approve/",
        arrangement_views.approve_arrangement,
        name="approve_arrangement",
    ),
    path(
        "arrangements/<int:arrangement_id>/reject/",
        arrangement_views.reject_arrangement,
        name="reject_arrangement",
    ),
    path("supervisor/approvals/", arrangement_views.approvals, name="approvals"),
    path("notifications/", arrangement_views.notifications, name="notifications"),
    path("notifications/read/", arrangement_views.mark_notifications_read, name="mark_notifications_read"),
]
