"""A walk over every URL of the portal for thirteen actors: no page, API answer, export or Open311 answer shows the
tracking code of a demand the viewer did not submit, and neither do notifications, messages or log records.

The world and the requests are the permission matrix's (tests/permission_matrix.py): every demand in it was
submitted anonymously, so no actor may see any code. Only a request that carries a code itself (the resident's own
tracking pages) is exempt, as whoever sends it holds the code already.
"""

import logging

import pytest

from demands.models import Demand

from . import permission_matrix as m
from .test_permission_matrix import _cases, ask, w  # noqa: F401  (w is the matrix's module-scoped world)

pytestmark = pytest.mark.django_db


def _codes(w) -> dict[str, int]:
    return dict(Demand.objects.values_list("tracking_code", "pk"))


@pytest.mark.parametrize(("row", "case"), list(_cases()))
def test_no_answer_to_anyone_shows_a_tracking_code(w, row, case, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    codes = _codes(w)
    url = case.url(w)
    exempt = {code for code in codes if code in url}  # the caller typed this code in
    leaks = []
    for actor in m.ACTORS:
        _outcome, status, body, _changed = ask(w, case, actor)
        for code, pk in codes.items():
            if code not in exempt and code in body:
                leaks.append(f"{case.method} {url} × {actor} ({status}) shows the code of demand {pk}")
    for record in caplog.records:
        text = record.getMessage() + " " + " ".join(map(str, record.args or ()))
        leaks += [f"log record {record.name}: {text[:120]}" for code in codes if code in text]
    assert not leaks, "\n".join(leaks)
