# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every AWS call of the collection stands on: clients with both retry layers, paging, a bounded
thread pool, polling with backoff, the KMS and STS look-ups, and the regions botocore knows.

The one place (with the rest of ``_aws``) that speaks to boto3 and botocore.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

try:
    import botocore
    import botocore.exceptions
    import botocore.loaders
    import botocore.session
except ImportError:
    pass  # AnsibleAWSModule reports the missing library

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

WORKERS = 8
# ECR's own names for "try again": AWSRetry knows the generic ones only
RETRYABLE_CODES = ["ThrottlingException", "ServerException", "ServiceUnavailableException", "LimitExceededException"]
# botocore's own retries (connection errors, 5xx, throttling) with more attempts than its default 3;
# a user's aws_config still wins, as amazon.aws merges it last. A connection kept for each thread that may call at
# once (botocore keeps 10): ecr_image_copy's max_concurrency goes up to 32
CLIENT_CONFIG = {"retries": {"mode": "standard", "max_attempts": 10}, "max_pool_connections": 32}


def retry_decorator() -> Callable[..., Any]:
    return AWSRetry.jittered_backoff(retries=5, delay=1, max_delay=15, catch_extra_error_codes=RETRYABLE_CODES)


def client(module: Any, service: str, **place: Any) -> Any:
    """A boto3 client of ``service`` with both retry layers (``module`` is an AnsibleAWSModule); ``place`` overrides
    the task's connection (``region``, ``profile_name``, credentials)."""
    return module.client(service, retry_decorator=retry_decorator(), config=CLIENT_CONFIG, **place)


def client_as(
    module: Any,
    service: str,
    region: str | None = None,
    endpoint: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    session_name: str | None = None,
) -> Any:
    """A client of ``service`` like ``client``'s, in ``region`` at ``endpoint`` (the task's when None), with the
    credentials of ``profile`` (the task's when None) or of the role ``role_arn`` assumed with them (STS
    AssumeRole, in ``region``): another account's or region's side of a task."""
    where: dict[str, Any] = {key: value for key, value in (("region", region), ("endpoint", endpoint)) if value}
    keys: dict[str, Any] = {}
    if profile:
        keys = {"profile_name": profile, "aws_access_key_id": None, "aws_secret_access_key": None, "aws_session_token": None}
    if role_arn:
        sts = module.client("sts", retry_decorator=retry_decorator(), config=CLIENT_CONFIG, **dict(keys, **({"region": region} if region else {})))
        found = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name or "stowage-ecr", aws_retry=True)["Credentials"]
        keys = {"profile_name": None, "aws_access_key_id": found["AccessKeyId"], "aws_secret_access_key": found["SecretAccessKey"]}
        keys["aws_session_token"] = found["SessionToken"]
    return module.client(service, retry_decorator=retry_decorator(), config=CLIENT_CONFIG, **where, **keys)


def pages(aws_client: Any, operation: str, key: str, page_size: int | None = None, **kwargs: Any) -> list[Any]:
    """Every ``key`` entry of ``operation``'s pages (botocore's paginator, ``page_size`` to a call when
    given), the whole walk retried as one call."""
    if page_size:
        kwargs["PaginationConfig"] = {"PageSize": page_size}

    @retry_decorator()
    def walk() -> dict[str, Any]:
        return aws_client.get_paginator(operation).paginate(**kwargs).build_full_result()

    return list(walk().get(key, []))


def parallel(func: Callable[[Any], Any], items: list[Any], workers: int = WORKERS) -> list[Any]:
    """``func`` over ``items`` on at most ``workers`` threads (boto3 clients are thread-safe), in order."""
    items = list(items)
    if len(items) <= 1 or workers <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(func, items))


class Budget:
    """At most ``limit`` units (bytes of parts in memory) held at once by the threads that ``acquire`` and
    ``release`` them. An amount larger than the limit is granted when nothing else is held, so that it waits its
    turn rather than forever."""

    def __init__(self, limit: int):
        self.limit = limit
        self.held = 0
        self._changed = threading.Condition()

    def acquire(self, amount: int) -> None:
        with self._changed:
            while self.held and self.held + amount > self.limit:
                self._changed.wait()
            self.held += amount

    def release(self, amount: int) -> None:
        with self._changed:
            self.held -= amount
            self._changed.notify_all()


def backoff(attempt: int, first: float = 1.0, cap: float = 15.0) -> float:
    """Seconds to wait before poll ``attempt`` (0, 1, ...): doubling from ``first``, at most ``cap``."""
    return float(min(cap, first * (2 ** min(attempt, 10))))


