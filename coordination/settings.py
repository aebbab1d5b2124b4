"""The one settings module, configured from the environment (see README, "Configuration").

Unset variables give a working local default: SQLite in the project folder and Celery tasks run
in-process. DATABASE_URL and REDIS_URL switch to PostgreSQL, Redis and real Celery workers.
"""

import warnings
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

# A fixed key is acceptable only on a developer's machine; production must bring its own.
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form refused by the CSRF check gets the app's own page, translated, saying nothing was saved.
CSRF_FAILURE_VIEW = "coordination.views.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "ninja",
    "coordination.lockouts.apps.AxesConfig",  # django-axes, with a translated name
    "django_guid",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "shelter",
    "coordination",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    # Outermost but one: it labels every HTML answer, even one a later middleware gives.
    "coordination.offline.middleware.OfflineHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files come precompressed, gzip and brotli, and never reach it),
    # above everything that may write a body: every HTML page and JSON answer leaves
    # compressed. Safe against BREACH here: the CSRF token is masked anew in every response,
    # the session cookie is SameSite=Lax (another site cannot make the browser send it with
    # the requests such an attack needs), and Django 5.2 pads each gzip header with 0 to 99
    # random bytes ("Heal the Breach") so lengths do not leak what was guessed. Public pages
    # are gzipped once in the cache and pass through (they carry Content-Encoding already).
    "django.middleware.gzip.GZipMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Before anything reads the query string: a NUL in the address is a 400, not a 500.
    "coordination.middleware.BadRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After authentication: logged-in users are not counted against the public budgets.
    "coordination.ratelimit.PublicRateLimitMiddleware",
    # Last, as django-axes asks: it turns a lockout into the "locked out" page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out
    "coordination.accounts.backends.OneQueryPermissionsBackend",
]

ROOT_URLCONF = "coordination.urls"

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
                "coordination.offline.keys.offline",
            ],
        },
    },
]

WSGI_APPLICATION = "coordination.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Services keep their transactions short; a request is not one big transaction.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL connection costs more than most of our requests
# (README, "Deploying": several web instances need PgBouncer or a pool). The embedded SQLite
# of the demo opens a file, nothing to keep.
_PERSISTENT = DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if _PERSISTENT else 0)
# A connection kept between requests is checked before reuse (one dropped by a database
# restart is replaced instead of failing the next request).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling mode a server-side cursor (the CSV exports stream
# through one) cannot outlive its transaction: set this there (README, "Deploying").
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"  # each role's own page (coordination.access.start_page_for)
LOGOUT_REDIRECT_URL = "login"

# Languages: the people arriving speak Russian first; Kazakh is the country's language.
# LANGUAGE_CODE: for a browser asking for none of ours, and the text stored with an alert and
# sent in webhooks (emails follow each coordinator's own language). `manage.py demo` makes it
# Russian unless LANGUAGE_CODE is set.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("ru", "Русский"), ("kk", "Қазақша"), ("en", "English")]
# The project's own catalogs first; then translations of Django's, django-celery-beat's and
# django-axes' msgids where their catalogs lack Kazakh (or Russian): a catalog of its own,
# written by hand, that makemessages never touches (coordination/locale_vendor/README.md).
# LOCALE_PATHS win over the libraries' catalogs, earlier entries over later ones.
LOCALE_PATHS = [
    BASE_DIR / "coordination" / "locale",
    BASE_DIR / "shelter" / "locale",
    BASE_DIR / "coordination" / "locale_vendor",
]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Oral")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed files (gzip, and brotli: the `brotli` package is installed) with hashed
    # names, cached forever by browsers and proxies.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps are for developers' tools, never a page: brotli on django-ninja's 10 MB of them
