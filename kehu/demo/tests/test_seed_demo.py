import datetime as dt
import io
import re
import stat
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from pytest_django import Settings

from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers.models import Contact, Customer
from kehu.customers.normalize import normalize_credit_code
from kehu.org.models import Department, User
from kehu.pool.models import PoolEntry
from kehu.sales import payments
from kehu.sales.models import Contract
from kehu.service.models import Ticket
from kehu.service.queries import visible_tickets
from kehu.timeline.models import Event, FollowUp

# 20:00 on Thursday 2025-03-06 in Shanghai; the demo history ends the day before.
START = dt.datetime(2025, 3, 6, 12, 0, tzinfo=dt.UTC)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def var_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def frozen_start() -> Iterator[None]:
    clock.freeze(START)
    yield
    clock.freeze(None)


def seed(*args: str) -> list[str]:
    output = io.StringIO()
    call_command("seed_demo", *args, stdout=output)
    return output.getvalue().splitlines()


def database_counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "departments": Department.objects.count(),
        "customers": Customer.objects.count(),
        "contacts": Contact.objects.count(),
        "follow_ups": FollowUp.objects.count(),
        "events": Event.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_creates_company(var_dir: Path, frozen_start: None) -> None:
    output = seed()

    users = {
        user.username: (
            user.role.preset if user.role else "",
            user.display_name,
            str(user.department or ""),
            str(user.manager or ""),
        )
        for user in User.objects.select_related("department", "manager", "role")
    }
    assert users == {
        "boss": ("boss", "周建国", "总公司", ""),
        "manager": ("manager", "王丽华", "华东销售部", "周建国"),
        "rep1": ("rep", "李明", "华东销售部", "王丽华"),
        "rep2": ("rep", "张伟", "华东销售部", "王丽华"),
        "rep3": ("rep", "陈静", "华南销售部", "周建国"),
        "agent": ("agent", "赵刚", "", ""),
    }
    departments = {str(d): str(d.parent or "") for d in Department.objects.select_related("parent")}
    assert departments == {"总公司": "", "华东销售部": "总公司", "华南销售部": "总公司"}
    assert database_counts() == {
        "users": 6,
        "departments": 3,
        "customers": 300,
        "contacts": 508,
        "follow_ups": 948,
        # 402 from the customers' histories, 22 from the contracts, 17 from the tickets, 10
        # from placing the unassigned customers in the company pool.
        "events": 451,
    }
    statuses = Counter(Contract.objects.values_list("status", flat=True))
    assert statuses == {"signed": 4, "pending": 1}
    overdue = payments.only_overdue(Contract.objects.all(), START.date())
    assert [contract.title for contract in overdue] == ["维保服务合同"]
    assert Customer.objects.filter(owner__isnull=True).count() == 10
    assert PoolEntry.objects.filter(pool__department__isnull=True).count() == 10
    assert Event.objects.filter(kind="pool_placed").count() == 10
    assert Customer.objects.filter(agents__username="agent").count() == 15
    assert Event.objects.filter(kind="agent_assigned").count() == 15
    assert Event.objects.filter(kind="owner_changed").count() == 12
    assert Event.objects.filter(kind="contact_added").count() == 75
    tickets = Ticket.objects.order_by("opened_at")
    assert [(t.category, t.status) for t in tickets] == [
        ("complaint", "closed"),
        ("repair", "in_progress"),
        ("installation", "waiting"),
        ("consultation", "resolved"),
    ]
    agent = User.objects.get(username="agent")
    assert visible_tickets(agent).count() == 1
    assert all(t.opened_at < START and t.assignee_id == t.customer.owner_id for t in tickets)
    assert re.fullmatch(r"已创建演示公司：300 个客户、948 条跟进记录，用时 \d+\.\d 秒。", output[0])


@pytest.mark.django_db
def test_seed_demo_values_are_valid(var_dir: Path, frozen_start: None) -> None:
    seed("--customers", "60")

    for customer in Customer.objects.all():
        if customer.kind == "company":
            assert normalize_credit_code(customer.credit_code) == customer.credit_code
            assert customer.credit_code[2:8] == (
                customer.district_code or customer.city_code + "00"
            )
        else:
            assert customer.credit_code == ""
        assert customer.province_code == customer.city_code[:2]
    contact_counts = Counter(
        Customer.objects.annotate(n=Count("contacts")).values_list("n", flat=True)
    )
    assert set(contact_counts) == {1, 2, 3}
    for mobile in Contact.objects.values_list("mobile", flat=True):
        assert re.fullmatch(r"1[3-9]\d{9}", mobile), mobile


