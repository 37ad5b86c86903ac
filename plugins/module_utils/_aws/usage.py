# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What runs where images are used: the ECS and Lambda reads of one region and account (``UsageApi``), on
``core``'s clients, retries, paging and thread pool. Reads only; they return AWS's shapes."""

from __future__ import annotations

from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import WORKERS, client, pages, parallel

# DescribeTasks takes at most 100 task ARNs a call (ECS API Reference)
TASKS_BATCH = 100
SESSION_NAME = "stowage-ecr-image-cleanup"


def place_of(module: Any, region: str | None = None, profile: str | None = None, assume_role_arn: str | None = None) -> dict[str, Any]:
    """The client arguments of a usage source: its region, a profile instead of the task's credentials, or the
    credentials of a role assumed with STS AssumeRole."""
    place: dict[str, Any] = {}
    if region:
        place["region"] = region
    if profile:
        place.update(profile_name=profile, aws_access_key_id=None, aws_secret_access_key=None, aws_session_token=None)
    if assume_role_arn:
        sts = client(module, "sts", **place)
        credentials = sts.assume_role(aws_retry=True, RoleArn=assume_role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
        place.update(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
    return place


class UsageApi:
    """ECS and Lambda of one region and account (``place`` as ``place_of`` gives it; the task's own by default)."""

    def __init__(self, module: Any, place: dict[str, Any] | None = None, workers: int = WORKERS):
        self.module = module
        self.place = dict(place or {})
        self.workers = workers
        self._clients: dict[str, Any] = {}

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = client(self.module, service, **self.place)
        return self._clients[service]

    @property
    def region(self) -> str:
        return str(self._client("ecs").meta.region_name)

    def task_definitions(self) -> list[dict[str, Any]]:
        """Every ACTIVE task definition revision (ListTaskDefinitions, then DescribeTaskDefinition of each, concurrently)."""
        ecs = self._client("ecs")
        arns = pages(ecs, "list_task_definitions", "taskDefinitionArns", status="ACTIVE")
        return parallel(lambda arn: ecs.describe_task_definition(aws_retry=True, taskDefinition=arn)["taskDefinition"], arns, self.workers)

    def running_tasks(self) -> list[dict[str, Any]]:
        """Every task whose desired status is RUNNING, in every cluster (ListClusters, ListTasks, DescribeTasks 100 a call)."""
        ecs = self._client("ecs")
        clusters = pages(ecs, "list_clusters", "clusterArns")

        def listed(cluster: str) -> list[tuple[str, list[str]]]:
            arns = pages(ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus="RUNNING")
            return [(cluster, arns[i : i + TASKS_BATCH]) for i in range(0, len(arns), TASKS_BATCH)]

        batches = [batch for found in parallel(listed, clusters, self.workers) for batch in found]

        def described(batch: tuple[str, list[str]]) -> list[dict[str, Any]]:
            return list(ecs.describe_tasks(aws_retry=True, cluster=batch[0], tasks=batch[1]).get("tasks", []))

        return [task for found in parallel(described, batches, self.workers) for task in found]

    def image_functions(self) -> list[dict[str, Any]]:
        """GetFunction of every function packaged as a container image (ListFunctions says which), concurrently:
        its ``Configuration`` and ``Code`` (``ImageUri``, ``ResolvedImageUri``)."""
        lam = self._client("lambda")
        functions = [f for f in pages(lam, "list_functions", "Functions") if f.get("PackageType") == "Image"]

        def got(function: dict[str, Any]) -> dict[str, Any]:
            answer = dict(lam.get_function(aws_retry=True, FunctionName=function["FunctionArn"]))
            answer.pop("ResponseMetadata", None)
            return answer

        return parallel(got, functions, self.workers)
