"""Strict parsing of settings from environment variables.

Every helper raises ImproperlyConfigured naming the variable and the bad value, so a typo in a
deployment fails at start-up instead of silently falling back to a default.
"""

import datetime as dt
import os
import secrets
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    """Return the absolute path in variable `name`, or `default` when it is unset or empty.

    A relative path is rejected because it would depend on the directory Kehu starts in.
    """
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    path = Path(raw.strip())
    if not path.is_absolute():
        raise ImproperlyConfigured(f"{name} must be an absolute path, got {raw!r}")
    return path


def secret_key(var_dir: Path, debug: bool) -> str:
    """Return SECRET_KEY from the environment, or in development a key kept under var/.

    With DEBUG off a missing key is an error: a generated key on a server would change on every
    new machine and log everyone out, and a default one would let anyone forge sessions.
    """
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return key
    if not debug:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


def env_daily_time(name: str, default: str) -> dt.time | None:
    """Return the time of day "HH:MM" in variable `name`; "off" returns None (no schedule)."""
    raw = os.environ.get(name)
    value = (raw if raw is not None and raw.strip() else default).strip()
    if value.lower() == "off":
        return None
    try:
        return dt.datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a time of day as HH:MM (such as 01:00) or off, got {value!r}"
        ) from None


def env_networks(name: str) -> list[IPv4Network | IPv6Network]:
    """Return the comma-separated addresses or networks (CIDR) in variable `name`; none if unset.

    A single address is a network of one address. Host bits set in a network ("10.0.0.1/8") are
    rejected, because such a value is more likely a typo than the network meant.
    """
    networks: list[IPv4Network | IPv6Network] = []
    for item in env_list(name, []):
        try:
            networks.append(ip_network(item))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks such as 10.0.0.0/8, got {item!r}"
            ) from None
    return networks
