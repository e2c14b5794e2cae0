"""find_matches against stored customers: each key on its own, exclusions and kinds."""

import pytest
from pytest_django import DjangoAssertNumQueries

from kehu.conftest import Personas
from kehu.customers import services
from kehu.customers.dedup import Candidate, find_matches
from kehu.customers.models import Customer

CODE = "91330100799655058B"


@pytest.fixture
def stored(personas: Personas) -> Customer:
    contact = {
        "name": "王芳",
        "mobile": "13812345678",
        "email": "wangfang@xingxing.cn",
        "wechat": "wangfang_hz",
    }
    return services.create_customer(
        personas.rep,
        {"name": "杭州星星科技有限公司", "credit_code": CODE},
        [contact],
        owner=personas.rep,
    )


def reasons(candidate: Candidate, exclude_ids: tuple[int, ...] = ()) -> list[tuple[int, str]]:
    [matches] = find_matches([candidate], exclude_ids)
    return [(match.customer_id, match.reason) for match in matches]


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        (Candidate(name_key="杭州星星科技"), "name"),
        (Candidate(credit_code=CODE), "credit_code"),
        (Candidate(mobiles=["13812345678"]), "mobile"),
        (Candidate(emails=["wangfang@xingxing.cn"]), "email"),
        (Candidate(wechats=["wangfang_hz"]), "wechat"),
        (Candidate(name_core="杭州星星科技"), "similar_name"),
    ],
)
def test_each_key_alone_finds_the_customer(
    stored: Customer, candidate: Candidate, reason: str
) -> None:
    assert stored.name_key == "杭州星星科技"
    assert reasons(candidate) == [(stored.pk, reason)]


def test_no_keys_no_queries(
    stored: Customer, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        assert find_matches([Candidate()]) == [[]]


def test_excluded_customer_is_not_a_match(stored: Customer) -> None:
    candidate = Candidate(name_key=stored.name_key, wechats=["wangfang_hz"])

    assert reasons(candidate, (stored.pk,)) == []
    assert reasons(candidate, (stored.pk + 1,)) == [(stored.pk, "name")]


def test_batch_gets_matches_per_candidate(stored: Customer) -> None:
    candidates = [
        Candidate(name_key="另一家公司", mobiles=["13900000000"]),
        Candidate(name_key="另一家公司", emails=["wangfang@xingxing.cn"]),
        Candidate(credit_code=CODE, name_core=stored.name_core),
    ]

    matches = find_matches(candidates)

    assert [[(m.customer_id, m.reason, m.exact) for m in found] for found in matches] == [
        [],
        [(stored.pk, "email", True)],
        # One match per customer: the exact reason wins over the similar name.
        [(stored.pk, "credit_code", True)],
    ]
    assert matches[1][0].owner_label == "李销售"


def test_individuals_are_not_matched_by_name(personas: Personas) -> None:
    person = services.create_customer(
        personas.rep, {"name": "张伟", "kind": "individual"}, owner=personas.rep
    )

    assert reasons(Candidate(name_key=person.name_key, name_core=person.name_core)) == []
