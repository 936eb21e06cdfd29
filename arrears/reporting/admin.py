"""Admin of the reporting app: each portfolio's channel costs (scoped and audited like the portfolio's admin)."""

from django.contrib import admin

from arrears.portfolio.admin import ScopedAdmin
from arrears.reporting.models import ChannelCost


@admin.register(ChannelCost)
class ChannelCostAdmin(ScopedAdmin):
    list_display = ("portfolio", "channel", "cost")
    list_filter = ("portfolio",)
