"""Importing a sales team roster: users, their managers and departments, duplicates and undo."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.imports import services, tasks
from kehu.imports.models import ImportKind, ImportStatus, OnDuplicate
from kehu.imports.tests.helpers import check, counts, prepare, problems, run, write_csv
from kehu.imports.undo import undo_import
from kehu.org.bulk import username_base
from kehu.org.models import Capability, DataScope, Department, Preset, Role, User
from kehu.org.presets import PRESETS, preset_role

USERS = ImportKind.USERS
SIGN_IN_WARNING = "Imported users cannot sign in until a password is set on the users page."


def roster(tmp_path: Path, rows: list[list[object]], name: str = "team.csv") -> Path:
    return write_csv(tmp_path / name, rows)


def imported(display_name: str) -> User:
    return User.objects.select_related("role", "department", "manager").get(
        display_name=display_name
    )


def test_maven_shaped_roster_adds_agents_managers_and_offices(
    personas: Personas, tmp_path: Path
) -> None:
    path = roster(
        tmp_path,
        [
            ["sales_agent", "manager", "regional_office"],
            ["Anna Snelling", "Dustin Brinkmann", "Central"],
            ["Cecily Lampkin", "Dustin Brinkmann", "Central"],
            ["Corliss Cosme", "Rocco Neubert", "East"],
            ["Daniell Hammack", "Rocco Neubert", "East"],
        ],
    )
    users_before = User.objects.count()
    departments_before = Department.objects.count()
    job = prepare(personas.boss, path, kind=USERS)
    assert [entry["target"] for entry in job.mapping] == [
        "user.display_name",
        "user.manager",
        "user.department",
    ]

    checked = check(personas.boss, job)
    expected = {"created": 4, "updated": 0, "skipped": 0, "rejected": 0, "contacts_created": 0}
    assert counts(checked) == expected
    assert User.objects.count() == users_before
    assert Department.objects.count() == departments_before
    dry_run_warnings = problems(checked, warnings=True)
    token = services.claim_for_command(personas.boss, checked)
    tasks.run(checked.pk, token)
    checked.refresh_from_db()

    assert checked.status == ImportStatus.DONE
    assert counts(checked) == expected
    assert problems(checked, warnings=True) == dry_run_warnings
    assert User.objects.count() == users_before + 6
    company = Department.objects.get(name="总公司")
    central = Department.objects.get(name="Central")
    east = Department.objects.get(name="East")
    assert (central.parent, east.parent) == (company, company)
    anna = imported("Anna Snelling")
    dustin = imported("Dustin Brinkmann")
    assert (anna.username, anna.role, anna.department, anna.manager) == (
        "anna.snelling",
        preset_role(Preset.REP),
        central,
        dustin,
    )
    assert (dustin.username, dustin.role, dustin.department, dustin.manager) == (
        "dustin.brinkmann",
        preset_role(Preset.MANAGER),
        central,
        None,
    )
    assert imported("Daniell Hammack").manager == imported("Rocco Neubert")
    assert imported("Rocco Neubert").department == east
    assert not anna.has_usable_password()
    assert not dustin.has_usable_password()
    assert problems(checked) == []
    assert dry_run_warnings == [
        (0, "sales_agent", "", SIGN_IN_WARNING),
        (
            2,
            "regional_office",
            "Central",
            "The department “Central” is new; the import adds it under “总公司”.",
        ),
        (
            2,
            "manager",
            "Dustin Brinkmann",
            "“Dustin Brinkmann” was not a user, so the import adds them with the role 销售经理 "
            "in the department “Central”.",
        ),
        (
            4,
            "regional_office",
            "East",
            "The department “East” is new; the import adds it under “总公司”.",
        ),
        (
            4,
            "manager",
            "Rocco Neubert",
            "“Rocco Neubert” was not a user, so the import adds them with the role 销售经理 "
            "in the department “East”.",
        ),
    ]


def test_usernames_from_names() -> None:
    assert username_base("王伟") == "wangwei"
    assert username_base("Anna Snelling") == "anna.snelling"
    assert username_base(" Zoë  Ångström-Berg ") == "zoe.angstrom.berg"
    assert username_base("欧阳 Lily") == "ouyanglily"
    assert username_base("★") == "user"


def test_generated_usernames_avoid_collisions_and_duplicates_skip(
    personas: Personas, tmp_path: Path
) -> None:
    User.objects.create_user(username="wangwei", display_name="王伟（已离职）", is_active=False)
    path = roster(
        tmp_path,
        [
            ["姓名", "用户名", "邮箱"],
            ["王伟", "", "wangwei@example.com"],
            ["汪伟", "", ""],
            ["李销售", "", ""],
            ["王伟", "", ""],
            ["张三", "rep2", ""],
            ["赵六", "", "not-an-email"],
        ],
    )

    job = run(personas.boss, path, kind=USERS)

    assert counts(job) == {
        "created": 2,
        "updated": 0,
        "skipped": 3,
        "rejected": 1,
        "contacts_created": 0,
    }
    assert imported("王伟").username == "wangwei2"
    assert imported("王伟").email == "wangwei@example.com"
    assert imported("汪伟").username == "wangwei3"
    assert problems(job) == [
        (7, "邮箱", "not-an-email", "“not-an-email” is not a valid email address.")
    ]
    assert problems(job, warnings=True)[1:] == [
        (4, "姓名", "李销售", "The user “李销售” (username rep) already exists."),
        (5, "姓名", "王伟", "Row 2 of the file already has the user “王伟”."),
        (6, "姓名", "张三", "The user “张销售” (username rep2) already exists."),
    ]


def test_managers_follow_rows_above_and_below(personas: Personas, tmp_path: Path) -> None:
    path = roster(
        tmp_path,
        [
            ["姓名", "上级", "部门", "角色"],
            ["周一", "吴经理", "华东销售部", ""],
            ["郑二", "周一", "", ""],
            ["吴经理", "王经理", "华东销售部", "销售经理"],
            ["甲", "乙", "", ""],
            ["乙", "甲", "", ""],
            ["钱三", "钱三", "", ""],
        ],
    )

    job = run(personas.boss, path, kind=USERS)

    assert (job.created, job.rejected) == (3, 3)
    east = Department.objects.get(name="华东销售部")
    wu = imported("吴经理")
    assert (wu.manager, wu.role, wu.department) == (
        personas.manager,
        preset_role(Preset.MANAGER),
        east,
    )
    assert imported("周一").manager == wu
    assert imported("郑二").manager == imported("周一")
    assert imported("郑二").department is None
    assert problems(job) == [
        (
            5,
            "上级",
            "乙",
            "The manager “乙” is on row 6, which was not imported.",
        ),
        (
            6,
            "上级",
            "甲",
            "“甲” on row 5 reports, through the file's managers, to this row's user; the "
            "managers form a loop.",
        ),
        (7, "上级", "钱三", "A user cannot be their own manager."),
    ]


def test_unknown_role_lists_the_roles(personas: Personas, tmp_path: Path) -> None:
    path = roster(tmp_path, [["name", "role"], ["周一", "总监"], ["郑二", "外部协作者"]])

    job = run(personas.boss, path, kind=USERS)

    assert (job.created, job.rejected) == (1, 1)
    names = "、".join(sorted(definition.name for definition in PRESETS.values()))
    assert problems(job) == [(2, "role", "总监", f"“总监” is not a role. The roles are: {names}.")]
    assert imported("郑二").role == preset_role(Preset.AGENT)
    assert not User.objects.filter(display_name="周一").exists()


def test_roles_without_manage_users_cannot_import_a_team(
    personas: Personas, tmp_path: Path
) -> None:
    path = roster(tmp_path, [["姓名"], ["周一"]])
    for persona in (personas.rep, personas.manager):
        assert USERS not in services.importable_kinds(persona)
        with path.open("rb") as handle, pytest.raises(PermissionDenied):
            services.create_import(persona, File(handle), path.name, kind=USERS)
    assert USERS in services.importable_kinds(personas.boss)
    assert services.duplicate_choices(personas.boss, USERS) == ["skip", "update"]
    job = prepare(personas.boss, path, kind=USERS)
    with pytest.raises(PermissionDenied):
        services.set_mapping(
            personas.boss,
            job,
            [entry["target"] for entry in job.mapping],
            owner=personas.boss,
            on_duplicate=OnDuplicate.CREATE,
        )
    assert not User.objects.filter(display_name="周一").exists()


def test_department_head_adds_users_only_within_reach(personas: Personas, tmp_path: Path) -> None:
    manager_preset = PRESETS[Preset.MANAGER]
    head_role = Role.objects.create(
        name="部门主管",
        data_scope=DataScope.DEPARTMENT_TREE,
        capabilities=[*manager_preset.capabilities, Capability.MANAGE_USERS],
    )
    east = Department.objects.get(name="华东销售部")
    head = User.objects.create_user(
        username="head", display_name="孙主管", role=head_role, department=east
    )
    path = roster(
        tmp_path,
        [
            ["姓名", "部门", "角色"],
            ["新销售", "华东销售部", ""],
            ["南区经理", "华南销售部", "销售经理"],
            ["苏州销售", "苏州办事处", ""],
            ["新老板", "华东销售部", "老板"],
        ],
    )

    job = run(head, path, kind=USERS)

    assert (job.created, job.rejected) == (2, 2)
    assert imported("新销售").department == east
    suzhou = Department.objects.get(name="苏州办事处")
    assert suzhou.parent == east
    assert imported("苏州销售").department == suzhou
    assert not User.objects.filter(display_name__in=["南区经理", "新老板"]).exists()
    assert problems(job)[0] == (
        3,
        "角色",
        "销售经理",
        "This change would let 南区经理 reach customers that you cannot reach yourself.",
    )
    assert problems(job)[1][:3] == (5, "角色", "老板")
    assert problems(job)[1][3].startswith("Your own role lacks")


def test_update_changes_placement_and_undo_restores_it(personas: Personas, tmp_path: Path) -> None:
    south = Department.objects.get(name="华南销售部")
    path = roster(
        tmp_path,
        [["姓名", "上级", "部门", "邮箱"], ["张销售", "赵经理", "华南销售部", "zhang@example.com"]],
    )

    job = run(personas.boss, path, kind=USERS, on_duplicate=OnDuplicate.UPDATE)

    assert (job.updated, job.created) == (1, 0)
    rep2 = imported("张销售")
    assert (rep2.manager, rep2.department, rep2.email) == (
        personas.other_manager,
        south,
        "zhang@example.com",
    )
    undo_import(personas.boss, job)
    rep2 = imported("张销售")
    assert (rep2.manager, rep2.department, rep2.email) == (
        personas.manager,
        Department.objects.get(name="华东销售部"),
        "",
    )


def test_undo_deletes_unused_users_and_empty_departments(
    personas: Personas, tmp_path: Path
) -> None:
    users_before = User.objects.count()
    departments_before = Department.objects.count()
    path = roster(
        tmp_path,
        [
            ["sales_agent", "manager", "regional_office"],
            ["Anna Snelling", "Dustin Brinkmann", "Central"],
            ["Cecily Lampkin", "王经理", "华东销售部"],
        ],
    )
    job = run(personas.boss, path, kind=USERS)
    assert User.objects.count() == users_before + 3

    undo_import(personas.boss, job)

    job.refresh_from_db()
    assert job.status == ImportStatus.UNDONE
    assert User.objects.count() == users_before
    assert Department.objects.count() == departments_before


def test_undo_is_blocked_by_users_who_signed_in_or_own_records(
    personas: Personas, tmp_path: Path
) -> None:
    path = roster(tmp_path, [["姓名", "部门"], ["周一", "华东销售部"], ["郑二", "华东销售部"]])
    job = run(personas.boss, path, kind=USERS)
    zhou = imported("周一")
    zhou.last_login = timezone.now()
    zhou.save(update_fields=["last_login"])
    zheng = imported("郑二")
    customer_services.create_customer(personas.boss, {"name": "杭州星星科技有限公司"}, owner=zheng)

    with pytest.raises(ValidationError) as raised:
        undo_import(personas.boss, job)

    message = raised.value.message_dict["undo"][0]
    assert "row 2: user “周一” has signed in" in message
    assert "row 3: customers refer to user “郑二”" in message
    assert User.objects.filter(display_name__in=["周一", "郑二"]).count() == 2


def test_imported_user_gets_a_password_on_the_users_page(
    client: Client, personas: Personas, tmp_path: Path
) -> None:
    job = run(personas.boss, roster(tmp_path, [["姓名"], ["周一"]]), kind=USERS)
    assert job.created == 1
    zhou = imported("周一")
    assert not zhou.has_usable_password()
    client.force_login(personas.boss)

    response = client.post(
        reverse("web:settings_user_password", args=[zhou.public_id]),
        {"new_password": "Kehu-team-2026!", "new_password_again": "Kehu-team-2026!"},
    )

    assert response.status_code == 302
    zhou.refresh_from_db()
    assert zhou.check_password("Kehu-team-2026!")


def test_namesakes_pinyin_username_is_not_a_duplicate(personas: Personas, tmp_path: Path) -> None:
    User.objects.create_user(username="zhangwei", display_name="章伟", role=preset_role(Preset.REP))
    path = roster(tmp_path, [["姓名"], ["张伟"], ["章伟"]])

    job = run(personas.boss, path, kind=USERS)

    assert (job.created, job.skipped) == (1, 1)
    assert imported("张伟").username == "zhangwei2"


def test_padded_chinese_names_match_stored_users(personas: Personas, tmp_path: Path) -> None:
    path = roster(tmp_path, [["姓名", "上级"], ["李 销售", "王　经理"], ["张\u3000销售", ""]])

    job = run(personas.boss, path, kind=USERS)

    assert (job.created, job.skipped) == (0, 2)
    assert User.objects.filter(display_name__contains=" ").count() == 0
