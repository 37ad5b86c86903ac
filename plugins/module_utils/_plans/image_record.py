# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image facts the evaluators share (``lifecycle_eval`` and ``cleanup``): one typed record per image of a
repository, made from a DescribeImages entry in AWS's camelCase or in snake_case. Pure."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

# DescribeImages' imageStatus as a lifecycle rule's storageClass; ACTIVATING (a restore in flight) is neither
STATUS_CLASS = {"ACTIVE": "standard", "ARCHIVED": "archive"}
INDEX_MEDIA_TYPES = ("application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json")


def as_time(value: Any) -> datetime.datetime | None:
    """A timezone-aware datetime of a datetime or an ISO 8601 string (naive ones are UTC); None for none."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if not isinstance(value, datetime.datetime):
        raise ValueError("%r is not a time" % (value,))
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _field(detail: dict[str, Any], camel: str, snake: str) -> Any:
    return detail[camel] if detail.get(camel) is not None else detail.get(snake)


@dataclass(frozen=True)
class ImageRecord:
    """One image of a repository, as DescribeImages tells it."""

    digest: str
    tags: tuple[str, ...] = ()
    pushed_at: datetime.datetime | None = None
    last_pulled_at: datetime.datetime | None = None
    last_archived_at: datetime.datetime | None = None
    status: str = "ACTIVE"
    size: int = 0
    manifest_media_type: str | None = None
    artifact_media_type: str | None = None
    subject_digest: str | None = None
    repository: str | None = None

    @classmethod
    def of(cls, detail: ImageRecord | dict[str, Any]) -> ImageRecord:
        """The record of a DescribeImages entry (camelCase or snake_case); a record stays as it is."""
        if isinstance(detail, ImageRecord):
            return detail
        tags = _field(detail, "imageTags", "image_tags") or []
        return cls(
            digest=str(_field(detail, "imageDigest", "image_digest")),
            tags=tuple(t for t in tags if isinstance(t, str) and t),
            pushed_at=as_time(_field(detail, "imagePushedAt", "image_pushed_at")),
            last_pulled_at=as_time(_field(detail, "lastRecordedPullTime", "last_recorded_pull_time")),
            last_archived_at=as_time(_field(detail, "lastArchivedAt", "last_archived_at")),
            status=str(_field(detail, "imageStatus", "image_status") or "ACTIVE").upper(),
            size=int(_field(detail, "imageSizeInBytes", "image_size_in_bytes") or 0),
            manifest_media_type=_field(detail, "imageManifestMediaType", "image_manifest_media_type"),
            artifact_media_type=_field(detail, "artifactMediaType", "artifact_media_type"),
            subject_digest=_field(detail, "subjectManifestDigest", "subject_manifest_digest"),
            repository=_field(detail, "repositoryName", "repository_name"),
        )

    @property
    def storage_class(self) -> str | None:
        """standard or archive; None while a restore is in flight (ACTIVATING): no rule selects such an image."""
        return STATUS_CLASS.get(self.status)

    @property
    def is_index(self) -> bool:
        """Whether the manifest is an image index (a manifest list): it names other images of the repository."""
        return self.manifest_media_type in INDEX_MEDIA_TYPES

    @property
    def last_used_at(self) -> datetime.datetime | None:
        """The last recorded pull, or the push when the image was never pulled (as lifecycle's sinceImagePulled)."""
        return self.last_pulled_at or self.pushed_at

    def newest_first(self) -> tuple[float, str]:
        """A sort key: the newest push first, the digest breaking ties."""
        return (-(self.pushed_at.timestamp() if self.pushed_at else float("-inf")), self.digest)

    def state(self) -> dict[str, Any]:
        """What a plan entry records of the image, to tell later whether it changed."""
        return {"tags": sorted(self.tags), "status": self.status, "last_pulled_at": iso(self.last_pulled_at), "pushed_at": iso(self.pushed_at)}
