"""Callbacks from the SMS provider and the creditor's app: no login, a signature instead.

Each endpoint hands the raw request to ``arrears.comms.callbacks`` and answers 200 when it was
applied, 403 when the signature is missing or wrong, 400 when the body cannot be read. Twilio
gets an empty TwiML document for inbound messages, so it sends no automatic answer.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Router

from arrears.comms import callbacks
from arrears.comms.gateways.sms import TWILIO, SmsSettings

router = Router(tags=["comms callbacks"], auth=None)

STATUS_FOR: dict[callbacks.CallbackOutcome, int] = {
    callbacks.CallbackOutcome.ACCEPTED: 200,
    callbacks.CallbackOutcome.REFUSED: 403,
    callbacks.CallbackOutcome.MALFORMED: 400,
}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _callback(request: HttpRequest) -> callbacks.CallbackRequest:
    return callbacks.CallbackRequest(
        url=request.build_absolute_uri(),
        content_type=request.content_type or "",
        body=request.body,
        headers=request.headers,
    )


def _render(result: callbacks.CallbackResult) -> HttpResponse:
    status = STATUS_FOR[result.outcome]
    return JsonResponse({"outcome": result.outcome.value, "detail": result.detail}, status=status)


@router.post("/comms/sms/status", auth=None)
def sms_status(request: HttpRequest) -> HttpResponse:
    """Apply a delivery-status callback (generic JSON or Twilio form), after checking its signature."""
    result = callbacks.receive_sms_status(callback=_callback(request), now=timezone.now())
    return _render(result)


@router.post("/comms/sms/inbound", auth=None)
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """Take an SMS from a debtor: STOP/退订 opts the number out of SMS; anything else joins the timeline."""
    sms_settings = SmsSettings.from_django()
    result = callbacks.receive_inbound_sms(
        callback=_callback(request), now=timezone.now(), sms_settings=sms_settings
    )
    if result.outcome == callbacks.CallbackOutcome.ACCEPTED and sms_settings.shape == TWILIO:
        return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
    return _render(result)


@router.post("/comms/app/events", auth=None)
def app_events(request: HttpRequest) -> HttpResponse:
    """Apply a delivery report from the creditor's app (signed like our webhook, within five minutes)."""
    result = callbacks.receive_app_event(callback=_callback(request), now=timezone.now())
    return _render(result)
