"""Kehu's settings, read from environment variables and parsed strictly.

See README.md for every variable. Defaults suit a developer's machine; with DEBUG off the
unsafe ones (a generated secret key, open hosts) are refused.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kehu.core.env import (
    env_bool,
    env_daily_time,
    env_int,
    env_list,
    env_networks,
    env_path,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KEHU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR, DEBUG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies whose X-Forwarded-For names the client (kehu.core.client); none by default.
KEHU_TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

INSTALLED_APPS = [
    # Before django.contrib.auth, so Kehu's changepassword command replaces Django's.
    "kehu.org",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks_db",
    "kehu.core",
    "kehu.audit",
    "kehu.fields",
    "kehu.customers",
    "kehu.timeline",
    "kehu.sales",
    "kehu.service",
    "kehu.pool",
    "kehu.assignment",
    "kehu.leads",
    "kehu.handover",
    "kehu.imports",
    "kehu.api",
    "kehu.web",
    "kehu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kehu.urls"
WSGI_APPLICATION = "kehu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: DATABASE_URL, or a SQLite file under var/. SQLite runs in WAL mode so readers do not
# block the writer, and waits up to 20 s for a lock instead of failing at once. Write
# transactions start IMMEDIATE, so two writers queue instead of deadlocking on a lock upgrade.
_default_sqlite = f"sqlite:///{VAR_DIR / 'kehu.sqlite3'}"
_database = dj_database_url.parse(
    os.environ.get("DATABASE_URL", "").strip() or _default_sqlite,
    conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    conn_health_checks=True,
)
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["CONN_MAX_AGE"] = 0 if DEBUG else _database["CONN_MAX_AGE"]
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-65536;"
            "PRAGMA mmap_size=268435456;"
            "PRAGMA temp_store=MEMORY;"
        ),
    }
    # Tests use a file, not Django's shared in-memory database. The live server of the browser
    # tests handles requests in threads, and threads that share one in-memory connection fail
    # with "bad parameter or other API misuse" when a page sends two requests at once.
    _database["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
elif _database["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        f"DATABASE_URL must point at SQLite or PostgreSQL, got engine {_database['ENGINE']!r}"
    )
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:customer_list"
LOGOUT_REDIRECT_URL = "web:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "email")},
    },
    # The ratio above misses short Chinese names and their pinyin (王伟123456, wangwei2024).
    {"NAME": "kehu.org.password_validation.DisplayNameValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling: five failures for one username from one address lock that pair for 15 min.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "kehu.core.client.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Each app keeps its own catalog in <app>/locale, so no project-wide folder is needed.
LOCALE_PATHS: list[Path] = []
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves from the app folders in development and warns when this folder is missing.
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("KEHU_MEDIA_DIR", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploads: attachments and import files, in MiB.
KEHU_MAX_ATTACHMENT_MB = env_int("MAX_ATTACHMENT_MB", 20, minimum=1)
KEHU_MAX_IMPORT_MB = env_int("MAX_IMPORT_MB", 50, minimum=1)
# The font that quote PDFs embed (a subset of it): TrueType or OpenType, or a collection of
# them, covering Simplified Chinese. The default is Debian's fonts-noto-cjk, which ./run installs.
KEHU_PDF_FONT = env_path(
    "KEHU_PDF_FONT", Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Public lead forms and the lead intake API: the largest request body in bytes, submissions per
# client address per 10 minutes, and submissions per intake key per minute.
KEHU_LEAD_MAX_BODY_BYTES = env_int("LEAD_MAX_BODY_BYTES", 16 * 1024, minimum=1024)
KEHU_LEAD_FORM_RATE = env_int("LEAD_FORM_RATE_LIMIT", 10, minimum=1)
KEHU_LEAD_INTAKE_RATE = env_int("LEAD_INTAKE_RATE_LIMIT", 60, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Daily tasks planned by kehu.core.schedule: the dotted path of the task and its local time of
# day. POOL_SWEEP_AT=off stops the daily reclaim sweep; `kehu pool_sweep` still runs it by hand.
KEHU_SCHEDULES = {
    "pool_sweep": {
        "task": "kehu.pool.tasks.sweep_pools",
        "at": env_daily_time("POOL_SWEEP_AT", "01:00"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"kehu": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}

KEHU_BRAND = _("Kehu CRM")
