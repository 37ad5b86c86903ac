"""ecr_replication_backfill's checks (_checks/backfill.py): the options, and what the replication rules select."""

from __future__ import annotations

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._checks.backfill import (
    backfill_destinations,
    check_wait_timeout,
    destinations_of_repository,
    destinations_want,
    rule_destinations,
    selects,
)
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

ACCOUNT = "123456789012"
OTHER = "210987654321"
RULES = [
    {"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}], "repositoryFilters": [{"filter": "team/", "filterType": "PREFIX_MATCH"}]},
    {"destinations": [{"region": "us-east-2", "registryId": OTHER}, {"region": "eu-west-1", "registryId": ACCOUNT}]},
]


def test_destinations_checked_and_each_once():
    given = [{"region": "eu-west-1", "registry_id": None}, {"region": "us-east-2", "registry_id": OTHER}, {"region": "eu-west-1"}]
    assert destinations_want(given) == [{"region": "eu-west-1", "registryId": None}, {"region": "us-east-2", "registryId": OTHER}]
    assert destinations_want(None) is None


@pytest.mark.parametrize(
    "given, fragment",
    [
        ([], "destinations: give 1 to 25 destinations, got 0"),
        ([{"region": "EU"}], "destinations[0].region: 'EU' is not a region name"),
        ([{"region": "eu-west-1"}, {"region": "eu-west-1", "registry_id": "1"}], "destinations[1].registry_id: '1' is not a registry id"),
        (["eu-west-1"], "destinations[0]: expected a destination"),
    ],
)
def test_bad_destinations_name_the_option(given, fragment):
    with pytest.raises(InputError) as error:
        destinations_want(given)
    assert fragment in str(error.value)


def test_the_rules_destinations_by_default_and_others_refused():
    assert rule_destinations(RULES) == [{"region": "eu-west-1", "registryId": ACCOUNT}, {"region": "us-east-2", "registryId": OTHER}]
    assert backfill_destinations(None, RULES, ACCOUNT) == rule_destinations(RULES)
    assert backfill_destinations([{"region": "eu-west-1", "registryId": None}], RULES, ACCOUNT) == [{"region": "eu-west-1", "registryId": ACCOUNT}]
    with pytest.raises(InputError) as error:
        backfill_destinations([{"region": "eu-west-1", "registryId": None}, {"region": "us-east-2", "registryId": None}], RULES, ACCOUNT)
    assert "destinations[1]: us-east-2/%s is not a destination of the registry's replication rules" % ACCOUNT in str(error.value)
    with pytest.raises(InputError) as error:
        backfill_destinations([{"region": "eu-west-1", "registryId": None}], [], ACCOUNT)
    assert "(they have: none)" in str(error.value)


def test_what_the_rules_select():
    assert selects(RULES[0], "team/api") and not selects(RULES[0], "other") and selects(RULES[1], "other")
    everywhere = rule_destinations(RULES)
    assert destinations_of_repository(RULES, "other", everywhere) == everywhere
    assert destinations_of_repository(RULES, "other", everywhere[:1]) == everywhere[:1]
    assert destinations_of_repository(RULES[:1], "other", everywhere) == []


@pytest.mark.parametrize("value", [0, -5, True, "10"])
def test_wait_timeout(value):
    with pytest.raises(InputError, match="wait_timeout: give a number of seconds of 1 or more"):
        check_wait_timeout(value)
    check_wait_timeout(1)
