"""Settings for the Minsheng Portal, read from the environment (twelve-factor)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
REDIS_URL = os.environ.get("REDIS_URL", "")
# A development key is only acceptable with DEBUG on; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or ("dev-insecure-key-change-me" if DEBUG else None)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "grids",
    "deputies",
    "demands",
    "suggestions",
    "livelihood",
    "supervise",
    "notifications",
    "integrations",
    "open311",
    "revisits",
    "inquiries",
    "evaluations",
    "portal",
    "axes",
]
if env_bool("BENCH_CEILING", False):
    INSTALLED_APPS.append("bench.ceiling")  # bench/intake.py's baseline endpoint, never in production

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.NoStoreMiddleware",
    "core.middleware.ControlCharacterMiddleware",  # before routing: no NUL reaches a view or the database
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.audit.AuditMiddleware",
    "core.middleware.ActionLimitMiddleware",  # after the CSRF check, so a forged post spends no budget
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                "notifications.context_processors.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

# Production names its PostgreSQL database; the SQLite file (in VAR_DIR, created on first use by portal.apps) is
# for `make run` and the tests, and `check --deploy` refuses it (portal.checks).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server, worker and beat share one SQLite file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "demands:workbench"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
]
# Intake: a confident suggestion plus the routing rules may classify and dispatch as the system (docs/lifecycles.md#intake-and-routing).
AUTO_DISPATCH_ENABLED = env_bool("AUTO_DISPATCH_ENABLED", True)
AUTO_CLASSIFY_CONFIDENCE = float(os.environ.get("AUTO_CLASSIFY_CONFIDENCE", "0.85"))
# The trained classifier, built with the code (`make install`, the Docker image), never in a request.
CLASSIFIER_PATH = Path(os.environ.get("CLASSIFIER_PATH") or BASE_DIR / "var" / "classifier.joblib")
PAGE_SUGGEST_LIMIT = int(os.environ.get("PAGE_SUGGEST_LIMIT", "600"))  # anonymous classifier calls per hour
PAGE_SIMILAR_LIMIT = int(os.environ.get("PAGE_SIMILAR_LIMIT", "300"))  # anonymous "similar demands" hints per hour
# The place picker's "which grid is this point in" per hour: each reads every grid's outline, so it is counted like
# the hints above. A resident drops and drags a pin a few dozen times at most.
PAGE_LOCATE_LIMIT = int(os.environ.get("PAGE_LOCATE_LIMIT", "600"))

# Map tiles: empty means no tile server (closed networks); the grid shapes still draw on a plain background.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not env_bool("PORTAL_TESTING", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# ---- Photo storage: files under MEDIA_ROOT by default; with STORAGE_S3_BUCKET set, an S3-compatible store (MinIO)
# that every web node and worker shares. Photos leave only through the portal's checked views, so the bucket stays
# private and no URL of it is ever handed out.
if os.environ.get("STORAGE_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["STORAGE_S3_BUCKET"],
            "endpoint_url": os.environ.get("STORAGE_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("STORAGE_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("STORAGE_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("STORAGE_S3_REGION") or None,
            "location": os.environ.get("STORAGE_S3_PREFIX", ""),
            # MinIO and most self-hosted stores serve every bucket under one host name.
            "addressing_style": os.environ.get("STORAGE_S3_ADDRESSING_STYLE", "path"),
            "file_overwrite": False,
        },
    }
# ---- end of photo storage

# Photos: three per submission, five megabytes each (docs/threat-model.md#uploads).
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024

# ---- Abuse limits: login lockout, throttles, client address behind proxies ----
# How many reverse proxies append to X-Forwarded-For in front of the app; 0 trusts only the socket address.
# core.ratelimit.client_ip reads it for the page limits, DRF throttles and the login lockout alike.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",  # refuses locked-out (username, address) pairs before the password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours, as django-axes reads a number
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # core.audit writes the one line per failure and lockout
# Failed logins per client address and 15 minutes on either login form, in total and for different usernames.
# Only failures count: a township office signing in from one shared address is never stopped.
LOGIN_IP_LIMIT = int(os.environ.get("LOGIN_IP_LIMIT", "100"))
LOGIN_IP_USERNAME_LIMIT = int(os.environ.get("LOGIN_IP_USERNAME_LIMIT", "20"))
# Signed-in page actions (every POST) per account and hour, and per address for all its accounts together.
PAGE_ACTION_LIMIT = int(os.environ.get("PAGE_ACTION_LIMIT", "600"))
PAGE_ACTION_IP_LIMIT = int(os.environ.get("PAGE_ACTION_IP_LIMIT", "6000"))
# A caller's "show number" presses per hour (docs/threat-model.md#call-backs): a day's calls, not a harvest.
REVISIT_REVEAL_LIMIT = int(os.environ.get("REVISIT_REVEAL_LIMIT", "60"))
CSRF_FAILURE_VIEW = "core.csrf.csrf_failure"
# ---- end abuse limits ----
# 联系群众 coverage: a deputy counts as covered with at least this many households in fixed contact (docs/figures.md).
DEPUTY_FIXED_CONTACTS_MIN = int(os.environ.get("DEPUTY_FIXED_CONTACTS_MIN", "10"))

# ---- Security headers, CSP, cookies, production hardening ----
# Production is DEBUG off outside the test suite: HTTPS only, secure cookies, HSTS. `make run` (DEBUG=1) and
# the tests stay on plain http. Each default can be overridden from the environment.
PRODUCTION = not DEBUG and not env_bool("PORTAL_TESTING", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check calls it over plain http
# Behind a TLS-terminating proxy that sets it: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
SECURE_PROXY_SSL_HEADER = tuple(env_list("SECURE_PROXY_SSL_HEADER", "")) or None
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Tracking codes live in URLs: no Referer leaves the site (map tiles included).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"


def _tile_source(url: str) -> str | None:
    """The CSP source for the map tile server: its origin, `{s}` subdomains as a wildcard."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None  # a path on this site: 'self' covers it
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}" if "{" not in host else f"{parts.scheme}:"


# Scripts only from /static/ (or with the per-request nonce); no inline style attributes or eval anywhere.
# Leaflet and ECharts position elements through the CSSOM, which style-src does not restrict.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", *filter(None, [_tile_source(MAP_TILE_URL)])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": SECURE_SSL_REDIRECT,
        "report-uri": os.environ.get("CSP_REPORT_URI") or None,
    },
}
# ---- end security headers ----

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.auth.TokenAuthentication",
        "core.csrf.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["core.api.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    # Bodies are JSON; only the photo upload reads multipart (its own parser_classes). One content type per body
    # keeps generated clients simple and stops form encodings turning a null into the text "None".
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon_submit": os.environ.get("THROTTLE_ANON_SUBMIT", "20/hour"),
        "anon_track": os.environ.get("THROTTLE_ANON_TRACK", "120/hour"),
    },
}
# Public form limits per hour: per account when signed in, per client address otherwise (the API has its own
# DRF throttles above).
PAGE_SUBMIT_LIMIT = int(os.environ.get("PAGE_SUBMIT_LIMIT", "20"))
PAGE_TRACK_LIMIT = int(os.environ.get("PAGE_TRACK_LIMIT", "120"))
# Residents' ratings of the yearly evaluation from one address an hour: a household or an office behind one address
# rates every unit, a script does not (docs/threat-model.md#public-evaluation-form).
EVALUATION_RATE_LIMIT = int(os.environ.get("EVALUATION_RATE_LIMIT", "60"))
# SMS to one phone number a day about its demands (docs/lifecycles.md#who-is-told): more than anyone files, fewer
# than a flood of demands typed with someone else's number would send.
RESIDENT_SMS_PER_DAY = int(os.environ.get("RESIDENT_SMS_PER_DAY", "20"))
# SMS sign-in codes asked for from one address an hour (and three times as many tries at typing them); each phone has
# its own, tighter limits (demands.phone_signin).
PHONE_CODE_IP_LIMIT = int(os.environ.get("PHONE_CODE_IP_LIMIT", "10"))
CACHES = {
    # Shared by every process: rate limits, login lockouts and the version stamps of per-process caches
    # (core.versions). Without REDIS_URL each process has its own, for `make run` and the tests only.
    # Short timeouts: a hung Redis must not hold requests (the limits fail open, core.ratelimit).
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Minsheng Portal API",
    "DESCRIPTION": "Demands, places and tracking for hotlines and integrators (民声直通).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"DemandStatusEnum": "demands.states.Status",
                            "SuggestionStatusEnum": "suggestions.states.Status",
                            # Named once, so `check --deploy` (which builds the schema) stays warning-free.
                            "DemandTypeEnum": "demands.models.DemandType",
                            "RatingEnum": "demands.models.Rating",
                            "RoundStatusEnum": "livelihood.states.RoundStatus",
                            "SuggestionKindEnum": "suggestions.models.Kind",
                            "DutyRecordKindEnum": "deputies.models.DutyRecord.Kind"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api.add_error_responses"],
}

