"""Image storage classes, image status and last pull time: UpdateImageStorageClass, and DescribeImages,
BatchGetImage and StartImageScan over moto's own backend; the artifacts that refer to an image: ListImageReferrers.

What the stack relies on (the ECR API Reference's shape documentation in botocore's model, and the
ECR user guide's "Archiving an image"):

- ``DescribeImagesFilter.imageStatus``: "If not specified, only images with ACTIVE status are
  returned." A request by ``imageIds`` names its images, so no status default applies to it.
- ``UpdateImageStorageClass`` takes ``targetStorageClass`` ARCHIVE or STANDARD and answers the
  image's ``imageStatus``. Archiving is at once (ARCHIVED); a restore goes through ACTIVATING before
  ACTIVE (AWS: typically up to 20 minutes; here the image is ACTIVE once ``STOWAGE_STACK_RESTORE_SECONDS``, default
  0, have passed, so the next read sees it). A missing image is ``ImageNotFoundException``, a missing
  repository ``RepositoryNotFoundException``. A change the image is not in a state for (archiving an
  archived or activating image, restoring an active or activating one) is
  ``ImageStorageClassUpdateNotSupportedException`` ("The requested image storage class update is not
  supported."); AWS does not document which code it uses there, this is the stack's choice.
- Archived images cannot be pulled ("Requests to pull the archived image will fail with a 404
  error"): BatchGetImage reports them as a failure ``ImageNotFound`` (the registry's 404), and
  StartImageScan refuses them with ``ImageArchivedException`` ("The specified image is archived and
  cannot be scanned.").
- ``lastRecordedPullTime`` is "when Amazon ECR recorded the last image pull", and a pull is one
  BatchGetImage call for the manifest: here every image BatchGetImage returns gets the time of the call
  (moto serves no GetDownloadUrlForLayer). AWS refreshes it at least once every 24 hours, so exact times
  are the stack's simplification.
- DescribeImages pages with ``maxResults`` (1 to 1000, default 100 here) and ``nextToken``; moto itself
  ignores ``maxResults``.

- DescribeImages gives a referrer's ``subjectManifestDigest`` (its manifest's ``subject.digest``) and its
  ``artifactMediaType`` (the manifest's ``artifactType``, else its ``config.mediaType``).

- ``ListImageReferrers`` lists the artifacts that refer to ``subjectId.imageDigest``: the images of the
  repository whose manifest has a ``subject`` with that digest (the OCI distribution spec's referrers).
  Each is ``digest``, ``mediaType`` (the manifest's), ``artifactType`` (the manifest's ``artifactType``, else
  its ``config.mediaType``, as the OCI spec's referrers API says), ``size`` (the manifest's length in bytes,
  the size of its descriptor; the stack's choice), ``annotations`` (the manifest's) and ``artifactStatus``.
  ``filter.artifactTypes`` keeps those types only; ``filter.artifactStatus``: "If not specified, only
  artifacts with ACTIVE status are returned" (ANY lists all). Pages with ``maxResults`` (1 to 50; "If this
  parameter is not used, then ListImageReferrers returns up to 20 results") and ``nextToken``. A missing
  repository is ``RepositoryNotFoundException``; a subject no image refers to has no referrers (the
  operation documents no ImageNotFoundException).

Not modelled: re-pushing an archived image restores it on AWS; image status of the children of an
archived image index; referrers of a pull through cache repository read upstream.

Images pushed to the stack's registry reach moto through ``registry_link.py``, at push.
"""

from __future__ import annotations

import datetime
import json
import os
from typing import Any, Dict, List, Optional, Tuple

from moto.ecr.models import Image

from .model import EcrError, ValidationException, now, operation, state

PAGE_DEFAULT = 100
REFERRERS_PAGE_DEFAULT = 20


def _status(backend, repository: str, image: Image) -> Dict[str, Any]:
    """The stack's record of one image (created ACTIVE); tied to the image object, so an image deleted
    and pushed again starts afresh."""
    records = state(backend, "images")
    key = (repository, image.get_image_digest())
    record = records.get(key)
    if record is None or record["image"] is not image:
        record = {"image": image, "imageStatus": "ACTIVE", "lastArchivedAt": None, "lastActivatedAt": None, "lastRecordedPullTime": None, "activeAt": None}
        records[key] = record
    if record["imageStatus"] == "ACTIVATING" and record["activeAt"] is not None and now() >= record["activeAt"]:
        record["imageStatus"] = "ACTIVE"
        record["activeAt"] = None
    return record


