"""Settings, driven by the environment (12-factor).

With nothing set the platform runs on an embedded default: SQLite and a
filesystem Celery broker, so a fresh machine needs no server. DATABASE_URL and
REDIS_URL switch to PostgreSQL and Redis. EH_ENV=production turns on the
strict mode: a real SECRET_KEY is required and `check --deploy` passes.
"""
from datetime import time, timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

EH_ENV = env.str("EH_ENV", default="development")
PRODUCTION = EH_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET)
if PRODUCTION and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "EH_ENV=production needs a real SECRET_KEY (at least 50 random characters)."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "enforcement_hub",
    "agencies",
    "cases",
    "workorders",
    "notifications",
    "dashboards",
    "api",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on HTML responses (no inline script); see the module.
    "enforcement_hub.security_headers.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "enforcement_hub.inputs.RejectNulMiddleware",  # after the locale: its 400 is translated
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "enforcement_hub.sessions.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the login page's answer
]

if PRODUCTION:
    # gunicorn serves the collected static files itself; runserver and tests use staticfiles.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "enforcement_hub.urls"

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
                "enforcement_hub.context_processors.navigation",
                "enforcement_hub.context_processors.terms",
            ],
        },
    },
]

WSGI_APPLICATION = "enforcement_hub.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default shares one file between web, worker and beat: wait for
    # the lock instead of failing, and take it up front so writers queue cleanly.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused (429, the login form with a message) until
