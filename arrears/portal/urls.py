"""The debtor portal's pages."""

from django.urls import URLPattern, path

from arrears.portal import action_views, views

app_name = "portal"

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("l/<str:token>/", views.enter, name="enter"),
    path("preferences/", views.preferences, name="preferences"),
    path("leave/", views.leave, name="leave"),
    path("accounts/<int:case_id>/promise/", action_views.promise, name="promise"),
    path(
        "accounts/<int:case_id>/promises/<int:promise_id>/withdraw/",
        action_views.withdraw_promise,
        name="withdraw_promise",
    ),
    path("accounts/<int:case_id>/plan/", action_views.plan, name="plan"),
    path("accounts/<int:case_id>/hardship/", action_views.hardship, name="hardship"),
    path("accounts/<int:case_id>/dispute/", action_views.dispute, name="dispute"),
]