def _pushed_at(image: Image) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(image.image_pushed_at, tz=datetime.timezone.utc)


def _detail(backend, repository: str, image: Image, registry_id: str) -> Dict[str, Any]:
    record = _status(backend, repository, image)
    detail: Dict[str, Any] = {
        "registryId": registry_id,
        "repositoryName": repository,
        "imageDigest": image.get_image_digest(),
        "imagePushedAt": _pushed_at(image),
        "imageManifestMediaType": image.image_manifest_media_type,
        "imageStatus": record["imageStatus"],
    }
    if image.image_tags:
        detail["imageTags"] = list(image.image_tags)
    manifest = _manifest(image)
    if (manifest.get("subject") or {}).get("digest"):
        # a referrer names its subject (ImageDetail.subjectManifestDigest) and its artifact type
        detail["subjectManifestDigest"] = manifest["subject"]["digest"]
        artifact_type = manifest.get("artifactType") or (manifest.get("config") or {}).get("mediaType")
        if artifact_type:
            detail["artifactMediaType"] = artifact_type
    size = image.get_image_size_in_bytes()
    if size is not None:
        detail["imageSizeInBytes"] = size
    for name in ("lastRecordedPullTime", "lastArchivedAt", "lastActivatedAt"):
        if record[name] is not None:
            detail[name] = record[name]
    if image.last_scan:
        findings = backend.describe_image_scan_findings(registry_id, repository, {"imageDigest": image.get_image_digest()})
        detail["imageScanStatus"] = findings["imageScanStatus"]
        summary = {k: v for k, v in findings.get("imageScanFindings", {}).items() if k not in ("findings", "enhancedFindings")}
        for stamp in ("imageScanCompletedAt", "vulnerabilitySourceUpdatedAt"):
            if isinstance(summary.get(stamp), str):
                summary[stamp] = datetime.datetime.fromisoformat(summary[stamp].replace("Z", "+00:00"))
        detail["imageScanFindingsSummary"] = summary
    return detail


@operation("DescribeImages")
def describe_images(backend, params, account, region):
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    wanted = params.get("filter") or {}
    if params.get("imageIds"):
        images = list(dict.fromkeys(repository._get_image(i.get("imageTag"), i.get("imageDigest")) for i in params["imageIds"]))
        status_filter = wanted.get("imageStatus", "ANY")
    else:
        images = list(repository.images)
        status_filter = wanted.get("imageStatus", "ACTIVE")
    tag_status = wanted.get("tagStatus", "ANY")
    if tag_status == "TAGGED":
        images = [i for i in images if i.image_tags]
    elif tag_status == "UNTAGGED":
        images = [i for i in images if not i.image_tags]
    if status_filter != "ANY":
        images = [i for i in images if _status(backend, repository.name, i)["imageStatus"] == status_filter]
    start = _token(params.get("nextToken"))
    size = params.get("maxResults") or PAGE_DEFAULT
    page = images[start : start + size]
    result: Dict[str, Any] = {"imageDetails": [_detail(backend, repository.name, i, repository.registry_id) for i in page]}
    if start + size < len(images):
        result["nextToken"] = "stack-%d" % (start + size)
    return result


def _token(token: Optional[str]) -> int:
    if token is None:
        return 0
    if not token.startswith("stack-") or not token[6:].isdigit():
        raise EcrError("InvalidParameterException", "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid token'")
    return int(token[6:])


@operation("BatchGetImage")
def batch_get_image(backend, params, account, region):
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    found = backend.batch_get_image(params["repositoryName"], params.get("registryId"), params["imageIds"])
    images: List[Dict[str, Any]] = []
    failures = list(found["failures"])
    stamp = now()
    for image in found["images"]:
        record = _status(backend, repository.name, image)
        if record["imageStatus"] != "ACTIVE":
            failures.append(
                {
                    "imageId": {"imageDigest": image.get_image_digest()},
                    "failureCode": "ImageNotFound",
                    "failureReason": "Requested image is %s and cannot be pulled" % record["imageStatus"].lower(),
                }
            )
            continue
        record["lastRecordedPullTime"] = stamp
        images.append(
            {
                "registryId": repository.registry_id,
                "repositoryName": repository.name,
                "imageId": dict({"imageDigest": image.get_image_digest()}, **({"imageTag": image.image_tag} if image.image_tag else {})),
                "imageManifest": image.image_manifest,
                "imageManifestMediaType": image.image_manifest_media_type,
            }
        )
    return {"images": images, "failures": failures}


