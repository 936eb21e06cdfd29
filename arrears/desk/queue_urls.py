"""URLs of the desk's queue pages (included by arrears/desk/urls.py under the desk namespace)."""

from django.urls import URLPattern, path

from arrears.desk import case_views, queue_views, supervisor_views

urlpatterns: list[URLPattern] = [
    path("queue/", queue_views.queue, name="queue"),
    path("queue/next/", queue_views.next_case, name="next_case"),
    path("work-items/<int:work_item_id>/done/", queue_views.close_work_item, name="close_work_item"),
    path("cases/<int:case_id>/", case_views.case_detail, name="case"),
    path("cases/<int:case_id>/part/<slug:part>/", case_views.case_part, name="case_part"),
    path("cases/<int:case_id>/activities/", case_views.record_activity, name="record_activity"),
    path(
        "cases/<int:case_id>/delinquency-reason/",
        case_views.set_delinquency_reason,
        name="set_delinquency_reason",
    ),
    path("cases/<int:case_id>/reveal/", case_views.reveal_personal_data, name="reveal_personal_data"),
    path("supervisor/", supervisor_views.supervisor, name="supervisor"),
    path("supervisor/reassign/", supervisor_views.reassign_case, name="reassign_case"),
    path("supervisor/reassign-items/", supervisor_views.reassign_work_items, name="reassign_work_items"),
]
