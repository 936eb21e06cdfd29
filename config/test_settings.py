"""Settings for the test suite: fast hashing, fixed keys, the database from DATABASE_URL."""

import os
import tempfile

os.environ.setdefault("ARREARS_DEV", "1")
os.environ.setdefault("ARREARS_VAR_DIR", os.path.join(tempfile.gettempdir(), "arrears-test-var"))  # noqa: PTH118

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ARREARS_ENCRYPTION_KEYS = [
    "test2:dGVzdC1rZXktdHdvLTMyLWJ5dGVzLWxvbmctLS0tLS0=",
    "test1:dGVzdC1rZXktb25lLTMyLWJ5dGVzLWxvbmctLS0tLS0=",
]
ARREARS_HASH_KEY = "test-hash-key"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
