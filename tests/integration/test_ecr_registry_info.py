"""ecr_registry_info through ansible-playbook against the local stack: every section of a registry built with
boto3 (never by our modules), a section the caller may not read, and the round trip of ``role_vars`` through
the role ecr_registry (no change, no write).

Registry-level state is one per account and region: these tests use a region of their own (eu-central-1) and
empty it before and after each test."""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import yaml
from helpers import REGISTRY_DEFAULT_SETTINGS, Recorder, empty_registry, run_play, writes

REGION = "eu-central-1"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
M = "stowage.ecr.ecr_registry_info"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReplicateIn",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER_ACCOUNT},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": "arn:aws:ecr:%s:%s:repository/*" % (REGION, ACCOUNT),
        }
    ],
}
REPO_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT}, "Action": ["ecr:BatchGetImage"]}],
}
LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "untagged",
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
            "action": {"type": "expire"},
        },
        {"rulePriority": 10, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100}, "action": {"type": "expire"}},
    ]
}
ROLE_ARN = "arn:aws:iam::%s:role/ecr-templates" % ACCOUNT
SCANNER = "arn:aws:iam::%s:role/ci-scanner" % ACCOUNT
AUDITOR = "arn:aws:iam::%s:user/auditor" % ACCOUNT
PROFILE = "arn:aws:signer:%s:%s:/signing-profiles/release_images" % (REGION, ACCOUNT)
ROLE_TASK = "stowage.ecr.ecr_registry : %s"
DEFAULT_SETTINGS = REGISTRY_DEFAULT_SETTINGS


def aws(service):
    return boto3.client(service, region_name=REGION)


@pytest.fixture
def registry(moto):
    empty_registry(REGION)
    yield aws("ecr")
    empty_registry(REGION)


def build_registry(ecr):
    """A registry holding every kind of registry-level setting, made with boto3; what the test expects of it."""
    key = aws("kms").create_key(Description="templates")["KeyMetadata"]["Arn"]
    secrets = aws("secretsmanager")
    try:
        secret = secrets.create_secret(Name="ecr-pullthroughcache/docker-hub", SecretString=json.dumps({"username": "u", "accessToken": "t"}))["ARN"]
    except secrets.exceptions.ResourceExistsException:
        secret = secrets.describe_secret(SecretId="ecr-pullthroughcache/docker-hub")["ARN"]
    ecr.put_registry_policy(policyText=json.dumps(POLICY))
    replication = [
        {
            "destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}, {"region": "us-east-1", "registryId": OTHER_ACCOUNT}],
            "repositoryFilters": [{"filter": "platform/", "filterType": "PREFIX_MATCH"}],
            "deleteReplication": {"enabled": True},
        },
        {"destinations": [{"region": "eu-north-1", "registryId": ACCOUNT}]},
    ]
    ecr.put_replication_configuration(replicationConfiguration={"rules": replication})
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]},
            {
                "scanFrequency": "CONTINUOUS_SCAN",
                "repositoryFilters": [{"filter": "prod-*", "filterType": "WILDCARD"}, {"filter": "core", "filterType": "WILDCARD"}],
            },
        ],
    )
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub", upstreamRegistryUrl="registry-1.docker.io", credentialArn=secret)
    ecr.create_pull_through_cache_rule(
        ecrRepositoryPrefix="upstream-team",
        upstreamRegistryUrl="%s.dkr.ecr.eu-west-1.amazonaws.com" % OTHER_ACCOUNT,
        upstreamRegistry="ecr",
        upstreamRepositoryPrefix="team",
        customRoleArn="arn:aws:iam::%s:role/ecr-ptc" % ACCOUNT,
    )
    ecr.create_repository_creation_template(
        prefix="ROOT",
        appliedFor=["CREATE_ON_PUSH", "REPLICATION"],
        description="every new repository",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filter": "latest", "filterType": "WILDCARD"}, {"filter": "dev-*", "filterType": "WILDCARD"}],
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key},
        resourceTags=[{"Key": "owner", "Value": "platform"}, {"Key": "cost", "Value": "42"}],
        repositoryPolicy=json.dumps(REPO_POLICY),
        lifecyclePolicy=json.dumps(LIFECYCLE),
        customRoleArn=ROLE_ARN,
    )
    ecr.create_repository_creation_template(prefix="docker-hub", appliedFor=["PULL_THROUGH_CACHE"])
    ecr.put_account_setting(name="BLOB_MOUNTING", value="ENABLED")
    ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V1")
    ecr.register_pull_time_update_exclusion(principalArn=SCANNER)
    ecr.register_pull_time_update_exclusion(principalArn=AUDITOR)
    ecr.put_signing_configuration(
        signingConfiguration={"rules": [{"signingProfileArn": PROFILE, "repositoryFilters": [{"filter": "release/*", "filterType": "WILDCARD_MATCH"}]}]}
    )
    return {"key": key, "secret": secret}


