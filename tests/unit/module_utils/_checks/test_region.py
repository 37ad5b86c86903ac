"""Region names (_checks/region.py): botocore's list, misspellings, new regions."""

from __future__ import annotations

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import known_regions
from ansible_collections.stowage.ecr.plugins.module_utils._checks.region import region_problem


def test_region_names():
    known = known_regions()
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= set(known)
    assert region_problem("eu-west-1", known) == (None, None)
    assert region_problem(None, known) == (None, None)
    for bad, fragment in (("eu-wst-1", "did you mean eu-west-1"), ("not a region", "not an AWS region"), ("", "not an AWS region"), ("eu-west", "eu-west-1")):
        error, warning = region_problem(bad, known)
        assert error and error.startswith("region: ") and fragment in error and "for example eu-west-1" in error and warning is None, bad
    assert "us-east-1" in region_problem("nowhere", known)[0]
    # well formed, and not listed by this botocore: AWS adds regions, so a warning only
    for new in ("ap-southeast-9", "eu-central-3", "zz-west-1"):
        error, warning = region_problem(new, known)
        assert error is None and warning.startswith("region: %s is not among the regions botocore" % new), new
