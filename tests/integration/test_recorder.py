"""moto's request recorder, which the "nothing was written" assertions of the other tests rest on: it sees
writes that are made, sorts every ECR operation into read or write, and fails when it has no recording."""

from __future__ import annotations

import hashlib

import botocore.session
import pytest
from helpers import READ_PREFIXES, WRITE_PREFIXES, Recorder, client, run_play, unique, writes

LAYER_UPLOAD = ["InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage"]


def test_every_ecr_operation_is_a_read_or_a_write():
    operations = botocore.session.get_session().get_service_model("ecr").operation_names
    both = [op for op in operations if op.startswith(READ_PREFIXES) and op.startswith(WRITE_PREFIXES)]
    neither = [op for op in operations if not op.startswith(READ_PREFIXES) and not op.startswith(WRITE_PREFIXES)]
    assert both == [] and neither == [], "sort these ECR operations in tests/helpers.py: both %s, neither %s" % (both, neither)
    assert writes(LAYER_UPLOAD + ["BatchDeleteImage"]) == LAYER_UPLOAD + ["BatchDeleteImage"]
    assert writes(["BatchGetImage", "BatchCheckLayerAvailability", "BatchGetRepositoryScanningConfiguration", "DescribeImages"]) == []


def test_a_module_write_is_recorded_with_its_request(moto, tmp_path):
    name = unique("recorded")
    with Recorder(moto) as recorder:
        play = run_play([{"name": "repo", "stowage.ecr.ecr_repository": {"name": name, "tags": {"team": "a"}}}], tmp_path)
        requests = recorder.requests()
    assert play.rc == 0, play.failures()
    created = [body for op, body in requests if op == "CreateRepository"]
    assert [body["repositoryName"] for body in created] == [name]
    assert "CreateRepository" in writes([op for op, _body in requests])
    assert "DescribeRepositories" in [op for op, _body in requests]
    client("ecr").delete_repository(repositoryName=name, force=True)


def test_a_layer_upload_is_recorded_as_writes(moto):
    name = unique("recorded-push")
    ecr = client("ecr")
    ecr.create_repository(repositoryName=name)
    layer = b"a layer of a test image\n"
    digest = "sha256:" + hashlib.sha256(layer).hexdigest()
    manifest = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "layers": []}'
    with Recorder(moto) as recorder:
        ecr.batch_check_layer_availability(repositoryName=name, layerDigests=[digest])
        upload = ecr.initiate_layer_upload(repositoryName=name)["uploadId"]
        ecr.upload_layer_part(repositoryName=name, uploadId=upload, partFirstByte=0, partLastByte=len(layer) - 1, layerPartBlob=layer)
        ecr.complete_layer_upload(repositoryName=name, uploadId=upload, layerDigests=[digest])
        ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag="v1")
        ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": "v1"}])
        operations = recorder.operations()
    assert operations == ["BatchCheckLayerAvailability"] + LAYER_UPLOAD + ["BatchGetImage"]
    assert writes(operations) == LAYER_UPLOAD
    ecr.delete_repository(repositoryName=name, force=True)


def test_no_recording_fails_rather_than_finding_no_write(moto, tmp_path):
    elsewhere = dict(moto, recording=str(tmp_path / "not-where-moto-writes.jsonl"))
    with pytest.raises(AssertionError, match="recording .* is missing"):
        with Recorder(elsewhere):
            pass
    recorder = Recorder(moto)
    with recorder:
        pass
    recorder.path.unlink()
    with pytest.raises(AssertionError, match="no call, and so no write, can be ruled out"):
        writes(recorder.operations())
