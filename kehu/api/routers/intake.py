"""POST /leads/intake: other systems create leads with an intake key, and nothing else.

The endpoint takes only an intake key (`Authorization: Bearer kehu_lead_...`); user tokens and
sessions are refused here, and intake keys are refused everywhere else because they do not
match the user-token format. The body size and the key's rate limit are checked before the body
is parsed. The answer is the same whether the person was new, already known, or the honeypot
was filled.
"""

import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer

from kehu.api import schemas_leads as schemas
from kehu.api.errors import IntakeKeyRequired
from kehu.api.routers.common import ERRORS
from kehu.core import ratelimit
from kehu.core.client import client_address
from kehu.leads import intake
from kehu.leads.campaigns import key_for_secret
from kehu.leads.models import FORM_FIELDS, IntakeKey, LeadChannel

logger = logging.getLogger(__name__)
router = Router(tags=["lead intake"])


class IntakeKeyAuth(HttpBearer):
    """`Authorization: Bearer kehu_lead_...`, as created on the intake keys settings page."""

    def __call__(self, request: HttpRequest) -> IntakeKey:
        """Return the request's active intake key, or raise IntakeKeyRequired.

        Replaces HttpBearer.__call__, which logs the whole header (the secret) in DEBUG mode.
        Raising, instead of returning None, gives the 401 the intake key's own message.
        """
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        key = self.authenticate(request, token) if scheme.lower() == "bearer" and token else None
        if key is None:
            raise IntakeKeyRequired
        return key

    def authenticate(self, request: HttpRequest, token: str) -> IntakeKey | None:
        return key_for_secret(token)


_BODY = {
    "type": "object",
    "properties": {
        **{key: {"type": "string"} for key in FORM_FIELDS},
        "consent": {
            "type": "boolean",
            "description": "Whether the person agreed to the "
            "campaign's consent text; required when the campaign has one.",
        },
        intake.HONEYPOT: {"type": "string", "description": "Leave empty."},
    },
    "description": "Only the fields of the key's campaign (every field above when the key has "
    "no campaign) are read; other keys are ignored.",
}


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise HttpError(400, _("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise HttpError(400, _("The request body must be a JSON object."))
    return data


@router.post(
    "/leads/intake",
    auth=IntakeKeyAuth(),
    response={
        202: schemas.IntakeOut,
        400: schemas.IntakeOut,
        413: schemas.IntakeOut,
        429: schemas.IntakeOut,
        **ERRORS,
    },
    summary="Submit a lead with an intake key",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY}}}
    },
)
def submit_lead(request: HttpRequest) -> Status[schemas.IntakeOut]:
    """Submit a person's details; the answer is 202 whether or not the person is known."""
    key = getattr(request, "auth", None)
    if not isinstance(key, IntakeKey):
        raise IntakeKeyRequired
    length = request.META.get("CONTENT_LENGTH") or ""
    if not length.isdigit() or int(length) > settings.KEHU_LEAD_MAX_BODY_BYTES:
        detail = _("The request body is too large: at most %(limit)d bytes.") % {
            "limit": settings.KEHU_LEAD_MAX_BODY_BYTES
        }
        return Status(413, schemas.IntakeOut(detail=detail))
    if not ratelimit.hit(f"lead-intake:{key.prefix}", intake.intake_limit()):
        logger.info("intake key %s over the rate limit", key.prefix)
        return Status(429, schemas.IntakeOut(detail=_("Too many submissions; wait a minute.")))
    data = _body(request)

    intake.submit_lead(
        {key_: value for key_, value in data.items() if key_ != "consent"},
        channel=LeadChannel.API,
        intake_key=key,
        consent=data.get("consent") is True,
        address=client_address(request) or None,
    )

    return Status(202, schemas.IntakeOut(detail=_("Received. Thank you.")))
