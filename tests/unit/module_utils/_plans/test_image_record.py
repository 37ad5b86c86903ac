"""The image record both evaluators share, from DescribeImages' camelCase and from snake_case."""

from __future__ import annotations

import datetime

from ansible_collections.stowage.ecr.plugins.module_utils._plans.image_record import INDEX_MEDIA_TYPES, ImageRecord

UTC = datetime.timezone.utc


def test_camel_and_snake_make_the_same_record():
    camel = {
        "imageDigest": "sha256:a",
        "imageTags": ["v1", ""],
        "imagePushedAt": datetime.datetime(2026, 1, 2, tzinfo=UTC),
        "lastRecordedPullTime": "2026-01-05T00:00:00Z",
        "imageStatus": "ARCHIVED",
        "imageSizeInBytes": 42,
        "imageManifestMediaType": INDEX_MEDIA_TYPES[0],
        "subjectManifestDigest": "sha256:b",
        "repositoryName": "api",
    }
    snake = {
        "image_digest": "sha256:a",
        "image_tags": ["v1"],
        "image_pushed_at": "2026-01-02T00:00:00",
        "last_recorded_pull_time": datetime.datetime(2026, 1, 5, tzinfo=UTC),
        "image_status": "archived",
        "image_size_in_bytes": 42,
        "image_manifest_media_type": INDEX_MEDIA_TYPES[0],
        "subject_manifest_digest": "sha256:b",
        "repository_name": "api",
    }
    record = ImageRecord.of(camel)
    assert record == ImageRecord.of(snake) and ImageRecord.of(record) is record
    assert record.tags == ("v1",) and record.storage_class == "archive" and record.is_index and record.size == 42
    assert record.last_used_at == datetime.datetime(2026, 1, 5, tzinfo=UTC)
    assert record.state() == {"tags": ["v1"], "status": "ARCHIVED", "last_pulled_at": "2026-01-05T00:00:00+00:00", "pushed_at": "2026-01-02T00:00:00+00:00"}


def test_never_pulled_counts_the_push_and_activating_has_no_class():
    record = ImageRecord.of({"imageDigest": "sha256:a", "imagePushedAt": "2026-01-02T00:00:00+00:00", "imageStatus": "ACTIVATING"})
    assert record.last_used_at == record.pushed_at and record.storage_class is None and not record.is_index
