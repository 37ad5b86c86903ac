"""PutReplicationConfiguration with several rules (moto refuses more than one), within AWS's limits.

The configuration is kept where moto keeps its own (``backend.replication_config``), so that moto's
DescribeRegistry serves it.
"""

from __future__ import annotations

from .model import EcrError, ValidationException, operation

# ECR API Reference (ReplicationConfiguration) and the ECR user guide's private image replication page
RULES_MAX = 10
UNIQUE_DESTINATIONS_MAX = 25


@operation("PutReplicationConfiguration")
def put_replication_configuration(backend, params, account, region):
    config = params["replicationConfiguration"]
    rules = config["rules"]
    if len(rules) > RULES_MAX:
        raise ValidationException(
            "1 validation error detected: Value at 'replicationConfiguration.rules' failed to satisfy constraint: "
            "Member must have length less than or equal to %d" % RULES_MAX
        )
    destinations = set()
    for rule in rules:
        if not rule["destinations"]:
            raise EcrError(
                "InvalidParameterException",
                "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'A replication rule needs at least one destination'",
            )
        for destination in rule["destinations"]:
            if destination["region"] == region and destination["registryId"] == account:
                raise EcrError(
                    "InvalidParameterException",
                    "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: "
                    "'Replication destination cannot be the same as the source registry'",
                )
            destinations.add((destination["region"], destination["registryId"]))
    if len(destinations) > UNIQUE_DESTINATIONS_MAX:
        raise EcrError(
            "InvalidParameterException",
            "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: "
            "'The replication configuration has %d unique destinations; at most %d are allowed'" % (len(destinations), UNIQUE_DESTINATIONS_MAX),
        )
    backend.replication_config = {"rules": rules}
    return {"replicationConfiguration": backend.replication_config}