# Celery: the broker defaults to a filesystem transport so `make run` needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Longer than the longest task, so an unacknowledged sweep is not redelivered while it still runs.
# Publishing gives up fast when the broker is down (the sweeps catch up from database state); the worker
# itself keeps reconnecting (broker_connection_retry).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 1, "interval_start": 0,
                                   "interval_step": 0.2, "interval_max": 0.5}
SWEEP_INTERVAL_SECONDS = float(os.environ.get("SWEEP_INTERVAL_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "escalation-sweep": {"task": "demands.escalation_sweep", "schedule": SWEEP_INTERVAL_SECONDS},
    "accept-reminder-sweep": {"task": "demands.accept_reminder_sweep", "schedule": SWEEP_INTERVAL_SECONDS},
    "rating-sweep": {"task": "demands.rating_sweep", "schedule": SWEEP_INTERVAL_SECONDS * 5},
    "outbound-sweep": {"task": "notifications.outbound_sweep", "schedule": SWEEP_INTERVAL_SECONDS},
    "callback-sweep": {"task": "integrations.callback_sweep", "schedule": SWEEP_INTERVAL_SECONDS},
    "compact-figures": {"task": "supervise.compact_figures", "schedule": SWEEP_INTERVAL_SECONDS * 5},
    "ballot-tally-sweep": {"task": "livelihood.ballot_tally_sweep", "schedule": SWEEP_INTERVAL_SECONDS},
    # Photo files whose demand's transaction never committed; the sweep itself waits an hour before taking one.
    "photo-sweep": {"task": "demands.photo_sweep", "schedule": 3600},
}

SITE_NAME = _("Minsheng Portal")
SITE_REGION = _("Bazhou District, Bazhong")
# Where residents reach the portal: QR codes, posters and SMS links point here. `make run` passes its own address;
# production must set it (portal.checks fails `check --deploy` without an https address).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "")
# Staff notifications land in the inbox and also go out through these channels: "log", "email".
NOTIFICATION_CHANNELS = env_list("NOTIFICATION_CHANNELS", "log")
# A dotted path to a notifications.channels.SmsGateway subclass; the console one logs masked numbers.
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "notifications.channels.ConsoleSmsGateway")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "minsheng-portal@localhost")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
# Closed demands may be reopened by a supervisor within this many days (docs/lifecycles.md#reopen-window).
REOPEN_WINDOW_DAYS = 30
# The third return of one demand sends it to the district centre (首办负责制).
RETURNS_BEFORE_DISTRICT = 3
# A call-back not reached after this many attempts is closed as not reached (docs/lifecycles.md#call-backs).
REVISIT_MAX_ATTEMPTS = 3
# Seals the livelihood ballots until the count (docs/ballot-secrecy.md); SECRET_KEY when empty. Change it only
# between rounds, or keep the old value in the fallbacks until the open round is counted.
BALLOT_SEAL_KEY = os.environ.get("BALLOT_SEAL_KEY", "")
BALLOT_SEAL_KEY_FALLBACKS = env_list("BALLOT_SEAL_KEY_FALLBACKS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every line that leaves the process is scrubbed of tracking codes, tokens and phone numbers, whoever logged it.
    "filters": {"redact": {"()": "core.logredact.RedactFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