@pytest.mark.django_db
def test_seed_demo_history_is_in_last_120_days(var_dir: Path, frozen_start: None) -> None:
    seed("--customers", "60")

    assert clock.now() != START  # the command leaves the clock unfrozen
    start_day = dt.date(2025, 3, 6)
    for follow_up in FollowUp.objects.select_related("customer"):
        day = follow_up.occurred_at.astimezone(SHANGHAI).date()
        assert start_day - dt.timedelta(days=120) <= day < start_day, follow_up.occurred_at
        assert follow_up.customer.created_at < follow_up.occurred_at
    kinds = set(FollowUp.objects.values_list("kind", flat=True))
    assert {"call", "wechat", "visit"} <= kinds
    visit = FollowUp.objects.filter(kind="visit").exclude(purpose="").first()
    assert visit is not None
    assert visit.result != ""
    assert visit.next_step != ""


@pytest.mark.django_db
def test_seed_demo_saves_login_privately(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEHU_ADDRESS", raising=False)

    output = seed("--customers", "5")

    login = var_dir / "demo-login.txt"
    assert stat.S_IMODE(login.stat().st_mode) == 0o600
    saved = login.read_text(encoding="utf-8").splitlines()
    assert output[1:-1] == saved
    assert saved[0] == "打开 http://127.0.0.1:8000 并用下面任一演示用户登录："
    assert saved[1] == "  boss     老板（周建国）"
    assert saved[6] == "  agent    外部协作者（赵刚）"
    password = saved[7].removeprefix("所有演示用户的密码：")
    assert re.fullmatch(r"([a-z2-9]{4}-){3}[a-z2-9]{4}", password)
    for user in User.objects.all():
        assert user.check_password(password), user.username


@pytest.mark.django_db
def test_login_names_kehu_address(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEHU_ADDRESS", "127.0.0.1:9000")

    output = seed("--customers", "1")

    assert output[1] == "打开 http://127.0.0.1:9000 并用下面任一演示用户登录："


@pytest.mark.django_db
def test_if_empty_reprints_saved_login(var_dir: Path) -> None:
    first_output = seed("--customers", "5")
    counts = database_counts()

    second_output = seed("--if-empty")

    assert second_output == (var_dir / "demo-login.txt").read_text(encoding="utf-8").splitlines()
    assert second_output == first_output[1:-1]
    assert database_counts() == counts


@pytest.mark.django_db
def test_reprint_follows_address_and_active_users(
    var_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KEHU_ADDRESS", raising=False)
    first_output = seed("--customers", "2")
    User.objects.filter(username="rep1").update(is_active=False)
    monkeypatch.setenv("KEHU_ADDRESS", "127.0.0.1:8765")

    second_output = seed("--if-empty")

    assert second_output[0] == "打开 http://127.0.0.1:8765 并用下面任一演示用户登录："
    assert [line for line in first_output if line.startswith("  rep1 ")] != []
    assert [line for line in second_output if line.startswith("  rep1 ")] == []
    assert second_output[-1] == first_output[-2]


@pytest.mark.django_db
def test_seed_demo_rejects_database_with_users(var_dir: Path, personas: Personas) -> None:
    counts = database_counts()

    with pytest.raises(CommandError) as caught:
        seed()

    assert str(caught.value) == "数据库中已有用户，seed_demo 只填充空数据库。"
    assert database_counts() == counts
    assert not (var_dir / "demo-login.txt").exists()


@pytest.mark.django_db
def test_if_empty_without_saved_login(var_dir: Path, personas: Personas) -> None:
    counts = database_counts()

    output = seed("--if-empty")

    assert output == ["数据库中已有用户，因此没有创建演示公司。请用您自己的账号登录。"]
    assert database_counts() == counts


@pytest.mark.django_db
def test_customers_option_rejects_zero(var_dir: Path) -> None:
    with pytest.raises(CommandError) as caught:
        seed("--customers", "0")

    assert "--customers" in str(caught.value)
    assert User.objects.count() == 0
