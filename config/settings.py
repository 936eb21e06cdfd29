"""Arrears settings: one module, everything from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ARREARS_VAR_DIR", str(BASE_DIR / "var")))

# Development mode allows the built-in, publicly known keys below. Never set it in production.
DEV_MODE = env_bool("ARREARS_DEV", False)
DEBUG = env_bool("DEBUG", False)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_secret("SECRET_KEY", _DEV_SECRET if DEV_MODE else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEV_MODE else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Personal data at rest: comma-separated "key_id:base64(32 bytes)" entries, the first encrypts,
# all decrypt (rotation: put the new key first, run `arrears rotate-keys`, then drop the old one).
_DEV_ENCRYPTION_KEY = "dev1:ZGV2LW9ubHktaW5zZWN1cmUtZW5jcnlwdGlvbi1rZXk="
ARREARS_ENCRYPTION_KEYS = env_list("ARREARS_ENCRYPTION_KEYS", [_DEV_ENCRYPTION_KEY] if DEV_MODE else []) or [
    env_secret("ARREARS_ENCRYPTION_KEYS")
]
# Keyed hash for exact lookup of encrypted values (phone, e-mail, national ID).
ARREARS_HASH_KEY = env_secret("ARREARS_HASH_KEY", "dev-only-insecure-hash-key" if DEV_MODE else None)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",
    "arrears.core",
    "arrears.people",
    "arrears.portfolio",
    "arrears.compliance",
    "arrears.comms",
    "arrears.strategy",
    "arrears.casework",
    "arrears.recovery",
    "arrears.reporting",
    "arrears.quality",
    "arrears.training",
    "arrears.desk",
    "arrears.portal",
    "arrears.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "arrears" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'arrears.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions and cookies: secure unless running the local development server over plain HTTP.
_HTTPS = not DEV_MODE
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _HTTPS)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_HSTS_SECONDS = 0 if DEV_MODE else 60 * 60 * 24 * 30

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "UTC")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end libraries from npm, copied here by `npm run build` (make assets); absent before the first build.
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
SILENCED_SYSTEM_CHECKS = ["staticfiles.W004"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Communications: the outbox's channels (docs/communications.md) ---------------------------
# Without an SMTP host (or an SMS endpoint, an app webhook) messages go to files under this directory.
ARREARS_OUTBOX_SINK_DIR = env_str("ARREARS_OUTBOX_SINK_DIR", str(VAR_DIR / "outbox"))
ARREARS_SMTP_HOST = env_str("ARREARS_SMTP_HOST", "")
ARREARS_SMTP_PORT = env_int("ARREARS_SMTP_PORT", 25)
ARREARS_SMTP_USER = env_str("ARREARS_SMTP_USER", "")
ARREARS_SMTP_PASSWORD = env_secret("ARREARS_SMTP_PASSWORD", "")
ARREARS_SMTP_STARTTLS = env_bool("ARREARS_SMTP_STARTTLS", False)
ARREARS_MAIL_FROM = env_str("ARREARS_MAIL_FROM", "collections@example.com")
ARREARS_MAIL_FROM_NAME = env_str("ARREARS_MAIL_FROM_NAME", "")
ARREARS_UNSUBSCRIBE_MAILTO = env_str("ARREARS_UNSUBSCRIBE_MAILTO", "")
ARREARS_UNSUBSCRIBE_URL = env_str("ARREARS_UNSUBSCRIBE_URL", "")
ARREARS_SMS_SHAPE = env_str("ARREARS_SMS_SHAPE", "generic")
ARREARS_SMS_ENDPOINT = env_str("ARREARS_SMS_ENDPOINT", "")
ARREARS_SMS_TOKEN = env_secret("ARREARS_SMS_TOKEN", "")
ARREARS_SMS_ACCOUNT = env_str("ARREARS_SMS_ACCOUNT", "")
ARREARS_SMS_FROM = env_str("ARREARS_SMS_FROM", "")
ARREARS_SMS_CALLBACK_SECRET = env_secret("ARREARS_SMS_CALLBACK_SECRET", "")
ARREARS_SMS_STATUS_CALLBACK_URL = env_str("ARREARS_SMS_STATUS_CALLBACK_URL", "")
ARREARS_PAYMENT_CHANNELS = env_str("ARREARS_PAYMENT_CHANNELS", "")
ARREARS_CREDITOR_CONTACT = env_str("ARREARS_CREDITOR_CONTACT", "")
ARREARS_SMS_TIMEOUT = env_int("ARREARS_SMS_TIMEOUT", 5)
ARREARS_APP_WEBHOOK_URL = env_str("ARREARS_APP_WEBHOOK_URL", "")
ARREARS_APP_WEBHOOK_SECRET = env_secret("ARREARS_APP_WEBHOOK_SECRET", "")
ARREARS_LETTER_DIR = env_str("ARREARS_LETTER_DIR", str(VAR_DIR / "letters"))
ARREARS_PAYMENT_LINK_BASE = env_str("ARREARS_PAYMENT_LINK_BASE", "")
# The dispatcher: how long a claimed message is someone's, and sends per second per channel (0: no limit).
ARREARS_DISPATCH_LEASE_SECONDS = env_int("ARREARS_DISPATCH_LEASE_SECONDS", 300)
ARREARS_DISPATCH_SENDERS = env_int("ARREARS_DISPATCH_SENDERS", 8)
ARREARS_RATE_EMAIL = env_int("ARREARS_RATE_EMAIL", 0)
ARREARS_RATE_SMS = env_int("ARREARS_RATE_SMS", 0)
ARREARS_RATE_APP = env_int("ARREARS_RATE_APP", 0)
# Casework: a collector's open work items before the cycle assigns no more, promise policy, uploads.
ARREARS_COLLECTOR_DAILY_CAPACITY = env_int("ARREARS_COLLECTOR_DAILY_CAPACITY", 40)
ARREARS_PROMISE_MAX_DAYS = env_int("ARREARS_PROMISE_MAX_DAYS", 30)
ARREARS_PROMISE_MIN_PERCENT = env_int("ARREARS_PROMISE_MIN_PERCENT", 10)
ARREARS_UPLOAD_MAX_BYTES = env_int("ARREARS_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# The debtor portal (docs/portal.md): links in messages, identity check, lockout, self-service limits.
ARREARS_PORTAL_BASE_URL = env_str("ARREARS_PORTAL_BASE_URL", "")
ARREARS_PORTAL_LINK_DAYS = env_int("ARREARS_PORTAL_LINK_DAYS", 14)
ARREARS_PORTAL_IDENTITY_CHECK = env_str("ARREARS_PORTAL_IDENTITY_CHECK", "birth_date")
ARREARS_PORTAL_MAX_ATTEMPTS = env_int("ARREARS_PORTAL_MAX_ATTEMPTS", 5)
ARREARS_PORTAL_LOCK_MINUTES = env_int("ARREARS_PORTAL_LOCK_MINUTES", 30)
ARREARS_PORTAL_SESSION_MINUTES = env_int("ARREARS_PORTAL_SESSION_MINUTES", 30)
ARREARS_PORTAL_ACCEPT_MONTHS = env_int("ARREARS_PORTAL_ACCEPT_MONTHS", 6)
ARREARS_PORTAL_MAX_MONTHS = env_int("ARREARS_PORTAL_MAX_MONTHS", 24)
ARREARS_PORTAL_PAYMENT_URL = env_str("ARREARS_PORTAL_PAYMENT_URL", "")
