"""The local stack's reads across accounts (scripts/stack_ecr/cross_account.py): another account's principals read
a repository when its repository policy allows them, and only then."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from helpers import REGION, client, ecr_as, image_manifest, unique

ACCOUNT, OTHER = "123456789012", "222222222222"


def policy(principal, actions, effect="Allow") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": effect, "Principal": principal, "Action": actions}]})


def test_another_account_reads_a_repository_that_its_policy_allows(moto):
    name = unique("crossread")
    ecr, other = client("ecr"), ecr_as("arn:aws:iam::%s:role/reader" % OTHER, REGION)
    ecr.create_repository(repositoryName=name)
    digest = ecr.put_image(repositoryName=name, imageManifest=image_manifest(name), imageTag="v1")["image"]["imageId"]["imageDigest"]

    def read():
        return other.describe_images(repositoryName=name, registryId=ACCOUNT)["imageDetails"]

    with pytest.raises(ClientError) as error:
        read()
    assert error.value.response["Error"]["Code"] == "RepositoryNotFoundException"
    # another account named, or a write action only: still not readable
    for text in (policy({"AWS": "arn:aws:iam::333333333333:root"}, "ecr:*"), policy({"AWS": OTHER}, ["ecr:PutImage"])):
        ecr.set_repository_policy(repositoryName=name, policyText=text)
        with pytest.raises(ClientError):
            read()
    ecr.set_repository_policy(repositoryName=name, policyText=policy({"AWS": "arn:aws:iam::%s:root" % OTHER}, ["ecr:Describe*", "ecr:BatchGetImage"]))
    assert [d["imageDigest"] for d in read()] == [digest]
    got = other.batch_get_image(repositoryName=name, registryId=ACCOUNT, imageIds=[{"imageTag": "v1"}])["images"]
    assert [i["imageId"]["imageDigest"] for i in got] == [digest]
    # not a write, and not without registryId (that is the caller's own registry)
    with pytest.raises(ClientError):
        other.put_image(repositoryName=name, registryId=ACCOUNT, imageManifest=image_manifest(name + "2"), imageTag="v2")
    with pytest.raises(ClientError):
        other.describe_images(repositoryName=name)
    # a Deny that matches wins
    statements = json.loads(policy("*", "ecr:*"))["Statement"] + json.loads(policy({"AWS": OTHER}, "ecr:DescribeImages", "Deny"))["Statement"]
    ecr.set_repository_policy(repositoryName=name, policyText=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    with pytest.raises(ClientError):
        read()
