"""Factories for users and teams, with a trait per role."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from arrears.people.models import Team, User
from arrears.people.roles import Role

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(DjangoModelFactory):
    """A collector by default; ``UserFactory(supervisor=True)`` etc. for other roles.

    ``password`` is set hashed (default :data:`DEFAULT_PASSWORD`); ``portfolios=[p1, p2]`` grants them.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    role = Role.COLLECTOR
    is_staff = False
    is_active = True

    class Params:
        collector = factory.Trait(role=Role.COLLECTOR)
        supervisor = factory.Trait(role=Role.SUPERVISOR, is_staff=True)
        strategy_manager = factory.Trait(role=Role.STRATEGY_MANAGER, is_staff=True)
        compliance_officer = factory.Trait(role=Role.COMPLIANCE_OFFICER, is_staff=True)
        administrator = factory.Trait(role=Role.ADMINISTRATOR, is_staff=True)
        superuser = factory.Trait(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)

    @factory.post_generation
    def password(user: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        user.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            user.save(update_fields=["password"])

    @factory.post_generation
    def portfolios(user: User, create: bool, extracted: list[Any] | None, **kwargs: Any) -> None:
        if create and extracted:
            user.portfolios.add(*extracted)
