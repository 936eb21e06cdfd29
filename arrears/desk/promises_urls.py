"""URLs of the desk's script, promise and hardship panels (included by arrears/desk/urls.py under the desk namespace)."""

from django.urls import URLPattern, path

from arrears.desk import promise_views

urlpatterns: list[URLPattern] = [
    path("cases/<int:case_id>/panels/<str:name>/", promise_views.case_panel, name="case_panel"),
    path("cases/<int:case_id>/promises/", promise_views.make_promise, name="make_promise"),
    path("promises/<int:promise_id>/cancel/", promise_views.cancel_promise, name="cancel_promise"),
    path("cases/<int:case_id>/hardship/", promise_views.assess_hardship, name="assess_hardship"),
]