# would double the time collectstatic takes (and every `manage.py demo` start).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# Redis: broker, cache and the public rate limit's shared counters when REDIS_URL is set;
# otherwise everything stays in this process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs must not hang the page: give up fast, serve without it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No pool time limits: after a broker outage longer than a limit, the prefork pool fires the
# timers of tasks that finished during the outage before it reads their results, and then
# signals or kills whichever task that process runs by then ("Soft time limit (30s)
# exceeded" for tasks done in 0.05 s). Each task is bounded by its own I/O instead: webhook
# and mail timeouts, and a statement timeout on the worker's database connections.
TASK_STATEMENT_TIMEOUT_SECONDS = env.int("TASK_STATEMENT_TIMEOUT_SECONDS", default=30)
# Celery's Django fix-up closes the database connection before and after every task unless
# told to reuse it: a new connection per task was a tenth of the worker's time under a burst
# of counts. Reused instead as web requests reuse theirs, for CONN_MAX_AGE and checked before
# reuse (coordination/celery.py closes old connections before each task, as Django does
# before each request); the fix-up still closes them every thousand tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must not hang on a dead broker: give up publishing quickly (callers fall back).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "socket_keepalive": True,
    "retry_on_timeout": True,
    "health_check_interval": 10,  # a connection Redis dropped is noticed, not reused dead
}
# After Redis comes back the worker reconnects within seconds (coordination/celery.py), and
# never gives up; tasks it was running when the connection dropped finish (they are
# idempotent) rather than being cancelled and run again.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CONSUMER = "coordination.celery:QuickReconnectConsumer"

# e.g. smtp+tls://user:password@smtp.example.org:587 ; the console backend prints mails.
_email = env.email("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds: a mail server that hangs
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shelter@localhost")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Messages ("Saved: ...") travel in a signed cookie, not in the session: a volunteer's save
# does not need a session write, so a database hiccup after the change cannot hide it.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
# The session store retries once on a dropped connection and never fails a saved change.
SESSION_ENGINE = "coordination.sessions"

# The pages the offline app keeps on a volunteer's phone, as they last saw them (URL names):
# my shelters, a shelter's bed count (with its expected arrivals), the waiting list, a
# household, and the public list and shelter pages. Kept per user and language, cleared at
# logout (coordination/offline/, static/js/sw.js).
OFFLINE_PAGES = {
    "shelter:mine",
    "shelter:detail",
    "coordination:waiting",
    "coordination:household",
    "coordination:find_place",
    "coordination:check_out",  # its GET asks "did they leave?"
    "home",
    "public_shelter",
}

# Figures older than this are shown as possibly out of date.
SHELTER_STALE_AFTER_HOURS = env.int("SHELTER_STALE_AFTER_HOURS", default=6)

# One line per event, with the request id (X-Request-ID, made up when absent). Nothing
# personal is logged: households are named by id only.
ADMINS = [("Admins", address) for address in env.list("ADMIN_EMAILS", default=[])]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId"},
        "no_secret_paths": {"()": "coordination.log_filters.HideSecretPaths"},
        # A bot refused thousands of times a minute would be thousands of lines: the rate
        # limiter logs once per budget and minute instead (coordination.ratelimit).
        "not_too_many": {
            "()": "django.utils.log.CallbackFilter",
            "callback": lambda record: getattr(record, "status_code", None) != 429,
        },
    },
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_id", "no_secret_paths"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["request_id", "no_secret_paths"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "filters": ["not_too_many"],
            "propagate": False,
        },
        # A wrong Host header or a forged session is the client's doing, answered 400:
        # logged, not mailed (by default Django mails each one, so anyone could flood us).
        "django.security": {"handlers": ["console"], "propagate": False},
    },
}
if not REDIS_URL:
    # Tasks run in this process: a "succeeded in 0.01s" line each would bury the demo's own
    # output, and the in-memory broker warns that it has no host name.
    LOGGING["loggers"] |= {
        "celery.app.trace": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
    }
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "RETURN_HEADER": True, "VALIDATE_GUID": False}

# Sphere: 4.5 m² a person where it is cold (cooking and bathing inside), else 3.5 m².
SHELTER_COLD_CLIMATE = env.bool("SHELTER_COLD_CLIMATE", default=True)