def test_every_section_and_the_round_trip(moto, registry, tmp_path):
    built = build_registry(registry)
    play = run_play(
        [
            {"name": "all", M: {"region": REGION}, "register": "found"},
            {"name": "all in check mode", M: {"region": REGION}, "check_mode": True},
            {"name": "two", M: {"region": REGION, "sections": ["replication", "signing"]}},
            {"name": "none", M: {"region": REGION, "sections": []}},
            {"name": "bad section", M: {"region": REGION, "sections": ["policy", "replications"]}, "ignore_errors": True},
            {"name": "write the vars", "ansible.builtin.copy": {"dest": str(tmp_path / "vars.yml"), "content": "{{ found.role_vars | to_nice_yaml }}"}},
        ],
        tmp_path,
    )
    assert play.rc == 0, play.failures()
    found = play["all"]
    assert found["changed"] is False and found["errors"] == {} and found["skipped_settings"] == {}
    assert found["registry_id"] == ACCOUNT
    assert found["policy"] == POLICY
    assert found["replication"] == {
        "rules": [
            {
                "destinations": [{"region": "eu-west-1", "registry_id": ACCOUNT}, {"region": "us-east-1", "registry_id": OTHER_ACCOUNT}],
                "repository_filters": [{"filter": "platform/", "filter_type": "PREFIX_MATCH"}],
                "delete_replication": True,
            },
            {"destinations": [{"region": "eu-north-1", "registry_id": ACCOUNT}], "repository_filters": [], "delete_replication": False},
        ]
    }
    assert found["scanning"] == {
        "scan_type": "ENHANCED",
        "rules": [
            {
                "scan_frequency": "CONTINUOUS_SCAN",
                "repository_filters": [{"filter": "core", "filter_type": "WILDCARD"}, {"filter": "prod-*", "filter_type": "WILDCARD"}],
            },
            {"scan_frequency": "SCAN_ON_PUSH", "repository_filters": [{"filter": "*", "filter_type": "WILDCARD"}]},
        ],
    }
    rules = found["pull_through_cache_rules"]
    assert [r["ecr_repository_prefix"] for r in rules] == ["docker-hub", "ecr-public", "upstream-team"]
    assert {k: rules[0][k] for k in ("upstream_registry_url", "upstream_registry", "credential_arn", "custom_role_arn")} == {
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": "docker-hub",
        "credential_arn": built["secret"],
        "custom_role_arn": None,
    }
    assert rules[1]["upstream_registry"] == "ecr-public" and rules[1]["credential_arn"] is None and rules[1]["registry_id"] == ACCOUNT
    assert rules[2]["upstream_registry"] == "ecr" and rules[2]["upstream_repository_prefix"] == "team"
    assert rules[2]["custom_role_arn"] == "arn:aws:iam::%s:role/ecr-ptc" % ACCOUNT and rules[2]["created_at"]
    templates = found["repository_creation_templates"]
    assert [t["prefix"] for t in templates] == ["ROOT", "docker-hub"]
    root = templates[0]
    assert {k: root[k] for k in root if k not in ("created_at", "updated_at")} == {
        "prefix": "ROOT",
        "description": "every new repository",
        "applied_for": ["CREATE_ON_PUSH", "REPLICATION"],
        "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
        "image_tag_mutability_exclusion_filters": ["dev-*", "latest"],
        "encryption_type": "KMS",
        "kms_key": built["key"],
        "tags": {"owner": "platform", "cost": "42"},
        "policy": REPO_POLICY,
        "lifecycle_policy": LIFECYCLE,
        "custom_role_arn": ROLE_ARN,
    }
    assert templates[1]["applied_for"] == ["PULL_THROUGH_CACHE"] and templates[1]["lifecycle_policy"] is None and templates[1]["encryption_type"] == "AES256"
    assert found["account_settings"] == [
        {"name": "BASIC_SCAN_TYPE_VERSION", "value": "AWS_NATIVE"},
        {"name": "BLOB_MOUNTING", "value": "ENABLED"},
        {"name": "REGISTRY_POLICY_SCOPE", "value": "V1"},
    ]
    assert found["pull_time_update_exclusions"] == sorted([SCANNER, AUDITOR])
    assert found["signing"] == {"rules": [{"signing_profile_arn": PROFILE, "repository_filters": [{"filter": "release/*", "filter_type": "WILDCARD_MATCH"}]}]}
    # check mode reads the same
    assert {k: v for k, v in play["all in check mode"].items() if k != "invocation"} == {k: v for k, v in found.items() if k != "invocation"}
    two = play["two"]
    assert set(two) & {"policy", "scanning", "account_settings"} == set() and two["replication"] == found["replication"] and two["signing"] == found["signing"]
    assert set(two["role_vars"]) == {
        "ecr_registry_region",
        "ecr_registry_registry_id",
        "ecr_registry_replication_rules",
        "ecr_registry_purge_replication_rules",
        "ecr_registry_signing_rules",
    }
    assert play["none"]["registry_id"] == ACCOUNT and play["none"]["role_vars"] == {"ecr_registry_region": REGION, "ecr_registry_registry_id": ACCOUNT}
    assert play["bad section"]["failed"] and "replications" in play["bad section"]["msg"]

    role_vars = found["role_vars"]
    assert role_vars["ecr_registry_account_settings"] == {"BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE", "BLOB_MOUNTING": "ENABLED", "REGISTRY_POLICY_SCOPE": "V1"}
    assert role_vars["ecr_registry_replication_rules"][1] == {"destinations": [{"region": "eu-north-1", "registry_id": ACCOUNT}], "delete_replication": False}
    assert role_vars["ecr_registry_repository_creation_templates"][0]["lifecycle_rules"] == [
        {"priority": 1, "description": "untagged", "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 7},
        {"priority": 10, "tag_status": "any", "count_type": "image_count_more_than", "count_number": 100},
    ]
    assert role_vars["ecr_registry_repository_creation_templates"][1] == {
        "prefix": "docker-hub",
        "applied_for": ["PULL_THROUGH_CACHE"],
        "description": "",
        "image_tag_mutability": "MUTABLE",
        "encryption_type": "AES256",
        "tags": {},
        "purge_tags": True,
        "purge_policy": True,
        "lifecycle_rules": [],
        "custom_role_arn": "",
    }
    assert role_vars["ecr_registry_pull_through_cache_rules"][0] == {
        "ecr_repository_prefix": "docker-hub",
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": "docker-hub",
        "credential_arn": built["secret"],
    }
    assert "ecr_registry_purge_signing_rules" not in role_vars and role_vars["ecr_registry_purge_pull_time_update_exclusions"] is True

    # the round trip: the role with these variables (read from the file the play wrote) changes nothing and writes nothing
    written = yaml.safe_load((tmp_path / "vars.yml").read_text())
    assert written == role_vars
    with Recorder(moto) as rec:
        again = run_play([{"name": "baseline", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_registry"}}], tmp_path, vars=written)
    assert again.rc == 0, again.failures()
    assert again.stats["localhost"]["changed"] == 0, [t["name"] for t in again.tasks if t["result"].get("changed")]
    assert writes(rec.operations()) == []
    # every section was read and compared (the role's one ecr_registry_baseline task)
    sections = again[ROLE_TASK % "Apply the baseline"]["sections"]
    assert {"pull_through_cache_rules", "signing_rules"} <= set(sections)
    assert not any(one["changed"] for one in sections.values())


def test_an_empty_registry_round_trips(moto, registry, tmp_path):
    play = run_play([{"name": "all", M: {"region": REGION}}], tmp_path)
    assert play.rc == 0, play.failures()
    found = play["all"]
    assert found["policy"] is None and found["replication"] == {"rules": []} and found["signing"] == {"rules": None}
    assert found["scanning"] == {"scan_type": "BASIC", "rules": []}
    assert found["pull_through_cache_rules"] == [] and found["repository_creation_templates"] == [] and found["pull_time_update_exclusions"] == []
    role_vars = found["role_vars"]
    assert role_vars["ecr_registry_purge_policy"] is True and role_vars["ecr_registry_purge_signing_rules"] is True
    assert "ecr_registry_policy" not in role_vars and "ecr_registry_signing_rules" not in role_vars
    assert role_vars["ecr_registry_account_settings"] == DEFAULT_SETTINGS
    # the same variables put back what was added outside Ansible since (a policy, a signing configuration, an exclusion)
    registry.put_registry_policy(policyText=json.dumps(POLICY))
    registry.put_signing_configuration(signingConfiguration={"rules": [{"signingProfileArn": PROFILE}]})
    registry.register_pull_time_update_exclusion(principalArn=SCANNER)
    registry.create_repository_creation_template(prefix="late", appliedFor=["CREATE_ON_PUSH"])
    with Recorder(moto) as rec:
        again = run_play([{"name": "baseline", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_registry"}}], tmp_path, vars=role_vars)
    assert again.rc == 0, again.failures()
    assert sorted(writes(rec.operations())) == [
        "DeleteRegistryPolicy",
        "DeleteRepositoryCreationTemplate",
        "DeleteSigningConfiguration",
        "DeregisterPullTimeUpdateExclusion",
    ]
    sections = again[ROLE_TASK % "Apply the baseline"]["sections"]
    assert sorted(name for name, one in sections.items() if one["changed"]) == [
        "policy",
        "pull_time_update_exclusions",
        "repository_creation_templates",
        "signing_rules",
    ]
    assert registry.describe_repository_creation_templates()["repositoryCreationTemplates"] == []
    assert registry.list_pull_time_update_exclusions()["pullTimeUpdateExclusions"] == []


# a section the caller may not read -------------------------------------------------------------


class Denier:
    """A proxy in front of moto that answers AccessDeniedException to the operations in ``denied``."""

    def __init__(self, upstream: str, denied: set[str]):
        host, port = upstream.split("//", 1)[1].split(":")
        self.upstream = (host, int(port))
        self.denied = denied
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self) -> Denier:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - the base class's name
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = (self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
                if operation in proxy.denied:
                    status, data = (
                        400,
                        json.dumps({"__type": "AccessDeniedException", "message": "User is not authorized to perform: ecr:%s" % operation}).encode(),
                    )
                    headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", "AccessDeniedException")]
                else:
                    conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                    forward = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
                    conn.request("POST", self.path, body=body, headers=forward)
                    response = conn.getresponse()
                    status, data = response.status, response.read()
                    headers = [(k, v) for k, v in response.getheaders() if k.lower() not in ("connection", "content-length", "transfer-encoding")]
                    conn.close()
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def test_a_section_the_caller_may_not_read(moto, registry, tmp_path):
    registry.put_signing_configuration(signingConfiguration={"rules": [{"signingProfileArn": PROFILE}]})
    with Denier(moto["url"], {"GetSigningConfiguration", "GetAccountSetting"}) as proxy:
        env = {"AWS_ENDPOINT_URL": proxy.url}
        play = run_play(
            [
                {"name": "warn", M: {"region": REGION}},
                {"name": "strict", M: {"region": REGION, "sections": ["policy", "signing"], "fail_on_section_error": True}, "ignore_errors": True},
            ],
            tmp_path,
            env=env,
        )
    assert play.rc == 0, play.failures()
    warned = play["warn"]
    assert warned["signing"] is None and warned["account_settings"] is None
    assert warned["errors"]["signing"]["code"] == "AccessDeniedException" and "GetSigningConfiguration" in warned["errors"]["signing"]["message"]
    assert warned["errors"]["account_settings"]["code"] == "AccessDeniedException"
    assert set(warned["errors"]) == {"signing", "account_settings"}
    assert warned["replication"] == {"rules": []} and warned["policy"] is None
    assert any("section signing: not read (AccessDeniedException)" in w for w in warned["warnings"])
    # the variables of those sections are left out: feeding role_vars back leaves them alone
    assert not {"ecr_registry_signing_rules", "ecr_registry_purge_signing_rules", "ecr_registry_account_settings"} & set(warned["role_vars"])
    assert warned["role_vars"]["ecr_registry_purge_policy"] is True
    strict = play["strict"]
    assert strict["failed"] and "section signing: not read (AccessDeniedException)" in strict["msg"]
    assert strict["errors"]["signing"]["code"] == "AccessDeniedException"
