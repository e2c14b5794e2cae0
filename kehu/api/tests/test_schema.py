import re

from django.test import Client
from ninja import Schema
from openapi_spec_validator import validate

# Hosts that serve Swagger UI and similar assets; none is reachable from much of mainland China.
CDN_MARKERS = ("cdn", "jsdelivr", "unpkg", "googleapis", "cloudflare", "bootcdn", "staticfile")


def test_schema_is_valid_openapi_3_with_customer_paths(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    paths = schema["paths"]
    assert set(paths["/api/v1/customers"]) == {"get", "post"}
    assert set(paths["/api/v1/customers/{customer_id}"]) == {"get", "patch"}
    assert set(paths["/api/v1/customers/{customer_id}/owner"]) == {"post"}
    assert set(paths["/api/v1/customers/{customer_id}/contacts"]) == {"get", "post"}
    assert set(paths["/api/v1/customers/{customer_id}/contacts/{contact_id}"]) == {"patch"}
    assert set(paths["/api/v1/customers/{customer_id}/follow-ups"]) == {"get", "post"}
    assert set(paths["/api/v1/customers/{customer_id}/follow-ups/{follow_up_id}"]) == {"patch"}
    assert set(paths["/api/v1/customers/{customer_id}/timeline"]) == {"get"}
    assert set(paths["/api/v1/fields/{target}"]) == {"get"}


def test_schema_declares_bearer_and_session_auth(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()

    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    create = schema["paths"]["/api/v1/customers"]["post"]
    assert create["security"] == [{"TokenAuth": []}, {"SessionAuth": []}]
    assert set(create["responses"]) == {"201", "401", "403", "404", "409", "422"}


def test_schema_and_docs_have_no_cdn_reference(client: Client) -> None:
    schema_text = client.get("/api/v1/openapi.json").content.decode().lower()
    docs = client.get("/api/v1/docs")
    page = docs.content.decode()

    assert docs.status_code == 200
    for marker in CDN_MARKERS:
        assert marker not in schema_text, marker
        assert marker not in page.lower(), marker
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', page))


def test_docs_assets_served_by_kehu(client: Client) -> None:
    page = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page)

    assert len(assets) == 3
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].split(";")[0] in ("text/javascript", "text/css"), url


def test_unknown_docs_asset_is_404(client: Client) -> None:
    response = client.get("/api/v1/docs/assets/redoc.standalone.js")

    assert response.status_code == 404


def test_schema_names_are_unique_across_modules() -> None:
    """The OpenAPI document keys schemas by class name, so two input classes of one name in
    different modules make one of them vanish from the docs."""
    pending: list[type[Schema]] = [Schema]
    seen: dict[str, set[str]] = {}
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("kehu."):
                seen.setdefault(subclass.__name__, set()).add(subclass.__module__)

    assert {name: modules for name, modules in seen.items() if len(modules) > 1} == {}


def test_deal_create_documents_every_field(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/deals"]["post"]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[-1]

    fields = set(schema["components"]["schemas"][name]["properties"])

    assert {"customer", "name", "amount", "stage"} <= fields
