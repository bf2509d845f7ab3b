"""Kabinet settings: one file, every deployment-specific value read from the environment.

The README's configuration table lists each variable with its default; keep the two in step.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
import django.forms
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, or generated once and kept in the data folder."""
    if key := env("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
DEMO = env_bool("DEMO", False)  # the demo: a staff page shows sent codes and links
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = [SITE_URL]
HTTPS = SITE_URL.startswith("https://")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its form templates, for widgets with Django templates (see TEMPLATES)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "captcha",  # django-simple-captcha: the self-hosted captcha of the company sign-up
    "kabinet.core",
    "kabinet.identity",
    "kabinet.notify",
    "kabinet.customers",
    "kabinet.billing",
    "kabinet.payments",
    "kabinet.metering",
    "kabinet.appeals",
    "kabinet.connections",
    "kabinet.documents",
    "kabinet.api",
    "ninja",  # django-ninja's own static files for the API docs (no CDN); after kabinet.api
    "kabinet.demo",
]

MIDDLEWARE = [
    "kabinet.core.middleware.RequestScopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kabinet.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kabinet.identity.middleware.SessionRulesMiddleware",
    "kabinet.api.middleware.ApiCallLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "kabinet.core.middleware.PrivatePagesMiddleware",
]

ROOT_URLCONF = "kabinet.urls"
WSGI_APPLICATION = "kabinet.wsgi.application"
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "kabinet.identity.backends.IdentifierBackend",
    "django.contrib.auth.backends.ModelBackend",  # the back office: username and password
]

TEMPLATES = [
    # Form fields and widgets: Django's own Jinja2 copies of its form templates, the same HTML
    # for up to a third less CPU a form page (bench/README.md). It holds nothing else: pages,
    # and widgets with Django templates of their own (the admin's, the captcha's, which include
    # the form templates: hence django.forms in INSTALLED_APPS), come from the engine below.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [Path(django.forms.__file__).parent / "jinja2"],
        "APP_DIRS": False,
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kabinet.core.context_processors.utility",
            ],
            # {% url %} that remembers its answers (kabinet/core/templatetags/urltag.py).
            "builtins": ["kabinet.core.templatetags.urltag"],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------------
# SQLite in the data folder by default (WAL, immediate transactions so writers queue instead
# of failing); PostgreSQL when DATABASE_URL says so.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kabinet.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (CONN_MAX_AGE=60, as for PostgreSQL): opening one per request, with
    # its PRAGMAs and Django's SQL functions, cost ~3.5 ms of CPU, half of /healthz's time.

    # A file, not memory, so that tests can run a second process against the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
    if env_bool("SQLITE_WRITER_LOCK", True):
        DATABASES["default"]["ENGINE"] = "kabinet.core.sqlite"  # writers queue: see its base.py
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA cache_size=-64000;"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA mmap_size=268435456;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: it pays off for long analytic queries, while a page's queries take
    # milliseconds and a misestimated one spent ~2.8 s compiling (measured on the meters
    # table right after a bulk load, before autovacuum had analysed the tables).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Parameters bound by the server, so that psycopg prepares a query it has sent five
        # times on a connection and PostgreSQL plans it once, not on every page (the accounts
        # menu's 6-table join took ~2.9 ms to plan and 0.25 ms to run). Off behind a pooler in
        # transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, background tasks --------------------------------------------------------
