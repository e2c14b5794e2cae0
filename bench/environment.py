"""Point Django at a benchmark data folder before it loads, so no benchmark touches var/.

Benchmarks run with DEBUG off, as a deployment does: Django then keeps database connections
open between requests (CONN_MAX_AGE) and does not record every query in memory. The settings
that DEBUG off requires (a secret key, allowed hosts) are provided here for 127.0.0.1 only.
"""

import os
import secrets
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = BENCH_DIR / "data"
RESULTS_DIR = BENCH_DIR / "results"
DATABASE_NAME = "kehu.sqlite3"


def bench_environment(data_dir: Path, settings_module: str = "kehu.settings") -> dict[str, str]:
    """Return the environment variables that make Kehu use the database in `data_dir`."""
    # STATIC_ROOT lives under KEHU_VAR_DIR; WhiteNoise warns at start-up if it is missing.
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    key_path = data_dir / "secret_key"
    if not key_path.exists():
        key_path.write_text(secrets.token_urlsafe(50))
        key_path.chmod(0o600)
    return {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "KEHU_VAR_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / DATABASE_NAME}",
        "DEBUG": "0",
        "SECRET_KEY": key_path.read_text().strip(),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
    }


def setup_django(data_dir: Path, settings_module: str = "kehu.settings") -> None:
    """Configure the environment for `data_dir` and start Django in this process."""
    os.environ.update(bench_environment(data_dir, settings_module))
    import django

    django.setup()
