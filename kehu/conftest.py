"""Personas shared by every test: boss, manager, two reps and an outside agent, and helpers."""

import dataclasses
import re

import pypdfium2
import pytest

from kehu.org.models import Department, Preset, User
from kehu.org.presets import preset_role

# Fixtures of the public pools, for the pool's own tests and the page and API tests.
from kehu.pool.tests.fixtures import no_reasons, place, pools, unfrozen_clock  # noqa: F401


@dataclasses.dataclass
class Personas:
    boss: User
    manager: User
    rep: User
    rep2: User
    agent: User
    other_manager: User
    other_rep: User


@pytest.fixture
def personas(db: None) -> Personas:
    company = Department.objects.create(name="总公司")
    east = Department.objects.create(name="华东销售部", parent=company)
    south = Department.objects.create(name="华南销售部", parent=company)

    def user(username: str, name: str, role: str, department: Department) -> User:
        return User.objects.create_user(
            username=username,
            password="test-pass-123",
            display_name=name,
            role=preset_role(role),
            department=department,
        )

    manager = user("manager", "王经理", Preset.MANAGER, east)
    other_manager = user("south_manager", "赵经理", Preset.MANAGER, south)
    rep = user("rep", "李销售", Preset.REP, east)
    rep2 = user("rep2", "张销售", Preset.REP, east)
    other_rep = user("south_rep", "陈销售", Preset.REP, south)
    for member in (rep, rep2):
        member.manager = manager
        member.save(update_fields=["manager"])
    return Personas(
        boss=user("boss", "刘总", Preset.BOSS, company),
        manager=manager,
        rep=rep,
        rep2=rep2,
        agent=user("agent", "外部代理", Preset.AGENT, company),
        other_manager=other_manager,
        other_rep=other_rep,
    )


def pdf_pages(content: bytes) -> list[str]:
    """Return the text of each page of a PDF as PDFium, Chromium's PDF engine, extracts it."""
    document = pypdfium2.PdfDocument(content)
    try:
        return [page.get_textpage().get_text_bounded() for page in document]
    finally:
        document.close()


def field_errors(page: str) -> dict[str, list[str]]:
    """Return the error messages a form page shows in each input's own block, by input name.

    A block is a `<div class="field ...">` as web/includes/input.html renders it.
    """
    errors = {}
    for block in re.findall(r'<div class="field[^"]*">(.*?)</div>', page, re.DOTALL):
        name = re.search(r'name="(\w+)"', block)
        assert name is not None, block
        errors[name.group(1)] = re.findall(r'<p class="error">(.*?)</p>', block)
    return errors