def poll(
    fetch: Callable[[Any], Any],
    settled: Callable[[Any], bool],
    timeout: float,
    answer: Any = None,
    first: float = 1.0,
    cap: float = 15.0,
    cut_last_wait: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """``fetch(previous answer)`` until ``settled(answer)`` or ``timeout`` seconds are spent; the waits between
    the calls double from ``first`` up to ``cap``. ``answer`` is one got already (else the first call is
    made at once). With ``cut_last_wait`` a wait longer than the time left is cut to it (and one more call
    made after it); without, no wait runs past the timeout. Returns the last answer, settled or not."""
    started = clock()
    if answer is None:
        answer = fetch(None)
    attempt = 0
    while not settled(answer):
        delay = backoff(attempt, first, cap)
        left = timeout - (clock() - started)
        if cut_last_wait:
            if left <= 0:
                break
            delay = min(delay, left)
        elif delay > left:
            break
        sleep(delay)
        attempt += 1
        answer = fetch(answer)
    return answer


def known_regions() -> list[str]:
    """Every region of every partition in botocore's endpoint data, sorted."""
    return list(_known_regions())


@functools.lru_cache(maxsize=1)
def _known_regions() -> tuple[str, ...]:
    # read once a process, with botocore's data loader alone (a whole session would also register its hundreds of
    # event handlers, for nothing here), from its partition data: the regions its endpoint rules know, 7 KB (its
    # older endpoint data, 1.2 MB, took 20 to 30 ms to parse on every module run); that data where a botocore
    # has no partition data
    regions: set[str] = set()
    loader = botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))
    try:
        partitions = loader.load_data("partitions").get("partitions", [])
    except botocore.exceptions.DataNotFoundError:
        partitions = loader.load_data("endpoints").get("partitions", [])
    for partition in partitions:
        # not the partitions' global endpoints (aws-global and the like): no ECR region
        regions.update(name for name in partition.get("regions", {}) if not name.endswith("-global"))
    return tuple(sorted(regions))


def botocore_version() -> str:
    return str(getattr(botocore, "__version__", ""))


class AwsApi:
    """One service's client for ``module`` (an AnsibleAWSModule), with the other services' clients made once
    on first use and shared by copies, and the KMS and STS look-ups."""

    service = ""

    def __init__(self, module: Any, workers: int = WORKERS, aws_client: Any = None):
        self.module = module
        self.workers = workers
        self.client = aws_client if aws_client is not None else client(module, self.service)
        self._clients: dict[str, Any] = {}
        self._kms_arns: dict[str, str | None] = {}

    @property
    def region(self) -> str:
        return str(self.client.meta.region_name)

    def other(self, service: str) -> Any:
        """The client of another ``service`` (kms, sts), made on first use."""
        if service not in self._clients:
            self._clients[service] = client(self.module, service)
        return self._clients[service]

    def pages(self, operation: str, key: str, page_size: int | None = None, **kwargs: Any) -> list[Any]:
        return pages(self.client, operation, key, page_size, **kwargs)

    def parallel(self, func: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        return parallel(func, items, self.workers)

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """``operation`` of this API's client, retried."""
        return dict(getattr(self.client, operation)(aws_retry=True, **kwargs))

    def call_unless(self, code: str, operation: str, **kwargs: Any) -> dict[str, Any] | None:
        """``call``, or None when ECR answers with the error ``code``: the thing to read is not there, or a write
        finds it done already (RepositoryAlreadyExistsException, ExclusionNotFoundException, ...)."""
        try:
            return self.call(operation, **kwargs)
        except is_boto3_error_code(code):
            return None

    def caller_account(self) -> str:
        """The caller's account id (STS GetCallerIdentity)."""
        return str(self.other("sts").get_caller_identity(aws_retry=True)["Account"])

    def kms_key_arn(self, key: str) -> str | None:
        """The ARN of a KMS key given as alias, alias ARN, key id or key ARN (KMS DescribeKey); None when KMS
        has no such key. Answers are kept: a key is looked up once."""
        if key not in self._kms_arns:
            try:
                self._kms_arns[key] = str(self.other("kms").describe_key(aws_retry=True, KeyId=key)["KeyMetadata"]["Arn"])
            except is_boto3_error_code("NotFoundException"):
                self._kms_arns[key] = None
        return self._kms_arns[key]
