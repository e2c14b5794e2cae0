"""Kehu's JSON API, version 1: the NinjaAPI instance and its routers."""

from typing import Any

from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext

from kehu.api import errors
from kehu.api.auth import SessionAuth, TokenAuth
from kehu.api.docs import KehuDocs
from kehu.api.routers import (
    contacts,
    contracts,
    customers,
    deals,
    fields,
    handovers,
    intake,
    leads,
    pipelines,
    pools,
    products,
    quotes,
    shares,
    tickets,
    timeline,
)


class KehuAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        """Collect request errors like Ninja does, but keep each rejected value.

        Ninja drops pydantic's "input"; Kehu's messages quote the value, so it stays.
        """
        collected: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            for error in context.pydantic_validation_error.errors(include_url=False):
                location = model.__ninja_flatten_map_reverse__.get(error["loc"], error["loc"])
                collected.append(
                    {
                        "type": error["type"],
                        "loc": (model.__ninja_param_source__, *location),
                        "msg": error["msg"],
                        "input": error.get("input"),
                    }
                )
        return ValidationError(collected)


api = KehuAPI(
    title="Kehu API",
    version="1",
    # The schema is for developers and stays in English. Response messages follow the request.
    description=(
        "Customers, contacts, follow-ups, products, pipelines, deals, quotes, tickets and "
        "public pools of "
        "Kehu CRM. "
        "Authenticate with `Authorization: Bearer <token>` (create a token with "
        "`kehu create_api_token`) or, "
        "from Kehu's own pages, with the session and the X-CSRFToken header. Messages follow "
        "Accept-Language: Simplified Chinese (zh-hans, the default) or English (en)."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionAuth()],
    docs=KehuDocs(),
    docs_url="/docs",
)
errors.install(api)
api.add_router("", customers.router)
api.add_router("", contacts.router)
api.add_router("", timeline.router)
api.add_router("", fields.router)
api.add_router("", shares.router)
api.add_router("", deals.router)
api.add_router("", pipelines.router)
api.add_router("", products.router)
api.add_router("", quotes.router)
api.add_router("", contracts.router)
api.add_router("", tickets.router)
api.add_router("", pools.router)
api.add_router("", handovers.router)
# Before the leads router, whose /leads/{lead_id} would otherwise take /leads/intake.
api.add_router("", intake.router)
api.add_router("", leads.router)