# Rate limits and sessions must hold across every worker process: the database cache by
# default, Redis when REDIS_URL (or CACHE_URL) is set. Never a per-process cache.
REDIS_URL = env("REDIS_URL", env("CACHE_URL"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "kabinet"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kabinet_cache",
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "kabinet"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Passwords and sessions (SECURITY.md 1-15) -----------------------------------------------
PASSWORD_HASHERS = [
    "kabinet.identity.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies older hashes, upgraded at login
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "kabinet.identity.passwords.PolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "kabinet.identity.passwords.ContextValidator"},
]
RETENTION_DAYS = int(env("RETENTION_DAYS", "90"))  # rejected uploads are kept this long
SESSION_COOKIE_AGE = int(env("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_ABSOLUTE_SECONDS = int(env("SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
# The idle timeout is refreshed by SessionRulesMiddleware at most once a minute, not by a
# session write on every request (which serialises SQLite writers under load).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "kabinet.core.views.csrf_failure"
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "customers:cabinet"

# --- Security headers (SECURITY.md 30-31) ------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Languages ----------------------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", "uk")
LANGUAGES = [("uk", _("Ukrainian")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "kabinet_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env("TIME_ZONE", "Europe/Kyiv")
USE_I18N = True
USE_TZ = True

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"  # never served directly: files go through views that check access
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
PDF_FONT = env(
    "PDF_FONT", ""
)  # path to a TrueType font with Cyrillic; found by fontconfig if empty
# Virus scan of uploaded documents (SECURITY.md 24): ClamAV's clamd over its Unix socket
# (CLAMD_SOCKET) or TCP (CLAMD_ADDRESS, host:port); files stay in quarantine until the scan is
# clean. VIRUS_SCANNER=none releases files unscanned (recorded as such), "fake" is the tests'.
CLAMD_SOCKET = env("CLAMD_SOCKET")  # e.g. /run/clamav/clamd.ctl
CLAMD_ADDRESS = env("CLAMD_ADDRESS", env("CLAMD_HOST"))  # e.g. 127.0.0.1:3310
CLAMD_TIMEOUT = float(env("CLAMD_TIMEOUT", "10"))
VIRUS_SCANNER = env("VIRUS_SCANNER", "clamd" if CLAMD_SOCKET or CLAMD_ADDRESS else "none")
DOCUMENTS_USER_QUOTA_MB = int(env("DOCUMENTS_USER_QUOTA_MB", "200"))  # per customer, all files
# Certificate signatures (SECURITY.md 26): PEM files of trusted CA certificates, comma-separated;
# DSTU 4145 verifier: "" (unsupported here) or a dotted path to a class the deployer installs.
SIGNATURE_TRUST_ROOTS = env_list("SIGNATURE_TRUST_ROOTS")
SIGNATURE_DSTU_VERIFIER = env("SIGNATURE_DSTU_VERIFIER")
SIGNATURE_CHECK_REVOCATION = env_bool("SIGNATURE_CHECK_REVOCATION")  # fetch CRL/OCSP, hard-fail

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_URL = env("EMAIL_URL", "console://")
if EMAIL_URL.startswith("console:"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_URL.startswith("smtp"):
    from urllib.parse import unquote, urlparse

    _mail = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
    EMAIL_USE_SSL = _mail.scheme == "smtps"
    EMAIL_TIMEOUT = 20
else:
    raise ValueError("EMAIL_URL must start with console:, smtp:, smtp+tls: or smtps:")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "kabinet@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Providers (their adapters arrive with the issues that use them) --------------------------
SMS_BACKEND = env("SMS_BACKEND", "console")
SMS_API_TOKEN = env("SMS_API_TOKEN")
SMS_SENDER = env("SMS_SENDER", "Kabinet")
SMS_API_URL = env("SMS_API_URL")  # empty: the provider's public address
SMS_TIMEOUT = float(env("SMS_TIMEOUT", "10"))
SMS_GLOBAL_PER_HOUR = int(env("SMS_GLOBAL_PER_HOUR", "2000"))  # a ceiling against SMS pumping
NOTIFY_MAX_ATTEMPTS = int(env("NOTIFY_MAX_ATTEMPTS", "8"))
NOTIFY_KEEP_SENT_BODIES = env_bool("NOTIFY_KEEP_SENT_BODIES", False)
PAYMENT_PROVIDERS = env_list("PAYMENT_PROVIDERS", "sandbox")
LIQPAY_PUBLIC_KEY = env("LIQPAY_PUBLIC_KEY")
LIQPAY_PRIVATE_KEY = env("LIQPAY_PRIVATE_KEY")
YOOKASSA_SHOP_ID = env("YOOKASSA_SHOP_ID")
YOOKASSA_SECRET_KEY = env("YOOKASSA_SECRET_KEY")

# --- Logging: to stderr, UTC timestamps, never secrets (SECURITY.md 12, 33) ---------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "kabinet.core.logs.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
