# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The region a module is asked to work in, checked before any call.

A name that is not a region at all (``eu-wst-1``, ``not a region``) would otherwise cost the retries of
every call before AWS (or a stand-in) answers with an error that does not name the region. The regions
botocore knows come from its endpoint data (``_aws.core.known_regions``); a name that botocore does not
list but is written as AWS writes regions (a geography, the direction words of known regions, a number:
``ap-southeast-9``) is let through with a warning, because AWS adds regions before a botocore release
lists them.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

# a region as AWS writes them: geography, words, number (us-east-1, us-gov-west-1, eusc-de-east-1)
REGION_RE = re.compile(r"([a-z]{2,4})-([a-z]+(?:-[a-z]+)*)-([0-9]{1,2})")


def region_problem(region: Any, known: list[str], botocore_version: str = "") -> tuple[str | None, str | None]:
    """(error, warning) for ``region`` against the ``known`` regions (those of botocore ``botocore_version``,
    ``_aws.core.known_regions``): an error when it cannot be a region, a warning when it is well formed but
    not known; (None, None) for a known region or none at all."""
    if region is None or region in known:
        return None, None
    text = region if isinstance(region, str) else ""
    words = {word for name in known for word in name.split("-") if word.isalpha()}
    shape = REGION_RE.fullmatch(text)
    if shape and all(word in words for word in shape.group(2).split("-")):
        return None, (
            "region: %s is not among the regions botocore %s knows; it is used as given, as AWS adds regions. "
            "If it is a typing error, the calls will fail." % (region, botocore_version)
        )
    close = difflib.get_close_matches(text.lower(), known, n=3, cutoff=0.6) if text else []
    hint = " (did you mean %s?)" % " or ".join(close) if close else ""
    return (
        "region: %r is not an AWS region%s. A region is written as a geography, direction words and a number, "
        "for example eu-west-1; botocore %s knows %s" % (region, hint, botocore_version, ", ".join(known))
    ), None
