"""Settings for the test helpdesk: SQLite in HDSITE_DATA_DIR, webhooks to the URL in HDSITE_WEBHOOK_FILE."""

import os
from pathlib import Path

DATA_DIR = Path(os.environ.get("HDSITE_DATA_DIR", "/tmp/hdsite"))
WEBHOOK_FILE = Path(os.environ.get("HDSITE_WEBHOOK_FILE", DATA_DIR / "webhook-url"))

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
    "cgtools",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdsite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "helpdesk.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
STATIC_URL = "/static/"
# Every e-mail the helpdesk sends is written to DATA_DIR/mail, so a test can read what the customer received.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = "helpdesk@council.example"
# The housing queue reads e-mail from this folder (queue type "local") when `manage.py get_email` runs.
MAILDROP_DIR = DATA_DIR / "maildrop"
USE_TZ = True
# contactguard's client signs every API call with the agent's password (HTTP basic auth), and Django's default
# hasher (PBKDF2, 1,000,000 rounds) checks it each time: that was an eighth of the whole suite's CPU. Django's
# own advice for tests: a fast hasher (https://docs.djangoproject.com/en/5.2/topics/testing/overview/#password-hashing).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TIME_ZONE = "Europe/London"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]
}
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_WEBHOOK_TIMEOUT = 3


def _webhook_urls():
    """Read on every event, so a test can point the helpdesk at a new connection without a restart."""
    try:
        url = WEBHOOK_FILE.read_text().strip()
    except FileNotFoundError:
        return []
    return [url] if url else []


# django-helpdesk calls these; preferred to the HELPDESK_*_WEBHOOK_URLS environment variables.
HELPDESK_GET_NEW_TICKET_WEBHOOK_URLS = _webhook_urls
HELPDESK_GET_FOLLOWUP_WEBHOOK_URLS = _webhook_urls
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"helpdesk": {"handlers": ["console"], "level": "INFO"}},
}
