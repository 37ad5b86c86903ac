"""_aws/core.py: clients with their retries, paging, the thread pool, polling, the KMS and STS look-ups."""

from __future__ import annotations

import threading
import time

import botocore.loaders

from ansible_collections.stowage.ecr.plugins.module_utils._aws import core

from ...conftest import Clock

REPO = {"repositoryName": "app", "repositoryArn": "arn:aws:ecr:us-east-1:123456789012:repository/app", "registryId": "123456789012"}


class Api(core.AwsApi):
    service = "ecr"


def repo(name):
    return dict(REPO, repositoryName=name, repositoryArn=REPO["repositoryArn"].replace("app", name))


def test_a_throttled_call_is_retried(stubs, retry_sleeps):
    module, stubbers = stubs
    api = Api(module)
    stubbers["ecr"].add_client_error("describe_repositories", "ThrottlingException", http_status_code=400)
    stubbers["ecr"].add_client_error("describe_repositories", "ServerException", http_status_code=400)
    stubbers["ecr"].add_response("describe_repositories", {"repositories": [REPO]}, {"repositoryNames": ["app"]})
    assert api.client.describe_repositories(aws_retry=True, repositoryNames=["app"])["repositories"] == [REPO]
    assert len(retry_sleeps) == 2


def test_pages_follow_the_tokens_with_the_page_size(stubs):
    module, stubbers = stubs
    api = Api(module)
    stubbers["ecr"].add_response("describe_repositories", {"repositories": [repo("app-a")], "nextToken": "t"}, {"maxResults": 2})
    stubbers["ecr"].add_response("describe_repositories", {"repositories": [repo("app-b")]}, {"maxResults": 2, "nextToken": "t"})
    assert [r["repositoryName"] for r in api.pages("describe_repositories", "repositories", 2)] == ["app-a", "app-b"]
    # without a page size, AWS's own; a key no page has is an empty list
    stubbers["ecr"].add_response("describe_repositories", {"repositories": []}, {"registryId": "123456789012"})
    assert core.pages(api.client, "describe_repositories", "repositories", registryId="123456789012") == []


def test_parallel_keeps_the_order_and_the_bound():
    running, most, lock = [0], [0], threading.Lock()

    def work(n):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return n * n

    assert core.parallel(work, range(12), workers=3) == [n * n for n in range(12)]
    assert 1 <= most[0] <= 3
    assert core.parallel(work, [1, 2], workers=1) == [1, 4]
    assert core.parallel(work, []) == []


def test_poll_backs_off_until_settled():
    answers = iter(["wait", "wait", "wait", "done"])
    clock = Clock()
    got = core.poll(lambda last: next(answers), lambda a: a == "done", timeout=60, sleep=clock.sleep, clock=clock)
    assert got == "done" and clock.slept == [1, 2, 4]


def test_poll_ends_at_the_timeout_either_way():
    # the last wait cut to the time left, then one more call
    calls, clock = [], Clock()
    got = core.poll(lambda last: calls.append(last) or "wait", lambda a: a == "done", timeout=10, answer="first", sleep=clock.sleep, clock=clock)
    assert got == "wait" and clock.slept == [1, 2, 4, 3] and calls == ["first", "wait", "wait", "wait"]
    # no wait past the timeout
    clock = Clock()
    got = core.poll(lambda last: "wait", lambda a: False, timeout=10, first=1, cap=10, cut_last_wait=False, sleep=clock.sleep, clock=clock)
    assert got == "wait" and clock.slept == [1, 2, 4]


def test_caller_account_and_kms_key_arns_are_asked_once(stubs):
    module, stubbers = stubs
    api = Api(module)
    stubbers["sts"].add_response("get_caller_identity", {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/u", "UserId": "U"})
    assert api.caller_account() == "123456789012"
    arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    stubbers["kms"].add_response("describe_key", {"KeyMetadata": {"KeyId": "1234abcd", "Arn": arn}}, {"KeyId": "alias/app"})
    stubbers["kms"].add_client_error("describe_key", "NotFoundException", expected_params={"KeyId": "alias/gone"})
    assert api.kms_key_arn("alias/app") == arn
    assert api.kms_key_arn("alias/gone") is None
    # answered from what was asked: no more calls, and each client made once
    assert api.kms_key_arn("alias/app") == arn and api.kms_key_arn("alias/gone") is None
    assert sorted(module.made) == ["ecr", "kms", "sts"]


def test_known_regions_are_botocores():
    known = core.known_regions()
    assert {"us-east-1", "eu-west-1", "cn-north-1"} <= set(known) and known == sorted(known)
    assert not [name for name in known if name.endswith("-global")]
    # read from botocore's partition data: every region of its (larger, older) endpoint data is there
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    assert {region for partition in endpoints["partitions"] for region in partition["regions"]} <= set(known)
    assert core.botocore_version()


def test_backoff_doubles_up_to_the_cap():
    assert [core.backoff(n) for n in range(6)] == [1, 2, 4, 8, 15, 15]


def test_a_budget_holds_threads_back_until_what_they_ask_fits():
    budget = core.Budget(10)
    budget.acquire(6)
    budget.acquire(4)
    got = threading.Event()

    def more():
        budget.acquire(3)
        got.set()

    waiting = threading.Thread(target=more)
    waiting.start()
    assert not got.wait(0.1)
    budget.release(4)
    assert got.wait(5)
    waiting.join()
    assert budget.held == 9
    budget.release(6)
    budget.release(3)
    budget.acquire(25)  # more than the limit: granted when nothing else is held
    assert budget.held == 25