# Places held for a household on its way are given back after this many hours.
HOLD_HOURS = env.float("HOLD_HOURS", default=3.0)
# A check-out can be undone for this many minutes (a wrong tap), unless the space filled.
CHECK_OUT_UNDO_MINUTES = env.int("CHECK_OUT_UNDO_MINUTES", default=10)
# Places one account may hold at once in shelters it is not assigned to (coordinators: no
# limit): one account, lost or misused, cannot hold every free place in the city.
HOLD_MAX_PLACES_ELSEWHERE = env.int("HOLD_MAX_PLACES_ELSEWHERE", default=30)
# Households with no registration, hold, check-in or check-out for this many days lose their
# personal data (daily task), whatever their status; checked-in households are kept.
PURGE_PERSONAL_DATA_AFTER_DAYS = env.int("PURGE_PERSONAL_DATA_AFTER_DAYS", default=30)
# A host's own link stops working after this many days without use (a coordinator issues a
# new one); hosts' personal data is purged like households' (coordination/offers).
HOST_LINK_IDLE_DAYS = env.int("HOST_LINK_IDLE_DAYS", default=14)
# Offers sent from the public /offer/ form: per client (or, without one, per address) a minute.
OFFER_RATE_LIMIT = env.str("OFFER_RATE_LIMIT", default="5/m")
OFFER_RATE_LIMIT_ADDRESS = env.str("OFFER_RATE_LIMIT_ADDRESS", default="60/m")

# Periodic tasks. These are defaults: a migration copies them into django-celery-beat's
# tables, where coordinators see and edit them in the admin (Periodic tasks); beat adds an
# entry added here later, but never overwrites one that is in the database already.
# Without Redis, `manage.py demo` runs them in-process from this dict.
CELERY_BEAT_SCHEDULE = {
    "expire-holds": {"task": "coordination.tasks.expire_holds", "schedule": 60.0},
    "purge-personal-data": {
        "task": "coordination.tasks.purge_personal_data",
        "schedule": 24 * 3600.0,
    },
    # Changes whose evaluation task was lost (broker down, worker killed) wait in the outbox.
    "alerts-evaluate-changes": {
        "task": "coordination.alerts.evaluate_changes",
        "schedule": 30.0,
    },
    "alerts-sweep-deliveries": {
        "task": "coordination.alerts.sweep_deliveries",
        "schedule": 60.0,
    },
    "alerts-check-all": {"task": "coordination.alerts.check_all", "schedule": 5 * 60.0},
    "alerts-check-stale-data": {
        "task": "coordination.alerts.check_stale_data",
        "schedule": 10 * 60.0,
    },
    "alerts-check-meals": {"task": "coordination.alerts.check_meals", "schedule": 30 * 60.0},
    # Residents' offers: open places on their first day, alert on offers waiting unchecked.
    "offers-open-due": {"task": "coordination.offers.open_due", "schedule": 15 * 60.0},
    "offers-check-waiting": {"task": "coordination.offers.check_waiting", "schedule": 30 * 60.0},
    # Counters (held, claimed, occupancy, household status) against the rows they count.
    "alerts-reconcile": {"task": "coordination.alerts.reconcile", "schedule": 10 * 60.0},
    "alerts-morning-summary": {
        "task": "coordination.alerts.morning_summary",
        "schedule": crontab(minute="30", hour="7"),
    },
}

# The public API is open to other aid groups' maps and bots: any origin, read-only.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# Each web process serves a public page from its own memory for this long before asking
# Redis again: under a crowd that halves the work, at the price of being this much behind.
PUBLIC_PAGE_LOCAL_SECONDS = env.float("PUBLIC_PAGE_LOCAL_SECONDS", default=1.0)
# While changes come faster than this, the public snapshot is rebuilt once per this many
# seconds (one process at a time), not once per change (coordination/public.py).
PUBLIC_REBUILD_SECONDS = env.float("PUBLIC_REBUILD_SECONDS", default=1.0)

# --- Security. Production values follow DEBUG; each can be overridden (README, "Deploying").
# Behind a proxy that terminates HTTPS, trust its X-Forwarded-Proto (only then).
BEHIND_HTTPS_PROXY = env.bool("BEHIND_HTTPS_PROXY", default=False)
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load balancers probe over HTTP
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# No inline scripts or styles anywhere: every page loads its CSS and JS from /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],  # /sw.js, the offline app's service worker
        "manifest-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login brute force: a (user name, address) pair is locked after 5 failures, for 15 minutes.
