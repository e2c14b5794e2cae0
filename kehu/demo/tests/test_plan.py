import datetime as dt

from kehu.customers.normalize import credit_check_character
from kehu.demo.generator import org_code_check_character
from kehu.demo.plan import FollowUpStep, OwnerStep, plan_company
from kehu.demo.seed import new_password

START = dt.datetime(2025, 3, 6, 12, 0, tzinfo=dt.UTC)


def test_same_seed_plans_same_company() -> None:
    first = plan_company(START, seed=7, count=40)
    second = plan_company(START, seed=7, count=40)

    assert first == second


def test_other_seed_plans_other_company() -> None:
    first = plan_company(START, seed=7, count=40)
    second = plan_company(START, seed=8, count=40)

    assert [c.values["name"] for c in first] != [c.values["name"] for c in second]


def test_plan_has_no_repeated_duplicate_keys() -> None:
    plan = plan_company(START, count=300)

    names = [customer.values["name"] for customer in plan]
    codes = [
        customer.values["credit_code"] for customer in plan if "credit_code" in customer.values
    ]
    contacts = [contact for customer in plan for contact in customer.contacts]
    mobiles = [contact["mobile"] for contact in contacts]
    assert len(set(names)) == 300
    assert len(set(codes)) == len(codes)
    assert len(set(mobiles)) == len(mobiles)


def test_plan_steps_are_in_time_order() -> None:
    for customer in plan_company(START, count=300):
        moments = [customer.created_at] + [step.at for step in customer.steps]
        assert moments == sorted(moments), customer.values["name"]


def test_plan_ends_before_start_day() -> None:
    start_day_local = dt.datetime(2025, 3, 6, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for customer in plan_company(START, count=300):
        for step in customer.steps:
            assert step.at < start_day_local


def test_released_customers_end_unassigned() -> None:
    plan = plan_company(START, count=300)

    released = [c for c in plan if c.owner and c.final_owner() is None]
    created_unassigned = [c for c in plan if c.owner is None]
    assert len(released) == 4
    assert len(created_unassigned) == 6
    assert all(c.creator == "manager" for c in created_unassigned)
    assert all(isinstance(c.steps[-1], OwnerStep) for c in released)


def test_agent_writes_one_follow_up_per_assigned_customer() -> None:
    plan = plan_company(START, count=300)

    with_agent = [c for c in plan if c.with_agent]
    assert len(with_agent) == 15
    for customer in with_agent:
        authors = [s.actor for s in customer.steps if isinstance(s, FollowUpStep)]
        assert authors.count("agent") == 1


def test_check_characters_of_example_code() -> None:
    # 91350100M000100Y43 is often given as an example of the code format.
    assert org_code_check_character("M000100Y") == "4"
    assert credit_check_character("91350100M000100Y4") == "3"


def test_new_password_is_random_groups() -> None:
    first = new_password()
    second = new_password()

    assert first != second
    assert len(first) == 19
    assert [len(group) for group in first.split("-")] == [4, 4, 4, 4]
