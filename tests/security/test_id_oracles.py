"""Inputs that name a user by id respond to a missing id and a forbidden one identically.

Otherwise the difference tells which user ids exist, who is deactivated and who is an outside
agent. Each case sends the same request with a random id and with ids of users the caller may
not pick, and compares status and body.
"""

import uuid
from collections.abc import Callable

from kehu.org.models import Department, Preset, User
from kehu.org.presets import preset_role
from tests.security.callers import Answer, ApiCaller, PageCaller
from tests.security.world import World, snapshot


def _deactivated(
    world: World, username: str, preset: str, department: Department | None = None
) -> User:
    return User.objects.create_user(
        username=username,
        password="test-pass-123",
        display_name=username,
        role=preset_role(preset),
        department=department or world.personas.rep.department,
        is_active=False,
    )


def _answers(send: Callable[[str], Answer], ids: list[str]) -> list[Answer]:
    return [send(public_id) for public_id in [str(uuid.uuid4()), *ids]]


def _assert_identical(answers: list[Answer], status: int) -> None:
    assert {answer.status for answer in answers} == {status}
    assert len({answer.body for answer in answers}) == 1, [answer.body for answer in answers]


def test_api_owner_ids(world: World) -> None:
    personas = world.personas
    manager = ApiCaller.of(personas.manager)
    rep = ApiCaller.of(personas.rep)
    # A deactivated user inside the manager's reach is named as such, because the manager can
    # read their customers anyway. The one compared here is outside the reach.
    south = personas.other_rep.department
    refused = [
        str(personas.other_rep.public_id),
        str(personas.agent.public_id),
        str(_deactivated(world, "gone_rep", Preset.REP, south).public_id),
    ]
    owner_path = f"/customers/{world.inside.public_id}/owner"
    before = snapshot()

    created = _answers(
        lambda owner: manager.post("/customers", {"name": "舟山定海渔业有限公司", "owner": owner}),
        refused,
    )
    moved = _answers(lambda owner: manager.post(owner_path, {"owner": owner}), refused)
    by_rep = _answers(
        lambda owner: rep.post(owner_path, {"owner": owner}), [str(personas.rep2.public_id)]
    )

    _assert_identical(created, 422)
    _assert_identical(moved, 422)
    _assert_identical(by_rep, 403)
    assert snapshot() == before


def test_api_share_ids(world: World) -> None:
    personas = world.personas
    path = f"/customers/{world.inside.public_id}/shares"
    owner = ApiCaller.of(personas.rep)
    reader = ApiCaller.of(personas.rep2)
    refused = [
        str(personas.agent.public_id),
        str(_deactivated(world, "gone_rep", Preset.REP).public_id),
    ]
    before = snapshot()

    by_owner = _answers(lambda user: owner.post(path, {"user": user}), refused)
    by_reader = _answers(
        lambda user: reader.post(path, {"user": user}), [str(personas.manager.public_id)]
    )

    _assert_identical(by_owner, 422)
    _assert_identical(by_reader, 403)
    assert snapshot() == before


def test_page_share_and_agent_ids(world: World) -> None:
    personas = world.personas
    customer = world.inside.public_id
    owner = PageCaller.of(personas.rep)
    manager = PageCaller.of(personas.manager)
    gone_agent = _deactivated(world, "gone_agent", Preset.AGENT)
    gone_rep = _deactivated(world, "gone_rep", Preset.REP)
    before = snapshot()

    def share(user: str) -> Answer:
        return owner.post(f"/customers/{customer}/sharing/", {"user": user, "access": "read"})

    def assign(caller: PageCaller) -> Callable[[str], Answer]:
        return lambda agent: caller.post(f"/customers/{customer}/agents/", {"agent": agent})

    shared = _answers(share, [str(personas.agent.public_id), str(gone_rep.public_id)])
    assigned = _answers(assign(manager), [str(personas.rep2.public_id), str(gone_agent.public_id)])
    by_owner = _answers(assign(owner), [str(world.spare_agent.public_id)])

    _assert_identical(shared, 400)
    _assert_identical(assigned, 400)
    _assert_identical(by_owner, 403)
    assert snapshot() == before
