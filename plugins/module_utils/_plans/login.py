# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a stored login is kept or renewed: the idempotency rule of ecr_login, and what a diff may
show of a login. Pure functions."""

from __future__ import annotations

import datetime
from typing import Any, Callable, Dict, Optional, Tuple

from ansible_collections.stowage.ecr.plugins.module_utils._oci.auth import decode_auth, fingerprint, parse_iso

UNKNOWN = "unknown"


def decide(
    stored: Optional[str],
    fresh: str,
    known: Optional[Dict[str, Any]],
    now: datetime.datetime,
    min_validity: int,
    stored_accepted: Optional[Callable[[], bool]] = None,
) -> Tuple[bool, str]:
    """Whether the login for one registry must be written, and why (a phrase without secrets).

    The rule, in order:

    1. no stored entry, or one that is not ``user:password`` in base64: write;
    2. the stored entry equals the token ECR just handed out: keep it (nothing to write; the
       token's own expiry does not matter, it is exactly what a new login would store);
    3. the stored entry is for another user: write;
    4. the expiry of the stored entry is unknown (no sidecar record, or one for another entry): write;
    5. it expires within ``min_validity`` seconds: write;
    6. the registry no longer accepts it (``stored_accepted()`` is False): write;
    7. else keep it: ECR tokens rotate on every call, so a fresh one alone is no reason to change.

    ``stored_accepted`` is a callable asked only at step 6 (it costs an HTTP request).
    """
    old = decode_auth(stored)
    if old is None:
        return True, "no login stored" if stored is None else "the stored login is not user:password in base64"
    if stored == fresh:
        return False, "the stored login is the current token"
    new = decode_auth(fresh)
    if new is None or old[0] != new[0]:
        return True, "the stored login is for another user"
    if not known or stored is None or known.get("fingerprint") != fingerprint(stored):
        return True, "the expiry of the stored login is unknown"
    expires = parse_iso(known.get("expires_at"))
    if expires is None:
        return True, "the expiry of the stored login is unknown"
    left = (expires - now).total_seconds()
    if left < min_validity:
        return True, "the stored login expires in %ds, less than min_validity %ds" % (max(0, int(left)), min_validity)
    if stored_accepted is not None and not stored_accepted():
        return True, "the registry no longer accepts the stored login"
    return False, "the stored login is accepted and valid for %ds more" % int(left)


def login_view(key: str, auth: Optional[str], known: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """What a diff may show of a stored login: the registry's user and known expiry, never the secret."""
    if auth is None:
        return None
    decoded = decode_auth(auth)
    expires = None
    if known and known.get("fingerprint") == fingerprint(auth):
        expires = known.get("expires_at")
    return {"username": decoded[0] if decoded else None, "expires_at": expires or UNKNOWN}
