import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kehu.core import env


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("off", False), ("Yes", True), ("", False)]
)
def test_env_bool_accepts_known_words(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("KEHU_TEST_FLAG", raw)

    assert env.env_bool("KEHU_TEST_FLAG", not expected) is expected


def test_env_bool_rejects_typo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEHU_TEST_FLAG", "ture")

    with pytest.raises(ImproperlyConfigured, match="KEHU_TEST_FLAG"):
        env.env_bool("KEHU_TEST_FLAG", False)


def test_env_int_rejects_below_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEHU_TEST_NUMBER", "0")

    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("KEHU_TEST_NUMBER", 5, minimum=1)


def test_env_int_rejects_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEHU_TEST_NUMBER", "20MB")

    with pytest.raises(ImproperlyConfigured, match="'20MB'"):
        env.env_int("KEHU_TEST_NUMBER", 5)


def test_secret_key_required_without_debug(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)

    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required"):
        env.secret_key(tmp_path, debug=False)
    assert not (tmp_path / "secret_key").exists()


def test_secret_key_generated_once_in_development(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)

    first = env.secret_key(tmp_path, debug=True)
    second = env.secret_key(tmp_path, debug=True)

    assert first == second
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_short_secret_key_rejected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SECRET_KEY", "short")

    with pytest.raises(ImproperlyConfigured, match="32 characters"):
        env.secret_key(tmp_path, debug=True)


def test_env_path_rejects_relative_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEHU_TEST_PATH", "fonts/noto.ttc")

    with pytest.raises(ImproperlyConfigured, match=r"absolute path, got 'fonts/noto\.ttc'"):
        env.env_path("KEHU_TEST_PATH", Path("/default"))


def test_env_path_takes_default_when_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEHU_TEST_PATH", " ")

    assert env.env_path("KEHU_TEST_PATH", Path("/default")) == Path("/default")


def test_env_path_reads_absolute_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEHU_TEST_PATH", "/srv/fonts/noto.ttc")

    assert env.env_path("KEHU_TEST_PATH", Path("/default")) == Path("/srv/fonts/noto.ttc")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("01:00", dt.time(1, 0)), (" 23:30 ", dt.time(23, 30)), ("", dt.time(1, 0)), ("off", None)],
)
def test_env_daily_time_reads_hours_and_minutes(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: dt.time | None
) -> None:
    monkeypatch.setenv("KEHU_TEST_AT", raw)

    assert env.env_daily_time("KEHU_TEST_AT", "01:00") == expected


@pytest.mark.parametrize("raw", ["1am", "25:00", "01:00:00"])
def test_env_daily_time_rejects_other_forms(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("KEHU_TEST_AT", raw)

    with pytest.raises(ImproperlyConfigured, match="KEHU_TEST_AT must be a time of day"):
        env.env_daily_time("KEHU_TEST_AT", "01:00")
