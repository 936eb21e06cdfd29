from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "arrears.people"
    label = "people"
    verbose_name = _("People and access")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed

        from arrears.people.models import User
        from arrears.people.scoping import forget_grants

        m2m_changed.connect(
            forget_grants, sender=User.portfolios.through, dispatch_uid="people.forget_grants"
        )
