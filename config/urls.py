from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from arrears.api.v1 import api

admin.site.site_header = _("Arrears administration")
admin.site.site_title = _("Arrears")
admin.site.index_title = _("Data and access")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("portal/", include("arrears.portal.urls")),
    path("", include("arrears.desk.urls")),
]
