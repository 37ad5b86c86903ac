"""The idempotency rule of ecr_login (_plans/login.py): keep or renew a stored login."""

from __future__ import annotations

import base64
import datetime

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._oci import auth as registry_auth
from ansible_collections.stowage.ecr.plugins.module_utils._plans import login as login_decision

NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc)


def b64(text):
    return base64.b64encode(text.encode()).decode()


# the idempotency rule ----------------------------------------------------------------------------


FRESH = b64("AWS:fresh-token")
OLD = b64("AWS:older-token")


def known(auth, expires):
    return {"fingerprint": registry_auth.fingerprint(auth), "expires_at": registry_auth.iso(expires), "username": "AWS"}


def never(*_):
    raise AssertionError("the registry must not be asked")


@pytest.mark.parametrize(
    "stored, record, accepted, write, reason",
    [
        (None, None, never, True, "no login stored"),
        ("%%%", None, never, True, "not user:password"),
        (FRESH, None, never, False, "is the current token"),
        (FRESH, known(FRESH, NOW - datetime.timedelta(days=4000)), never, False, "is the current token"),
        (b64("bob:older-token"), None, never, True, "another user"),
        (OLD, None, never, True, "expiry of the stored login is unknown"),
        (OLD, known(FRESH, NOW + datetime.timedelta(hours=5)), never, True, "expiry of the stored login is unknown"),
        (OLD, {"fingerprint": registry_auth.fingerprint(OLD), "expires_at": "soon"}, never, True, "expiry of the stored login is unknown"),
        (OLD, known(OLD, NOW + datetime.timedelta(minutes=10)), never, True, "expires in 600s, less than min_validity 3600s"),
        (OLD, known(OLD, NOW - datetime.timedelta(minutes=10)), never, True, "expires in 0s"),
        (OLD, known(OLD, NOW + datetime.timedelta(hours=5)), lambda: False, True, "no longer accepts"),
        (OLD, known(OLD, NOW + datetime.timedelta(hours=5)), lambda: True, False, "accepted and valid for 18000s"),
    ],
)
def test_decide(stored, record, accepted, write, reason):
    got_write, got_reason = login_decision.decide(stored, FRESH, record, NOW, 3600, accepted)
    assert got_write is write
    assert reason in got_reason
    for secret in ("fresh-token", "older-token", FRESH, OLD):
        assert secret not in got_reason


def test_decide_min_validity_zero_keeps_a_login_until_it_expires():
    record = known(OLD, NOW + datetime.timedelta(minutes=1))
    assert login_decision.decide(OLD, FRESH, record, NOW, 0, lambda: True)[0] is False
    assert login_decision.decide(OLD, FRESH, record, NOW, 61, lambda: True)[0] is True


def test_login_view_never_holds_the_secret():
    view = login_decision.login_view("reg", OLD, known(OLD, NOW))
    assert view == {"username": "AWS", "expires_at": registry_auth.iso(NOW)}
    assert login_decision.login_view("reg", OLD, known(FRESH, NOW)) == {"username": "AWS", "expires_at": "unknown"}
    assert login_decision.login_view("reg", None, None) is None
