# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECR calls of one registry the modules make (repositories, lifecycle policies, images, their referrers and
signing status, scans, lifecycle policy previews, login tokens), on ``core``'s client, retries, paging and polling.

Reads return AWS's shapes (``_views.results`` makes the modules' views of them); an expected "not
found" is answered as None or False. Writes take plans in the
options' words (``repository.plan_create`` and ``plan_update``): ``create_call`` and
``change_call`` are the one place that maps them to API calls.
"""

from __future__ import annotations

import copy
import json
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterable

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import WORKERS, AwsApi, Budget, poll
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import MANAGED_KMS_ALIAS
from ansible_collections.stowage.ecr.plugins.module_utils._oci.part import EncodedPart
from ansible_collections.stowage.ecr.plugins.module_utils._plans.copy import LAYER_CHECK_MAX, PARTS_HELD, part_size
from ansible_collections.stowage.ecr.plugins.module_utils._plans.images import ACCEPTED_MEDIA_TYPES, IMAGE_IDS_MAX, SCAN_WAITING
from ansible_collections.stowage.ecr.plugins.module_utils.errors import AWS_ERRORS, InputError, LookupFailed

DESCRIBE_BATCH = 100
# BatchGetRepositoryScanningConfiguration's most names a call (repositoryNames: 1 to 25, botocore's ECR model)
SCANNING_BATCH = 25
MISSING_NAME_RE = re.compile(r"repository with name '([^']+)' does not exist")
PAGE = 1000  # the largest page DescribeImages and DescribeImageScanFindings serve
REFERRERS_PAGE = 50  # ListImageReferrers' largest page (maxResults 1 to 50; 20 when not given)
PREVIEW_PAGE = 100  # GetLifecyclePolicyPreview's largest page
PREVIEW_POLL_FIRST, PREVIEW_POLL_MAX = 1.0, 10.0
PREVIEW_SETTLED = ("COMPLETE", "FAILED", "EXPIRED")


def _chunks(items: list[Any], size: int = IMAGE_IDS_MAX) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class EcrApi(AwsApi):
    """ECR calls for one registry. ``module`` is an AnsibleAWSModule."""

    service = "ecr"

    def __init__(self, module: Any, registry_id: str | None = None, workers: int = WORKERS, aws_client: Any = None):
        super().__init__(module, workers, aws_client)
        self.registry_id = registry_id

    def for_registry(self, registry_id: str | None) -> EcrApi:
        """This API for the registry ``registry_id`` (a listing's ``registryId``); itself when that is its registry
        or none is given. The copy shares the client and the KMS cache."""
        if not registry_id or registry_id == self.registry_id:
            return self
        other = copy.copy(self)
        other.registry_id = registry_id
        return other

    def scoped(self, **kwargs: Any) -> dict[str, Any]:
        if self.registry_id:
            kwargs["registryId"] = self.registry_id
        return kwargs

    # reads -----------------------------------------------------------------

    def describe(self, name: str) -> dict[str, Any] | None:
        """The DescribeRepositories entry of one repository, or None when there is none."""
        answer = self.call_unless("RepositoryNotFoundException", "describe_repositories", **self.scoped(repositoryNames=[name]))
        return answer["repositories"][0] if answer and answer["repositories"] else None

    def scanning_configurations(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """BatchGetRepositoryScanningConfiguration of the caller's registry for ``names``, 25 a call, the calls
        concurrent: each found repository's configuration by name; the names ECR reports as failures are left out.
        The operation takes no registry id: it reads the caller's own registry only."""
        names = list(dict.fromkeys(names))
        found: dict[str, dict[str, Any]] = {}
        for answer in self.parallel(self._scanning_batch, _chunks(names, SCANNING_BATCH)):
            for config in answer:
                found[config["repositoryName"]] = config
        return found

    def _scanning_batch(self, names: list[str]) -> list[dict[str, Any]]:
        return list(self.call("batch_get_repository_scanning_configuration", repositoryNames=names).get("scanningConfigurations", []))

    def describe_many(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """DescribeRepositories for many names, 100 a call; names that do not exist are left out."""
        names = list(dict.fromkeys(names))
        batches = [names[i : i + DESCRIBE_BATCH] for i in range(0, len(names), DESCRIBE_BATCH)]
        found: dict[str, dict[str, Any]] = {}
        for repos in self.parallel(self._describe_batch, batches):
            for repo in repos:
                found[repo["repositoryName"]] = repo
        return found

    def _describe_batch(self, names: list[str]) -> list[dict[str, Any]]:
        names = list(names)
        while names:
            try:
                return self.call("describe_repositories", **self.scoped(repositoryNames=names))["repositories"]
            except is_boto3_error_code("RepositoryNotFoundException") as e:
                # ECR fails the whole call for one missing name, and names it: drop it and ask again
                missing = MISSING_NAME_RE.search(str(e))
                if not missing or missing.group(1) not in names:
                    return [repo for repo in self.parallel(self.describe, names) if repo]
                names.remove(missing.group(1))
        return []

    def describe_all(self) -> list[dict[str, Any]]:
        """Every repository of the registry, following pagination."""

        return self.pages("describe_repositories", "repositories", **self.scoped())

    def tags(self, arn: str) -> list[dict[str, str]]:
        """ListTagsForResource's tags: [{"Key": .., "Value": ..}]."""
        return self.call("list_tags_for_resource", resourceArn=arn).get("tags", [])

    def repository_policy(self, name: str) -> dict[str, Any] | None:
        answer = self.call_unless("RepositoryPolicyNotFoundException", "get_repository_policy", **self.scoped(repositoryName=name))
        return None if answer is None else json.loads(answer["policyText"])

    def lifecycle_policy(self, name: str) -> dict[str, Any] | None:
        """The lifecycle policy as a dict, or None. RepositoryNotFoundException is left to the caller."""
        answer = self.call_unless("LifecyclePolicyNotFoundException", "get_lifecycle_policy", **self.scoped(repositoryName=name))
        return None if answer is None else json.loads(answer["lifecyclePolicyText"])

    def predicted_location(self, name: str) -> dict[str, str | None]:
        """The ARN, registry id and URI a new repository will get (STS tells the account when no registry_id is given)."""
        account = self.registry_id
        if not account:
            try:
                account = self.caller_account()
            except AWS_ERRORS:
                return {"arn": None, "registry_id": None, "uri": None}
        region = self.client.meta.region_name
        partition = self.client.meta.partition
        suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
        return {
            "arn": "arn:%s:ecr:%s:%s:repository/%s" % (partition, region, account, name),
            "registry_id": account,
            "uri": "%s.dkr.ecr.%s.%s/%s" % (account, region, suffix, name),
        }

    def describe_images(self, name: str, tag_status: str = "ANY", image_status: str = "ANY") -> list[dict[str, Any]]:
        """Every DescribeImages entry of a repository with these filters, 1000 to a call (the largest page ECR
        serves). Archived and restoring images too by default: left unfiltered, ECR gives active ones only."""
        filters = {"tagStatus": tag_status}
        # a botocore older than ECR's archive storage class knows no image status (and ECR then has none to filter)
        if "imageStatus" in self.client.meta.service_model.shape_for("DescribeImagesFilter").members:
            filters["imageStatus"] = image_status
        return self.pages("describe_images", "imageDetails", PAGE, **self.scoped(repositoryName=name, filter=filters))

    def has_images(self, name: str) -> bool:
        return bool(self.call("list_images", **self.scoped(repositoryName=name, maxResults=1)).get("imageIds"))

    def resolve_kms_key(self, key: str | None) -> str | None:
        """The ARN of a KMS key given as alias, alias ARN, key id or key ARN (KMS DescribeKey).

        Never ends the module (it runs on ecr_repositories' worker threads): an unknown key raises
        InputError, any other failure LookupFailed."""
        if not key:
            return key
        try:
            arn = self.kms_key_arn(key)
        except AWS_ERRORS as e:
            raise LookupFailed("kms_key: could not look up %r with KMS DescribeKey" % key, e) from e
        # AWS creates its managed key on first use: none yet means no repository uses it
        if arn is None and key != MANAGED_KMS_ALIAS:
            raise InputError("kms_key: KMS has no key %r in this region and account; give an existing alias, key id or key ARN" % key)
        return arn

    # writes ----------------------------------------------------------------

    def create(self, create: dict[str, Any]) -> dict[str, Any] | None:
        """CreateRepository of a plan_create plan; the new repository's DescribeRepositories entry, or None
        when the repository exists already (another run created it meanwhile)."""
        answer = self.call_unless("RepositoryAlreadyExistsException", "create_repository", **create_call(create))
        return None if answer is None else dict(answer["repository"])

    def delete(self, name: str, force: bool | None = None) -> bool:
        """DeleteRepository (with ``force`` when given); False when the repository is gone already.
        RepositoryNotEmptyException is left to the caller."""
        kwargs: dict[str, Any] = {} if force is None else {"force": force}
        return self.call_unless("RepositoryNotFoundException", "delete_repository", **self.scoped(repositoryName=name, **kwargs)) is not None

    def put_lifecycle_policy(self, name: str, text: str) -> None:
        self.call("put_lifecycle_policy", **self.scoped(repositoryName=name, lifecyclePolicyText=text))

    def delete_lifecycle_policy(self, name: str) -> bool:
        """DeleteLifecyclePolicy; False when the repository had none."""
        return self.call_unless("LifecyclePolicyNotFoundException", "delete_lifecycle_policy", **self.scoped(repositoryName=name)) is not None

    def apply(self, name: str, arn: str | None, change: tuple[str, Any]) -> None:
        """One change of a plan_update plan; tag calls go by ARN, the rest by name and registry."""
        operation, kwargs = change_call(change)
        if operation in BY_ARN:
            self.call(operation, resourceArn=arn, **kwargs)
        else:
            self.call(operation, **self.scoped(repositoryName=name, **kwargs))

    # images ----------------------------------------------------------------

    def describe_image_ids(self, name: str, ids: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        """The DescribeImages entries of ``ids`` (100 to a call), and the ids no image answers to.

        ECR fails a whole call for one missing id: that call is then made again one id at a time."""
        found: list[dict[str, Any]] = []
        missing: list[dict[str, str]] = []
        for chunk in _chunks(ids):
            try:
                found.extend(self.call("describe_images", **self.scoped(repositoryName=name, imageIds=chunk))["imageDetails"])
            except is_boto3_error_code("ImageNotFoundException"):
                for ident in chunk:
                    try:
                        found.extend(self.call("describe_images", **self.scoped(repositoryName=name, imageIds=[ident]))["imageDetails"])
                    except is_boto3_error_code("ImageNotFoundException"):
                        missing.append(ident)
        unique = {image["imageDigest"]: image for image in found}
        return list(unique.values()), missing

    def images_unless_no_repository(self, name: str, ids: list[dict[str, str]]) -> list[dict[str, Any]] | None:
        """``describe_image_ids``' images, or None when the repository does not exist."""
        try:
            return self.describe_image_ids(name, ids)[0]
        except is_boto3_error_code("RepositoryNotFoundException"):
            return None

    def poll_image(
        self,
        name: str,
        digest: str,
        settled: Callable[[dict[str, Any]], bool],
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict[str, Any]:
        """The DescribeImages entry of ``digest``, read again with backoff until ``settled`` or ``timeout`` seconds are spent."""
        return dict(
            poll(
                lambda last: (self.describe_image_ids(name, [{"imageDigest": digest}])[0] or [last or {}])[0],
                settled,
                timeout,
                sleep=sleep,
                clock=clock,
            )
        )

    def batch_get_images(self, name: str, digests: list[str]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """BatchGetImage of ``digests`` (100 to a call) with every manifest media type accepted, so that ECR
        returns each manifest as stored: the images by digest, and the failures ECR reported."""
        got: dict[str, dict[str, Any]] = {}
        failures: list[dict[str, Any]] = []
        for chunk in _chunks(digests):
            ids = [{"imageDigest": d} for d in chunk]
            response = self.call("batch_get_image", **self.scoped(repositoryName=name, imageIds=ids, acceptedMediaTypes=ACCEPTED_MEDIA_TYPES))
            for image in response.get("images", []):
                got[image["imageId"]["imageDigest"]] = image
            failures.extend(response.get("failures", []))
        return got, failures

    def batch_delete_images(self, name: str, ids: list[dict[str, str]]) -> list[dict[str, Any]]:
        """BatchDeleteImage of ``ids``, 100 to a call, until a call reports failures other than ImageNotFound
        (an image gone already): those failures ([] when there are none)."""
        for chunk in _chunks(ids):
            response = self.call("batch_delete_image", **self.scoped(repositoryName=name, imageIds=chunk))
            failures = [f for f in response.get("failures", []) if f.get("failureCode") != "ImageNotFound"]
            if failures:
                return failures
        return []

    def put_image(self, name: str, manifest: str, media_type: str | None, tag: str | None, digest: str) -> bool:
        """PutImage of a manifest under ``tag`` (None: untagged, as an index's children are); False when the tag
        (or, untagged, the repository) holds the image already."""
        kwargs = self.scoped(repositoryName=name, imageManifest=manifest, imageManifestMediaType=media_type, imageDigest=digest)
        if tag is not None:
            kwargs["imageTag"] = tag
        return self.call_unless("ImageAlreadyExistsException", "put_image", **kwargs) is not None

    # layers ----------------------------------------------------------------

    def layer_download_url(self, name: str, digest: str) -> str:
        """GetDownloadUrlForLayer: the URL (pre-signed, a credential while valid) that serves the layer's bytes."""
        return str(self.call("get_download_url_for_layer", **self.scoped(repositoryName=name, layerDigest=digest))["downloadUrl"])

    def layers_available(self, name: str, digests: list[str]) -> dict[str, bool]:
        """BatchCheckLayerAvailability of ``digests`` (100 to a call): digest -> whether the repository holds it."""
        held: dict[str, bool] = {digest: False for digest in digests}
        for chunk in _chunks(digests, LAYER_CHECK_MAX):
            answer = self.call("batch_check_layer_availability", **self.scoped(repositoryName=name, layerDigests=chunk))
            for layer in answer.get("layers") or []:
                if layer.get("layerAvailability") == "AVAILABLE":
                    held[layer["layerDigest"]] = True
        return held

    def upload_layer(
        self,
        name: str,
        digest: str,
        parts: Callable[[int], Iterable[bytes | bytearray | EncodedPart]],
        size: int = 0,
        budget: Budget | None = None,
    ) -> int:
        """One layer written: InitiateLayerUpload, an UploadLayerPart for each of ``parts(part_size)`` (the size
        InitiateLayerUpload asks for, within ECR's limits), CompleteLayerUpload with ``digest``. A layer the
        repository holds meanwhile is done (LayerAlreadyExistsException). Returns the bytes sent.

        A part is sent while the next one is read (ECR takes an upload's parts in order: one in flight at a time).
        Each part read holds its bytes of ``budget`` (shared by the layers copied at once; ``PARTS_HELD`` for this
        layer alone when None) until it is sent: ``size``, the layer's size when known, sizes its last part."""
        _send_encoded_parts(self.client)
        started = self.call("initiate_layer_upload", **self.scoped(repositoryName=name))
        upload_id = started["uploadId"]
        each = part_size(started.get("partSize"))
        budget = budget if budget is not None else Budget(PARTS_HELD)
        reader = iter(parts(each))
        sent = 0
        with ThreadPoolExecutor(max_workers=1) as sender:
            pending: Future[None] | None = None
            while True:
                amount = min(each, size - sent) if size > sent else each
                budget.acquire(amount)
                try:
                    part = next(reader, None)
                    if pending is not None:
                        pending.result()  # the part before, sent
                except BaseException:
                    budget.release(amount)
                    raise
                if part is None:
                    budget.release(amount)
                    break
                kwargs = self.scoped(repositoryName=name, uploadId=upload_id, partFirstByte=sent, partLastByte=sent + len(part) - 1, layerPartBlob=part)
                sent += len(part)
                pending = sender.submit(self._send_part, kwargs, budget, amount)
                del part, kwargs  # held by the sender alone, and let go once sent
            if pending is not None:
                pending.result()
        self.call_unless("LayerAlreadyExistsException", "complete_layer_upload", **self.scoped(repositoryName=name, uploadId=upload_id, layerDigests=[digest]))
        return sent

    def _send_part(self, kwargs: dict[str, Any], budget: Budget, amount: int) -> None:
        try:
            self.call("upload_layer_part", **kwargs)
        finally:
            budget.release(amount)

    def update_image_storage_class(self, name: str, digest: str, target: str) -> None:
        self.call("update_image_storage_class", **self.scoped(repositoryName=name, imageId={"imageDigest": digest}, targetStorageClass=target))

    def image_referrers(self, name: str, digest: str, artifact_types: list[str] | None = None) -> list[dict[str, Any]]:
        """ListImageReferrers of the image ``digest``: the artifacts whose manifest names it as subject (signatures,
        SBOMs, attestations), every page, 50 to a call (botocore has no paginator for it). Artifacts of every status:
        left unfiltered, ECR lists active ones only. Only those of ``artifact_types`` when given (at most 5, ECR's limit)."""
        wanted: dict[str, Any] = {"artifactStatus": "ANY"}
        if artifact_types:
            wanted["artifactTypes"] = list(artifact_types)
        kwargs = self.scoped(repositoryName=name, subjectId={"imageDigest": digest}, filter=wanted, maxResults=REFERRERS_PAGE)
        page = self.call("list_image_referrers", **kwargs)
        referrers = list(page.get("referrers") or [])
        while page.get("nextToken"):
            page = self.call("list_image_referrers", nextToken=page["nextToken"], **kwargs)
            referrers.extend(page.get("referrers") or [])
        return referrers

    def image_signing_status(self, name: str, digest: str) -> dict[str, Any] | None:
        """DescribeImageSigningStatus of one image (``signingStatuses``: one status a signing profile whose rule the image
        matched), or None when the image is gone."""
        answer = self.call_unless(
            "ImageNotFoundException", "describe_image_signing_status", **self.scoped(repositoryName=name, imageId={"imageDigest": digest})
        )
        if answer is not None:
            answer.pop("ResponseMetadata", None)
        return answer

    def image_replication_status(self, name: str, digest: str) -> dict[str, Any] | None:
        """DescribeImageReplicationStatus of one image (``replicationStatuses``: region, registryId, status,
        failureCode for each destination), or None when the image or its repository is gone."""
        try:
            answer = self.call("describe_image_replication_status", **self.scoped(repositoryName=name, imageId={"imageDigest": digest}))
        except is_boto3_error_code(["ImageNotFoundException", "RepositoryNotFoundException"]):
            return None
        answer.pop("ResponseMetadata", None)
        return answer

    # image scans -----------------------------------------------------------

    def scan_findings(self, name: str, digest: str, every_page: bool) -> dict[str, Any] | None:
        """DescribeImageScanFindings of one image (with ``every_page``, every page's findings in one answer),
        or None when the image has no scan."""
        kwargs = self.scoped(repositoryName=name, imageId={"imageDigest": digest}, maxResults=PAGE)
        try:
            response = self.call("describe_image_scan_findings", **kwargs)
            token = response.get("nextToken")
            findings = response.setdefault("imageScanFindings", {})
            while every_page and token:
                more = self.call("describe_image_scan_findings", nextToken=token, **kwargs)
                extra = more.get("imageScanFindings") or {}
                for key in ("findings", "enhancedFindings"):
                    if extra.get(key):
                        findings.setdefault(key, []).extend(extra[key])
                token = more.get("nextToken")
        except is_boto3_error_code("ScanNotFoundException"):
            return None
        response.pop("nextToken", None)
        return response

    def start_image_scan(self, name: str, digest: str) -> bool:
        """StartImageScan; False when ECR refuses it as the image was scanned within the last 24 hours."""
        return self.call_unless("LimitExceededException", "start_image_scan", **self.scoped(repositoryName=name, imageId={"imageDigest": digest})) is not None

    def wait_for_scan(
        self,
        name: str,
        digest: str,
        every_page: bool,
        response: dict[str, Any],
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict[str, Any]:
        """The scan findings of ``response`` read again, with backoff, until the scan is no longer in progress
        or ``timeout`` seconds are spent (the last wait cut to the time left): the last answer."""
        return poll(
            lambda last: self.scan_findings(name, digest, every_page) or last,
            lambda answer: (answer.get("imageScanStatus") or {}).get("status") not in SCAN_WAITING,
            timeout,
            answer=response,
            sleep=sleep,
            clock=clock,
        )

    # lifecycle policy preview ----------------------------------------------

    def lifecycle_policy_preview(
        self,
        name: str,
        text: str,
        wait_timeout: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> tuple[str | None, list[dict[str, Any]]]:
        """StartLifecyclePolicyPreview of the policy ``text``, then GetLifecyclePolicyPreview polled with backoff
        until the preview is COMPLETE, FAILED or EXPIRED, no wait running past ``wait_timeout`` seconds.
        Returns the last status and, when COMPLETE, every page's previewResults."""
        self.call("start_lifecycle_policy_preview", **self.scoped(repositoryName=name, lifecyclePolicyText=text))
        page = poll(
            lambda _last: self.call("get_lifecycle_policy_preview", **self.scoped(repositoryName=name, maxResults=PREVIEW_PAGE)),
            lambda answer: answer.get("status") in PREVIEW_SETTLED,
            wait_timeout,
            first=PREVIEW_POLL_FIRST,
            cap=PREVIEW_POLL_MAX,
            cut_last_wait=False,
            sleep=sleep,
            clock=clock,
        )
        status = page.get("status")
        if status != "COMPLETE":
            return status, []
        results = list(page.get("previewResults") or [])
        while page.get("nextToken"):
            page = self.call("get_lifecycle_policy_preview", **self.scoped(repositoryName=name, maxResults=PREVIEW_PAGE, nextToken=page["nextToken"]))
            results.extend(page.get("previewResults") or [])
        return status, results

    # login -----------------------------------------------------------------

    def authorization_data(self, registry_ids: list[str] | None) -> list[dict[str, Any]]:
        """GetAuthorizationToken's authorizationData (of the caller's registry when no ids are given)."""
        kwargs = {"registryIds": list(registry_ids)} if registry_ids else {}
        return list(self.call("get_authorization_token", **kwargs)["authorizationData"])


# layer parts sent as read ------------------------------------------------------------------------

PART_CONTEXT = "stowage_ecr_encoded_part"


def _part_params(params: dict[str, Any], context: dict[str, Any], **_kwargs: Any) -> None:
    # before-parameter-build: an EncodedPart is set aside for the body, and botocore serialises an empty blob
    part = params.get("layerPartBlob")
    if isinstance(part, EncodedPart):
        context[PART_CONTEXT] = part
        params["layerPartBlob"] = b""


def _part_body(params: dict[str, Any], context: dict[str, Any], **_kwargs: Any) -> None:
    # before-call: the body botocore serialised (the call's other members) with the part's base64 text as
    # layerPartBlob, in the part's own buffer; botocore then signs and sends it as it would its own
    part = context.get(PART_CONTEXT)
    if part is None:
        return
    members = json.loads(params["body"])
    members.pop("layerPartBlob", None)
    head = (json.dumps(members)[:-1] + ", " if members else "{") + '"layerPartBlob": "'
    params["body"] = part.body(head.encode())


def _send_encoded_parts(aws_client: Any) -> None:
    """``aws_client`` made to send an EncodedPart given as UploadLayerPart's ``layerPartBlob``: botocore would
    hold a part four times over as it serialises it (the bytes, their base64 text, the JSON text, its bytes);
    the part's buffer is the body instead. Once a client (the handlers' ids)."""
    events = getattr(getattr(aws_client, "meta", None), "events", None)
    if events is None:
        return
    events.register("before-parameter-build.ecr.UploadLayerPart", _part_params, unique_id=PART_CONTEXT + "-params")
    events.register("before-call.ecr.UploadLayerPart", _part_body, unique_id=PART_CONTEXT + "-body")


# plans to calls --------------------------------------------------------------------------------

BY_ARN = ("tag_resource", "untag_resource")


def exclusion_filters(values: list[str]) -> list[dict[str, str]]:
    return [{"filterType": "WILDCARD", "filter": value} for value in values]


def aws_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def create_call(create: dict[str, Any]) -> dict[str, Any]:
    """The CreateRepository arguments of a plan_create plan (a setting that is None is ECR's default)."""
    kwargs: dict[str, Any] = {"repositoryName": create["name"]}
    if create.get("registry_id"):
        kwargs["registryId"] = create["registry_id"]
    if create.get("image_tag_mutability") is not None:
        kwargs["imageTagMutability"] = create["image_tag_mutability"]
        if create.get("image_tag_mutability_exclusion_filters"):
            kwargs["imageTagMutabilityExclusionFilters"] = exclusion_filters(create["image_tag_mutability_exclusion_filters"])
    if create.get("scan_on_push") is not None:
        kwargs["imageScanningConfiguration"] = {"scanOnPush": create["scan_on_push"]}
    if create.get("encryption_type") is not None:
        encryption = {"encryptionType": create["encryption_type"]}
        if create.get("kms_key"):
            encryption["kmsKey"] = create["kms_key"]
        kwargs["encryptionConfiguration"] = encryption
    if create.get("tags"):
        kwargs["tags"] = aws_tags(create["tags"])
    return kwargs


def change_call(change: tuple[str, Any]) -> tuple[str, dict[str, Any]]:
    """The API operation and its arguments (without the repository's name, registry or ARN) of one
    change of a plan_update plan."""
    what, value = change
    if what == "image_tag_mutability":
        kwargs: dict[str, Any] = {"imageTagMutability": value["mutability"]}
        if value["filters"]:
            kwargs["imageTagMutabilityExclusionFilters"] = exclusion_filters(value["filters"])
        return "put_image_tag_mutability", kwargs
    if what == "scan_on_push":
        return "put_image_scanning_configuration", {"imageScanningConfiguration": {"scanOnPush": value}}
    if what == "tags_removed":
        return "untag_resource", {"tagKeys": list(value)}
    if what == "tags_set":
        return "tag_resource", {"tags": aws_tags(value)}
    if what == "policy":
        return "set_repository_policy", {"policyText": json.dumps(value, sort_keys=True)}
    if what == "policy_removed":
        return "delete_repository_policy", {}
    raise ValueError("no call for the change %r" % what)
