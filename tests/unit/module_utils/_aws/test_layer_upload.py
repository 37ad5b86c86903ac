"""A layer sent as it is read: parts read as their base64 text (EncodedPart) go out through botocore as the
very body it would send for their bytes, signed; a part is sent while the next is read, in order, within a
budget of parts held across layers; a part that fails stops the layer before CompleteLayerUpload."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import Budget, retry_decorator
from ansible_collections.stowage.ecr.plugins.module_utils._aws.ecr import EcrApi
from ansible_collections.stowage.ecr.plugins.module_utils._oci.blob import encoded_parts
from ansible_collections.stowage.ecr.plugins.module_utils._plans.copy import MIB

UPLOAD = "11111111-2222-3333-4444-555555555555"


class Raw:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_kwargs):
        yield self.data


class Ecr:
    """A boto3 ECR client whose requests are answered before they leave (botocore's before-send): what each
    carried, its body and headers as signed, is kept."""

    def __init__(self, fail_part: int | None = None):
        self.client = boto3.client("ecr", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        self.client.meta.events.register("before-send.ecr.*", self.answer)
        self.sent: list[tuple[str, dict, dict]] = []
        self.fail_part = fail_part
        self.lock = threading.Lock()

    def answer(self, request, **_kwargs):
        operation = request.headers["X-Amz-Target"].decode().rsplit(".", 1)[-1]
        body = json.loads(bytes(request.body))
        with self.lock:
            self.sent.append((operation, body, dict(request.headers)))
            parts = sum(1 for o, _b, _h in self.sent if o == "UploadLayerPart")
        if operation == "UploadLayerPart" and parts == self.fail_part:
            return AWSResponse(request.url, 400, {}, Raw(json.dumps({"__type": "InvalidLayerPartException", "message": "no"}).encode()))
        answers = {
            "InitiateLayerUpload": {"uploadId": UPLOAD, "partSize": 5 * MIB},
            "UploadLayerPart": {"uploadId": UPLOAD, "lastByteReceived": body.get("partLastByte", 0)},
            "CompleteLayerUpload": {"uploadId": UPLOAD, "layerDigest": (body.get("layerDigests") or [""])[0]},
        }
        return AWSResponse(request.url, 200, {}, Raw(json.dumps(answers[operation]).encode()))

    def api(self) -> EcrApi:
        module = type("Module", (), {"client": lambda *a, **k: None})()
        return EcrApi(module, registry_id="123456789012", aws_client=RetryingBotoClientWrapper(self.client, retry_decorator()))


def layer(size: int) -> tuple[bytes, str]:
    data = (bytes(range(251)) * (size // 251 + 1))[:size]
    return data, "sha256:" + hashlib.sha256(data).hexdigest()


def test_parts_read_as_text_go_out_as_botocore_would_send_their_bytes():
    data, digest = layer(12 * MIB + 7)
    ecr = Ecr()
    api = ecr.api()
    assert api.upload_layer("app", digest, lambda size: encoded_parts(io.BytesIO(data), digest, size), len(data)) == len(data)
    assert [o for o, _b, _h in ecr.sent] == ["InitiateLayerUpload", "UploadLayerPart", "UploadLayerPart", "UploadLayerPart", "CompleteLayerUpload"]
    parts = [(b, h) for o, b, h in ecr.sent if o == "UploadLayerPart"]
    assert b"".join(base64.b64decode(b["layerPartBlob"]) for b, _h in parts) == data
    assert [(b["partFirstByte"], b["partLastByte"]) for b, _h in parts] == [(0, 5 * MIB - 1), (5 * MIB, 10 * MIB - 1), (10 * MIB, 12 * MIB + 6)]
    assert all(b["registryId"] == "123456789012" and b["repositoryName"] == "app" and b["uploadId"] == UPLOAD for b, _h in parts)
    assert all(b"Signature=" in h["Authorization"] for _b, h in parts)

    # the same part as raw bytes through botocore's own serialiser: the same JSON document
    ecr_raw = Ecr()
    ecr_raw.api().upload_layer("app", digest, lambda size: [data[i : i + size] for i in range(0, len(data), size)])
    assert [b for o, b, _h in ecr_raw.sent if o == "UploadLayerPart"] == [b for b, _h in parts]


def test_a_part_refused_stops_the_layer_before_it_is_completed_and_gives_back_its_budget():
    data, digest = layer(11 * MIB)
    ecr = Ecr(fail_part=2)
    budget = Budget(10 * MIB)
    with pytest.raises(ClientError, match="InvalidLayerPartException"):
        ecr.api().upload_layer("app", digest, lambda size: encoded_parts(io.BytesIO(data), digest, size), len(data), budget)
    assert "CompleteLayerUpload" not in [o for o, _b, _h in ecr.sent] and budget.held == 0


def test_bytes_that_are_not_the_digest_are_never_completed():
    data, _digest = layer(6 * MIB)
    ecr = Ecr()
    with pytest.raises(Exception, match="are not that digest"):
        ecr.api().upload_layer("app", "sha256:" + "0" * 64, lambda size: encoded_parts(io.BytesIO(data), "sha256:" + "0" * 64, size), len(data))
    assert [o for o, _b, _h in ecr.sent] == ["InitiateLayerUpload", "UploadLayerPart", "UploadLayerPart"]


def test_a_layer_holds_no_more_parts_than_its_budget_allows():
    data, digest = layer(16 * MIB)
    ecr = Ecr()
    budget = Budget(5 * MIB)  # one part at a time: no part read while the one before is in flight
    peak = []
    acquire = budget.acquire

    def watched(amount):
        acquire(amount)
        peak.append(budget.held)

    budget.acquire = watched  # type: ignore[method-assign]
    ecr.api().upload_layer("app", digest, lambda size: encoded_parts(io.BytesIO(data), digest, size), len(data), budget)
    assert max(peak) == 5 * MIB and budget.held == 0
    assert len([o for o, _b, _h in ecr.sent if o == "UploadLayerPart"]) == 4
