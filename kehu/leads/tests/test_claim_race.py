"""Twenty users claim the same pool lead at once: exactly one wins.

Runs on the test database of the settings: SQLite by default, PostgreSQL with DATABASE_URL.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from kehu.conftest import Personas
from kehu.leads import services
from kehu.leads.models import Lead, LeadEventKind
from kehu.org.models import Preset, User
from kehu.org.presets import preset_role

# Threads need their own connections to one database, so the test commits for real.
pytestmark = pytest.mark.django_db(transaction=True)
CLAIMERS = 20


def test_twenty_claimers_one_winner(personas: Personas) -> None:
    users = [
        User.objects.create_user(
            username=f"claimer{index}",
            password="test-pass-123",
            display_name=f"抢单{index}",
            role=preset_role(Preset.REP),
            department=personas.rep.department,
        )
        for index in range(CLAIMERS)
    ]
    lead = services.create_lead(
        personas.boss, {"name": "抢手线索", "mobile": "13700000001"}, owner=None
    )
    barrier = threading.Barrier(CLAIMERS)
    outcomes: list[str] = []

    def claim(user: User) -> None:
        barrier.wait()
        try:
            services.claim_lead(user, lead)
            outcomes.append("won")
        except ValidationError:
            outcomes.append("lost")
        except Exception as error:
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["lost"] * (CLAIMERS - 1) + ["won"]
    lead.refresh_from_db()
    assert lead.owner in users
    assert Lead.objects.get(pk=lead.pk).events.filter(kind=LeadEventKind.CLAIMED).count() == 1