# The pair, not either alone: locking a user name would let anyone lock a named volunteer out
# by typing wrong passwords, and locking an address would lock out everyone behind the same
# mobile carrier's NAT. Attempts while locked are not counted, so retrying does not extend
# the lock: it ends AXES_COOLOFF_HOURS after the failure that caused it. Coordinators unlock
# a pair at once from the dashboard (Locked logins) or the admin (Access attempts).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# The "locked" page says until when and whom to call (registration/locked_out.html).
AXES_LOCKOUT_CALLABLE = "coordination.lockouts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# The coordinators' phone, shown to people locked out of their login (a tel: link); empty:
# the page says to ask a coordinator.
COORDINATION_PHONE = env.str("COORDINATION_PHONE", default="")
AXES_CLIENT_IP_CALLABLE = "coordination.clients.client_ip"
AXES_USERNAME_CALLABLE = "coordination.clients.login_username"
# Behind N proxies the client's address is the Nth from the right in X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Public traffic (everything but logged-in users, probes and static files), per minute
# (coordination/ratelimit.py, README "Deploying"). The first page a browser loads gives it a
# signed client id: then it has its own budget, 2 requests a second on average, far above a
# person and far below a script. Requests without one (new visitors, bots that drop cookies, API
# clients) share their address's new-visitor budget: above the 2,000 first loads a minute
# one carrier NAT address at a border crossing must serve. And every request counts against
# its address's ceiling, so ids collected by a bot add up to a bounded share of the server.
PUBLIC_RATE_LIMIT_CLIENT = env.str("PUBLIC_RATE_LIMIT_CLIENT", default="120/m")
PUBLIC_RATE_LIMIT_NEW = env.str("PUBLIC_RATE_LIMIT_NEW", default="3000/m")
PUBLIC_RATE_LIMIT_ADDRESS = env.str("PUBLIC_RATE_LIMIT_ADDRESS", default="20000/m")
# Online requests for a place (/ask/): a few a minute per phone, more per address (an
# arrival point's Wi-Fi is one address for everyone there); their status pages likewise.
ASK_RATE_LIMIT_CLIENT = env.str("ASK_RATE_LIMIT_CLIENT", default="3/m")
ASK_RATE_LIMIT_ADDRESS = env.str("ASK_RATE_LIMIT_ADDRESS", default="60/m")
ASK_STATUS_RATE_LIMIT_CLIENT = env.str("ASK_STATUS_RATE_LIMIT_CLIENT", default="30/m")
ASK_STATUS_RATE_LIMIT_ADDRESS = env.str("ASK_STATUS_RATE_LIMIT_ADDRESS", default="3000/m")
# A hold slip's link works this long (and only while the hold is active).
HOLD_SLIP_MAX_AGE_HOURS = env.int("HOLD_SLIP_MAX_AGE_HOURS", default=48)
if env.str("PUBLIC_RATE_LIMIT", default=""):  # one budget per address, before the three above
    warnings.warn(
        "PUBLIC_RATE_LIMIT is no longer read: see PUBLIC_RATE_LIMIT_CLIENT, PUBLIC_RATE_LIMIT_NEW"
        " and PUBLIC_RATE_LIMIT_ADDRESS (README, Deploying).",
        stacklevel=1,
    )

# Date and number formats Django lacks for Kazakh (coordination/formats/kk/formats.py).
FORMAT_MODULE_PATH = ["coordination.formats"]

CELERY_BEAT_SCHEDULER = "coordination.beat:DatabaseScheduler"

# Alerts: links in mails point here; webhook calls give up after this many seconds; failed
# deliveries are retried after 1, 2, 4 ... seconds (at most ALERTS_RETRY_MAX_SECONDS apart),
# ALERTS_DELIVERY_MAX_RETRIES times, then marked failed (the admin can retry them).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
ALERTS_WEBHOOK_TIMEOUT = env.float("ALERTS_WEBHOOK_TIMEOUT", default=5.0)
ALERTS_RETRY_BASE_SECONDS = env.float("ALERTS_RETRY_BASE_SECONDS", default=1.0)
ALERTS_RETRY_MAX_SECONDS = env.float("ALERTS_RETRY_MAX_SECONDS", default=300.0)
ALERTS_DELIVERY_MAX_RETRIES = env.int("ALERTS_DELIVERY_MAX_RETRIES", default=10)
# A delivery claimed this long ago by a worker that never finished is handed out again: far
# beyond the webhook and mail timeouts, so its worker is surely gone.
ALERTS_CLAIM_LEASE_SECONDS = env.float("ALERTS_CLAIM_LEASE_SECONDS", default=90.0)