def image_named(backend, params) -> Tuple[Any, Image]:
    """The repository and the image that a request's ``repositoryName``, ``registryId`` and ``imageId`` name
    (RepositoryNotFoundException, ImageNotFoundException, or ValidationException for an imageId with neither
    digest nor tag)."""
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    image_id = params["imageId"]
    if not image_id.get("imageTag") and not image_id.get("imageDigest"):
        raise ValidationException("Invalid parameter at 'imageId': an imageDigest or an imageTag is required")
    return repository, repository._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))


@operation("UpdateImageStorageClass")
def update_image_storage_class(backend, params, account, region):
    repository, image = image_named(backend, params)
    image_id = params["imageId"]
    record = _status(backend, repository.name, image)
    target = params["targetStorageClass"]
    current = record["imageStatus"]
    if target == "ARCHIVE":
        if current != "ACTIVE":
            raise EcrError("ImageStorageClassUpdateNotSupportedException", "The image is %s; only an ACTIVE image can be archived" % current)
        record.update(imageStatus="ARCHIVED", lastArchivedAt=now())
    else:
        if current != "ARCHIVED":
            raise EcrError("ImageStorageClassUpdateNotSupportedException", "The image is %s; only an ARCHIVED image can be restored" % current)
        seconds = float(os.environ.get("STOWAGE_STACK_RESTORE_SECONDS", "0"))
        record.update(imageStatus="ACTIVATING", lastActivatedAt=now(), activeAt=now() + datetime.timedelta(seconds=seconds))
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "imageId": {k: v for k, v in image_id.items() if v},
        "imageStatus": record["imageStatus"],
    }


@operation("StartImageScan")
def start_image_scan(backend, params, account, region):
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    image_id = params["imageId"]
    image = repository._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
    if _status(backend, repository.name, image)["imageStatus"] != "ACTIVE":
        raise EcrError("ImageArchivedException", "The specified image is archived and cannot be scanned.")
    return backend.start_image_scan(params.get("registryId"), params["repositoryName"], image_id)


def _manifest(image: Image) -> Dict[str, Any]:
    try:
        parsed = json.loads(image.image_manifest)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _referrer(backend, repository: str, image: Image) -> Dict[str, Any]:
    manifest = _manifest(image)
    referrer: Dict[str, Any] = {
        "digest": image.get_image_digest(),
        "mediaType": manifest.get("mediaType") or image.image_manifest_media_type,
        "size": len(image.image_manifest.encode("utf-8")),
        "artifactStatus": _status(backend, repository, image)["imageStatus"],
    }
    artifact_type = manifest.get("artifactType") or (manifest.get("config") or {}).get("mediaType")
    if artifact_type:
        referrer["artifactType"] = artifact_type
    if manifest.get("annotations"):
        referrer["annotations"] = dict(manifest["annotations"])
    return referrer


@operation("ListImageReferrers")
def list_image_referrers(backend, params, account, region):
    repository = backend._get_repository(params["repositoryName"], params.get("registryId"))
    subject = params["subjectId"]["imageDigest"]
    wanted = params.get("filter") or {}
    status_filter = wanted.get("artifactStatus", "ACTIVE")
    types = wanted.get("artifactTypes")
    referrers = []
    for image in repository.images:
        if (_manifest(image).get("subject") or {}).get("digest") != subject:
            continue
        referrer = _referrer(backend, repository.name, image)
        if status_filter != "ANY" and referrer["artifactStatus"] != status_filter:
            continue
        if types and referrer.get("artifactType") not in types:
            continue
        referrers.append(referrer)
    start = _token(params.get("nextToken"))
    size = params.get("maxResults") or REFERRERS_PAGE_DEFAULT
    result: Dict[str, Any] = {"referrers": referrers[start : start + size]}
    if start + size < len(referrers):
        result["nextToken"] = "stack-%d" % (start + size)
    return result
