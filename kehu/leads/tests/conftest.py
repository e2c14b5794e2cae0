"""Fixtures of the lead tests: a campaign with consent text and a fast password hasher."""

import pytest
from pytest_django.fixtures import Settings

from kehu.conftest import Personas
from kehu.leads import campaigns
from kehu.leads.models import Campaign


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def campaign(personas: Personas) -> Campaign:
    return campaigns.create_campaign(
        personas.manager,
        {
            "name": "2026 上海工博会",
            "fields": ["name", "company", "mobile", "email", "message"],
            "required_fields": ["name", "mobile"],
            "consent_text": "我同意贵公司就本次咨询与我联系。",
            "thank_you_text": "感谢您的关注，我们会尽快联系您。",
            "source": "exhibition",
        },
    )
