"""ecr_image_copy's flow (_flows/copy.py) on a fake ECR that holds manifests and blobs: the order of the writes,
nothing written a second time, a copy cut part-way and resumed, refusals before any write."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from ansible_collections.stowage.ecr.plugins.module_utils._flows import copy as copy_flow
from ansible_collections.stowage.ecr.plugins.module_utils._oci.part import EncodedPart
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, PartialFailure

from .test_images import FakeModule as ImageModule

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
WRITES = ("InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage", "UpdateImageStorageClass")


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class FakeEcr:
    """Repositories of manifests (digest -> text, media type, tags) and blobs (digest -> bytes)."""

    def __init__(self):
        self.repos = {}
        self.calls = []
        self.uploads = {}
        self.fail_complete_after = None
        self.meta = SimpleNamespace(region_name="eu-west-1", partition="aws")

    def repo(self, name, mutability="MUTABLE"):
        self.repos[name] = {"images": {}, "blobs": {}, "mutability": mutability}

    def put(self, name, document, tag=None, blobs=()):
        text = json.dumps(document)
        image = self.repos[name]["images"].setdefault(sha(text.encode()), {"text": text, "media": document["mediaType"], "tags": []})
        if tag:
            image["tags"].append(tag)
        for data in blobs:
            self.repos[name]["blobs"][sha(data)] = data
        return sha(text.encode())

    def _repo(self, name, operation):
        if name not in self.repos:
            raise error("RepositoryNotFoundException", operation)
        return self.repos[name]

    def describe_repositories(self, aws_retry=True, repositoryNames=(), **kwargs):
        self.calls.append("DescribeRepositories")
        name = repositoryNames[0]
        repo = self._repo(name, "DescribeRepositories")
        return {"repositories": [{"repositoryName": name, "imageTagMutability": repo["mutability"]}]}

    def describe_images(self, aws_retry=True, repositoryName="", imageIds=(), **kwargs):
        self.calls.append("DescribeImages")
        repo = self._repo(repositoryName, "DescribeImages")
        found = []
        for ident in imageIds:
            for digest, image in repo["images"].items():
                if ident.get("imageDigest") == digest or ident.get("imageTag") in image["tags"]:
                    found.append({"imageDigest": digest, "imageTags": list(image["tags"]), "imageStatus": "ACTIVE", "imageManifestMediaType": image["media"]})
        if len(imageIds) == 1 and not found:
            raise error("ImageNotFoundException", "DescribeImages")
        return {"imageDetails": found}

    def batch_get_image(self, aws_retry=True, repositoryName="", imageIds=(), **kwargs):
        self.calls.append("BatchGetImage")
        images = self._repo(repositoryName, "BatchGetImage")["images"]
        got = [
            {
                "imageId": {"imageDigest": i["imageDigest"]},
                "imageManifest": images[i["imageDigest"]]["text"],
                "imageManifestMediaType": images[i["imageDigest"]]["media"],
            }
            for i in imageIds
        ]
        return {"images": got, "failures": []}

    def list_image_referrers(self, aws_retry=True, repositoryName="", subjectId=None, **kwargs):
        self.calls.append("ListImageReferrers")
        images = self._repo(repositoryName, "ListImageReferrers")["images"]
        found = [
            {"digest": d, "artifactStatus": "ACTIVE"}
            for d, i in images.items()
            if (json.loads(i["text"]).get("subject") or {}).get("digest") == subjectId["imageDigest"]
        ]
        return {"referrers": found}

    def batch_check_layer_availability(self, aws_retry=True, repositoryName="", layerDigests=(), **kwargs):
        self.calls.append("BatchCheckLayerAvailability")
        blobs = self._repo(repositoryName, "BatchCheckLayerAvailability")["blobs"]
        return {"layers": [{"layerDigest": d, "layerAvailability": "AVAILABLE"} for d in layerDigests if d in blobs], "failures": []}

    def get_download_url_for_layer(self, aws_retry=True, repositoryName="", layerDigest="", **kwargs):
        self.calls.append("GetDownloadUrlForLayer")
        return {"downloadUrl": "fake://%s/%s" % (repositoryName, layerDigest), "layerDigest": layerDigest}

    def initiate_layer_upload(self, aws_retry=True, repositoryName="", **kwargs):
        self.calls.append("InitiateLayerUpload")
        upload = str(uuid.uuid4())
        self.uploads[upload] = bytearray()
        return {"uploadId": upload, "partSize": 5 * 1024 * 1024}

    def upload_layer_part(self, aws_retry=True, uploadId="", partFirstByte=0, layerPartBlob=b"", **kwargs):
        self.calls.append("UploadLayerPart")
        assert partFirstByte == len(self.uploads[uploadId])
        if isinstance(layerPartBlob, EncodedPart):  # what botocore's JSON body would carry
            layerPartBlob = base64.b64decode(layerPartBlob.text())
        self.uploads[uploadId].extend(layerPartBlob)
        return {}

    def complete_layer_upload(self, aws_retry=True, repositoryName="", uploadId="", layerDigests=(), **kwargs):
        if self.fail_complete_after is not None and self.calls.count("CompleteLayerUpload") >= self.fail_complete_after:
            raise error("KmsException", "CompleteLayerUpload")
        self.calls.append("CompleteLayerUpload")
        data = bytes(self.uploads.pop(uploadId))
        assert sha(data) == layerDigests[0]
        self.repos[repositoryName]["blobs"][layerDigests[0]] = data
        return {"layerDigest": layerDigests[0]}

    def put_image(self, aws_retry=True, repositoryName="", imageManifest="", imageManifestMediaType="", imageDigest="", imageTag=None, **kwargs):
        self.calls.append("PutImage")
        repo = self.repos[repositoryName]
        document = json.loads(imageManifest)
        needed = [m["digest"] for m in document.get("manifests", [])]
        assert all(d in repo["images"] for d in needed), "an index before its children"
        named = [document.get("config", {}).get("digest")] + [layer["digest"] for layer in document.get("layers", [])]
        assert all(d in repo["blobs"] for d in named if d), "a manifest before its blobs"
        assert sha(imageManifest.encode()) == imageDigest
        image = repo["images"].setdefault(imageDigest, {"text": imageManifest, "media": imageManifestMediaType, "tags": []})
        for other in repo["images"].values():
            if imageTag in other["tags"]:
                other["tags"].remove(imageTag)
        if imageTag:
            image["tags"].append(imageTag)
        return {"image": {}}

    def blob(self, url):
        _scheme, _empty, repository, digest = url.split("/", 3)
        return io.BytesIO(self.repos[repository]["blobs"][digest])


class FakeModule(ImageModule):
    """ecr_image_copy's parameters on the image tests' module stand-in."""

    def __init__(self, fake, check_mode=False, **params):
        super().__init__(fake)
        self.check_mode = check_mode
        self.params = dict(
            repository="dst",
            registry_id=None,
            source={"repository": "src", "image": "v1"},
            tags=None,
            include_referrers=True,
            restore=False,
            wait_timeout=60,
            require_signed=False,
            fail_on_severity=None,
            max_concurrency=2,
        )
        self.params.update(params)


@pytest.fixture()
def fake(monkeypatch):
    """A source repository ``src`` with an index (v1) of two images sharing a layer, a signature of the index,
    and an empty ``dst``."""
    ecr = FakeEcr()
    monkeypatch.setattr(copy_flow, "open_layer", lambda url, digest: ecr.blob(url))
    ecr.repo("src")
    ecr.repo("dst")
    shared, big = b"shared layer", bytes(range(256)) * (6 * 4096)  # 6 MiB: two parts
    children = []
    for n, layer in enumerate((big, b"own layer")):
        config = ('{"n": %d}' % n).encode()
        document = {
            "schemaVersion": 2,
            "mediaType": DOCKER_V2,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": sha(config), "size": len(config)},
            "layers": [{"mediaType": "l", "digest": sha(b), "size": len(b)} for b in (shared, layer)],
        }
        children.append(ecr.put("src", document, blobs=(config, shared, layer)))
    index = ecr.put(
        "src", {"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": [{"mediaType": DOCKER_V2, "digest": d, "size": 1} for d in children]}, tag="v1"
    )
    signature = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha(b"{}"), "size": 2},
        "layers": [{"mediaType": "application/jose+json", "digest": sha(b"sig"), "size": 3}],
        "subject": {"mediaType": DOCKER_LIST, "digest": index, "size": 1},
    }
    ecr.put("src", signature, blobs=(b"{}", b"sig"))
    ecr.index, ecr.children = index, children
    return ecr


def writes(fake):
    return [c for c in fake.calls if c in WRITES]


def test_the_copy_puts_blobs_then_children_then_the_index_then_the_signature_and_nothing_again(fake):
    check = copy_flow.copy_image(FakeModule(fake, check_mode=True))
    assert writes(fake) == [] and check["changed"] is True
    # blobs: 2 configs, the shared layer once, 2 own layers, the signature's config and blob
    assert check["copied"] == {"manifests": 4, "blobs": 7, "bytes": check["copied"]["bytes"], "skipped": 0}
    done = copy_flow.copy_image(FakeModule(fake))
    assert done["copied"] == check["copied"] and done["digest"] == fake.index and done["tags"] == ["v1"]
    assert fake.calls.count("CompleteLayerUpload") == 7 and fake.calls.count("UploadLayerPart") == 8  # the 6 MiB layer in two parts
    assert fake.repos["dst"]["images"][fake.index]["tags"] == ["v1"] and len(fake.repos["dst"]["images"]) == 4
    fake.calls.clear()
    again = copy_flow.copy_image(FakeModule(fake))
    assert again["changed"] is False and writes(fake) == [] and "BatchCheckLayerAvailability" not in fake.calls


def test_a_copy_cut_part_way_reports_what_it_did_and_resumes_with_what_is_missing(fake):
    fake.fail_complete_after = 3
    with pytest.raises(PartialFailure) as failed:
        copy_flow.copy_image(FakeModule(fake, max_concurrency=1))
    assert failed.value.result["changed"] is True and failed.value.result["copied"]["blobs"] == 3
    fake.fail_complete_after = None
    fake.calls.clear()
    resumed = copy_flow.copy_image(FakeModule(fake))
    assert resumed["copied"]["blobs"] == 4 and resumed["copied"]["skipped"] == 3 and fake.calls.count("InitiateLayerUpload") == 4


def test_refusals_come_before_any_write(fake):
    fake.repo("fixed", mutability="IMMUTABLE")
    fake.put("fixed", {"schemaVersion": 2, "mediaType": DOCKER_V2, "config": {}, "layers": []}, tag="v1")
    cases = [
        (dict(repository="fixed"), "tags: "),
        (dict(source={"repository": "src", "image": "v9"}), "source.image: "),
        (dict(source={"repository": "nope", "image": "v1"}), "source.repository: "),
        (dict(source={"repository": "src", "image": "v1", "region": "eu-wst-1"}), "source.region: "),
        (dict(repository="missing"), "repository: "),
        (dict(max_concurrency=0), "max_concurrency: "),
    ]
    for params, message in cases:
        with pytest.raises(InputError, match=message):
            copy_flow.copy_image(FakeModule(fake, **params))
    assert writes(fake) == []
    # no referrers asked: the signature stays behind, and the image goes untagged with tags: []
    done = copy_flow.copy_image(FakeModule(fake, include_referrers=False, tags=[]))
    assert done["referrers"] == [] and done["copied"]["manifests"] == 3 and fake.repos["dst"]["images"][fake.index]["tags"] == []
