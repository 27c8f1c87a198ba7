"""A random key per browser, in an HttpOnly cookie: what the public rating forms count "once per browser" by.

Only a digest of the key and the thing rated is ever stored (never the key, never an address), so one browser's
ratings of different things cannot be linked, and a browser that moves between networks is still one browser.
"""

import hashlib
import secrets

from django.conf import settings
from django.utils.cache import patch_cache_control

BROWSER_KEY_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie


def browser_key(request, cookie: str) -> str:
    """The browser's key, or "" when it has none or sent something that is not one of ours."""
    key = request.COOKIES.get(cookie, "")
    return key if 20 <= len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum() else ""


def new_browser_key() -> str:
    return secrets.token_urlsafe(24)


def keep_browser_key(response, cookie: str, key: str):
    response.set_cookie(cookie, key, max_age=BROWSER_KEY_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)
    # The key and "you have rated this" belong to this browser: a shared cache must never hand them on.
    patch_cache_control(response, private=True, no_store=True)
    return response


def voter_digest(key: str, *scope) -> str:
    """What a rating stores for its browser: a digest of the key and what is rated."""
    return hashlib.sha256(":".join([*map(str, scope), key]).encode()).hexdigest()
