"""URLs of the desk's arrangements pages (included by arrears/desk/urls.py under the desk namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
