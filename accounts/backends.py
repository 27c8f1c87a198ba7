"""The login lockout, as an authentication backend that runs before the password check."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped for calls that carry no request.

    Every login over HTTP passes its request (the login view does), so every attempt an attacker can make is
    counted. Only in-process callers without one (the test client's login(), a shell) skip the check, where
    django-axes would otherwise refuse to authenticate at all.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
