"""The JSON API, version 1 (django-ninja); OpenAPI at /api/docs. Routers register here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from arrears.api import (
    casework_arrangements,
    casework_disputes,
    casework_promises,
    casework_work,
    comms,
    comms_callbacks,
    compliance,
    cycle,
    imports,
    plans,
    portal_links,
    portfolio,
    quality,
    recovery,
    reporting,
    training,
)
from arrears.casework.guards import StaleCase
from arrears.comms.templates import NoApprovedTemplate
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people import tokens
from arrears.usecases.cycle.run import CycleOutOfOrder


class BearerToken(HttpBearer):
    """An integration's ``Authorization: Bearer <token>`` header."""

    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        user = tokens.get_user_for_token(raw_token=token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Arrears API",
    version="1",
    urls_namespace="api-v1",
    auth=[BearerToken(), django_auth],
    docs_url="/docs",
)

api.add_router("/v1", portfolio.router)
api.add_router("/v1", imports.router)
api.add_router("/v1", compliance.router)
api.add_router("/v1", comms_callbacks.router)
api.add_router("/v1", comms.router)
api.add_router("/v1", plans.router)
api.add_router("/v1", cycle.router)
api.add_router("/v1", casework_work.router)
api.add_router("/v1", casework_promises.router)
api.add_router("/v1", casework_arrangements.router)
api.add_router("/v1", casework_disputes.router)
api.add_router("/v1", recovery.router)
api.add_router("/v1", reporting.router)
api.add_router("/v1", quality.router)
api.add_router("/v1", training.router)
api.add_router("/v1", portal_links.router)

# Domain errors map to HTTP statuses in this one table.
ERROR_STATUS: dict[type[DomainError], int] = {
    NotFound: 404, PermissionDenied: 403, NoApprovedTemplate: 409, CycleOutOfOrder: 409,
    StaleCase: 409,
}  # fmt: skip


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = next((code for cls, code in ERROR_STATUS.items() if isinstance(exc, cls)), 422)
    return api.create_response(request, {"detail": str(exc)}, status=status)