# AXES_COOLOFF_MINUTES pass, the right password included, without hashing it. Other users
# and addresses are unaffected; another try during the lockout starts the cool-off again.
# An administrator unlocks early in the admin (access attempts: "Unlock") or with
# `manage.py axes_reset_username USERNAME`. Axes keeps each attempt's form data with the
# password always masked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked pair before any hashing
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful login forgets the earlier failures
AXES_LOCKOUT_CALLABLE = "enforcement_hub.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
# The client address: REMOTE_ADDR unless TRUSTED_PROXY_COUNT reverse proxies stand in front of
# gunicorn, each appending the address it saw to X-Forwarded-For; then the entry the outermost
# proxy appended. Entries further left are the client's own claims and are never used, so a
# forged header cannot pick someone else's lockout. (The compose stack publishes gunicorn
# directly: 0.)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "enforcement_hub.lockout.client_ip"
# A browser session idle this long is logged out (enforcement_hub/sessions.py); each request
# refreshes it (at most one session write a minute). The cookie and the stored session outlive
# it so the user is told why they must log in again; they end a working day after the last use.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=120)
SESSION_COOKIE_AGE = max(env.int("SESSION_COOKIE_AGE", default=12 * 3600), SESSION_IDLE_TIMEOUT_MINUTES * 60)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic writes here; the proxy serves it in production (a volume shared with nginx).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Attachments live outside static and public media roots; only an access-checked view serves them.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
# Upload limits, one place for pages, API and the proxy (deploy/nginx.conf agrees):
# a file, the files of one request, and a whole request body.
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=20)
MAX_UPLOAD_FILES = env.int("MAX_UPLOAD_FILES", default=10)
MAX_REQUEST_MB = env.int("MAX_REQUEST_MB", default=50)
FILE_UPLOAD_HANDLERS = ["workorders.uploads.LimitedUploadHandler",  # first: stops a body at a limit
                        "django.core.files.uploadhandler.MemoryFileUploadHandler",
                        "django.core.files.uploadhandler.TemporaryFileUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The working-day clock.
CLOSE_OF_BUSINESS = time.fromisoformat(env.str("CLOSE_OF_BUSINESS", default="18:00"))
# "Due soon" (the inbox tab, the home page, the overdue dashboard): running and due by close
# of business on the Nth working day after today. DASHBOARDS_DUE_SOON_WORKING_DAYS is the
# old name, read when the new variable is unset.
DUE_SOON_WORKING_DAYS = env.int("DUE_SOON_WORKING_DAYS",
                                default=env.int("DASHBOARDS_DUE_SOON_WORKING_DAYS", default=2))

# Email: console in the embedded default, SMTP when EMAIL_URL is set.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@enforcement-hub.local")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Celery: a filesystem broker needs no server; Redis when REDIS_URL is set.
CELERY_BROKER_DIR = BASE_DIR / "var" / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    CELERY_BROKER_URL = "filesystem://"
    for _sub in ("out", "processed", "control"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A user action must never wait on a broker that is down.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY = False
ESCALATION_SWEEP_SECONDS = env.int("ESCALATION_SWEEP_SECONDS", default=60)
NOTIFICATION_DELIVERY_SECONDS = env.int("NOTIFICATION_DELIVERY_SECONDS", default=60)
WEBHOOK_DISPATCH_SECONDS = env.int("WEBHOOK_DISPATCH_SECONDS", default=30)
ROLLUP_SECONDS = env.int("ROLLUP_SECONDS", default=600)
# Every periodic job is a thin task over a service; each also has a management command.
CELERY_BEAT_SCHEDULE = {
    "escalate-overdue": {"task": "workorders.escalate", "schedule": ESCALATION_SWEEP_SECONDS},
    "deliver-notifications": {"task": "notifications.deliver", "schedule": NOTIFICATION_DELIVERY_SECONDS},
    "dispatch-webhooks": {"task": "api.webhooks.dispatch", "schedule": WEBHOOK_DISPATCH_SECONDS},
    "refresh-rollups": {"task": "dashboards.rollup", "schedule": ROLLUP_SECONDS},
    "purge-idempotency-keys": {"task": "api.idempotency.purge", "schedule": 24 * 3600},
    "purge-orphan-files": {"task": "workorders.purge_orphan_files", "schedule": 24 * 3600},
}
IDEMPOTENCY_KEY_DAYS = env.int("IDEMPOTENCY_KEY_DAYS", default=7)
# Mounts the API benchmark's baseline endpoints (bench/api_list.py); never on otherwise.
EH_API_BENCH = env.bool("EH_API_BENCH", default=False)
# The password `seed_demo` gives the demo users.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Demo@2026")

# Webhook deliveries only go to these host:port pairs (agency systems on the government
# network); an entry without a port allows 443 for https and 80 for http. The old
# API_WEBHOOK_ALLOWED_HOSTS (host names only) is read when the new variable is unset.
API_WEBHOOK_ALLOWED_TARGETS = env.list(
    "API_WEBHOOK_ALLOWED_TARGETS", default=env.list("API_WEBHOOK_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"]))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON bounded in size and depth (a deep body is a 400, not a RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # An agency system sends its key; the browser its session (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env.str("API_KEY_RATE", default="600/min"),
        "api_user": env.str("API_USER_RATE", default="600/min"),
    },
}
# /api/docs/, /api/redoc/ and /api/schema/: open to anyone, or (the production default) only
# to a logged-in user or an API key (api/views/base.py).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=not PRODUCTION)
SPECTACULAR_SETTINGS = {
    "TITLE": "Enforcement Hub API",
    "DESCRIPTION": (
        "The court–agency enforcement linkage platform for agency systems and judges' tools. "
        "Authenticate with `Authorization: Api-Key eh_…` (a key per agency system, issued by an "
        "administrator) or a browser session. Every POST accepts an `Idempotency-Key` header. "
        "Webhooks are signed: `X-EnforcementHub-Signature: sha256=HMAC-SHA256(secret, "
        "X-EnforcementHub-Timestamp + \".\" + body)`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "PREPROCESSING_HOOKS": ["api.schema.only_api_v1"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "WorkOrderStatusEnum": "workorders.models.Status",
        "WorkOrderTypeEnum": "agencies.models.WorkOrderType",
        "CaseStatusEnum": "cases.models.EnforcementCase.Status",
        "ExtensionStatusEnum": "workorders.models.ExtensionRequest.Decision",
        "PartyKindEnum": "cases.models.Party.Kind",
        "AgencyKindEnum": "agencies.models.Agency.Kind",
        "NotificationKindEnum": "notifications.models.Notification.Kind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Trusted only because nothing but the proxy (deploy/nginx/enforcement-hub.conf, which
    # overwrites the header from its own TLS listener) can reach gunicorn: see README "Production".
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
