"""The local stack's layer operations (scripts/stack_ecr/layers.py): blobs read with GetDownloadUrlForLayer and
written with InitiateLayerUpload, UploadLayerPart and CompleteLayerUpload go to and from the linked registry, so an
image copied through ECR's API into another region or account is pulled with docker."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers import build_image, client, docker, unique
from stack_ecr.model import check_output

OTHER_ACCOUNT = "222222222222"


def body(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def code(error):
    return error.value.response["Error"]["Code"]


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def pushed(linked, dockerd, name: str, tag: str) -> dict:
    record, config = linked
    reference = "%s/%s:%s" % (record["host"], name, tag)
    build_image(dockerd, reference, name)
    docker(dockerd, "--config", config, "push", reference)
    image = client("ecr").batch_get_image(repositoryName=name, imageIds=[{"imageTag": tag}])["images"][0]
    return image


def upload(ecr, name: str, data: bytes, part: int | None = None) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    started = ecr.initiate_layer_upload(repositoryName=name)
    assert check_output("InitiateLayerUpload", body(started)) == []
    size = part or started["partSize"]
    for first in range(0, len(data), size):
        chunk = data[first : first + size]
        last = first + len(chunk) - 1
        sent = ecr.upload_layer_part(repositoryName=name, uploadId=started["uploadId"], partFirstByte=first, partLastByte=last, layerPartBlob=chunk)
        assert check_output("UploadLayerPart", body(sent)) == [] and sent["lastByteReceived"] == first + len(chunk) - 1
    done = ecr.complete_layer_upload(repositoryName=name, uploadId=started["uploadId"], layerDigests=[digest])
    assert check_output("CompleteLayerUpload", body(done)) == [] and done["layerDigest"] == digest
    return digest


def other_account_ecr(region: str):
    role = boto3.client("sts", region_name="ap-south-1").assume_role(RoleArn="arn:aws:iam::%s:role/copier" % OTHER_ACCOUNT, RoleSessionName="layers")
    keys = role["Credentials"]
    return boto3.client(
        "ecr", region_name=region, aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"], aws_session_token=keys["SessionToken"]
    )


@pytest.mark.parametrize("where", ["region", "account"])
def test_an_image_copied_through_the_api_is_pulled_at_the_destination(linked, dockerd, where):
    record, config = linked
    name = unique("layersrc")
    client("ecr").create_repository(repositoryName=name)
    image = pushed(linked, dockerd, name, "v1")
    manifest = json.loads(image["imageManifest"])
    blobs = [manifest["config"]["digest"]] + [layer["digest"] for layer in manifest["layers"]]

    if where == "region":
        ecr, prefix = boto3.client("ecr", region_name="eu-west-1"), "123456789012/eu-west-1"
    else:
        ecr, prefix = other_account_ecr("us-west-2"), OTHER_ACCOUNT + "/us-west-2"
    ecr.create_repository(repositoryName=name)
    missing = ecr.batch_check_layer_availability(repositoryName=name, layerDigests=blobs)
    assert check_output("BatchCheckLayerAvailability", body(missing)) == []
    assert missing["layers"] == [] and sorted(f["layerDigest"] for f in missing["failures"]) == sorted(blobs)
    assert {f["failureCode"] for f in missing["failures"]} == {"MissingLayerDigest"}

    for digest in blobs:
        answer = client("ecr").get_download_url_for_layer(repositoryName=name, layerDigest=digest)
        assert check_output("GetDownloadUrlForLayer", body(answer)) == [] and answer["layerDigest"] == digest
        data = get(answer["downloadUrl"])  # no credentials
        assert "sha256:" + hashlib.sha256(data).hexdigest() == digest
        assert upload(ecr, name, data) == digest

    held = ecr.batch_check_layer_availability(repositoryName=name, layerDigests=blobs)
    assert held["failures"] == [] and {layer["layerAvailability"] for layer in held["layers"]} == {"AVAILABLE"}
    put = ecr.put_image(
        repositoryName=name,
        imageManifest=image["imageManifest"],
        imageManifestMediaType=image["imageManifestMediaType"],
        imageDigest=image["imageId"]["imageDigest"],
        imageTag="copied",
    )
    assert put["image"]["imageId"]["imageDigest"] == image["imageId"]["imageDigest"]
    docker(dockerd, "--config", config, "pull", "%s/%s/%s:copied" % (record["host"], prefix, name))
    docker(dockerd, "--config", config, "pull", "%s/%s/%s@%s" % (record["host"], prefix, name, image["imageId"]["imageDigest"]))
    # the source's registry name is untouched by the copy: its repository holds only its own tag
    assert [i.get("imageTag") for i in client("ecr").list_images(repositoryName=name)["imageIds"]] == ["v1"]


def test_the_part_rules_and_the_refusals(linked, dockerd):
    name = unique("layerrules")
    ecr = client("ecr")
    ecr.create_repository(repositoryName=name)
    image = pushed(linked, dockerd, name, "v1")
    layer = json.loads(image["imageManifest"])["layers"][0]["digest"]

    # a layer that no image names cannot be downloaded, even once uploaded
    loose = upload(ecr, name, b"a loose layer")
    with pytest.raises(ClientError) as error:
        ecr.get_download_url_for_layer(repositoryName=name, layerDigest=loose)
    assert code(error) == "LayerInaccessibleException"
    # uploading a layer the repository holds
    started = ecr.initiate_layer_upload(repositoryName=name)["uploadId"]
    ecr.upload_layer_part(repositoryName=name, uploadId=started, partFirstByte=0, partLastByte=12, layerPartBlob=b"a loose layer")
    with pytest.raises(ClientError) as error:
        ecr.complete_layer_upload(repositoryName=name, uploadId=started, layerDigests=[loose])
    assert code(error) == "LayerAlreadyExistsException"
    # parts out of order, parts too small, an empty upload, a wrong digest, an unknown upload
    started = ecr.initiate_layer_upload(repositoryName=name)["uploadId"]
    with pytest.raises(ClientError) as error:
        ecr.upload_layer_part(repositoryName=name, uploadId=started, partFirstByte=5, partLastByte=7, layerPartBlob=b"abc")
    assert code(error) == "InvalidLayerPartException"
    with pytest.raises(ClientError) as error:
        ecr.complete_layer_upload(repositoryName=name, uploadId=started, layerDigests=[loose])
    assert code(error) == "EmptyUploadException"
    ecr.upload_layer_part(repositoryName=name, uploadId=started, partFirstByte=0, partLastByte=2, layerPartBlob=b"abc")
    ecr.upload_layer_part(repositoryName=name, uploadId=started, partFirstByte=3, partLastByte=5, layerPartBlob=b"def")
    with pytest.raises(ClientError) as error:
        ecr.complete_layer_upload(repositoryName=name, uploadId=started, layerDigests=["sha256:" + hashlib.sha256(b"abcdef").hexdigest()])
    assert code(error) == "LayerPartTooSmallException"
    started = ecr.initiate_layer_upload(repositoryName=name)["uploadId"]
    ecr.upload_layer_part(repositoryName=name, uploadId=started, partFirstByte=0, partLastByte=2, layerPartBlob=b"abc")
    with pytest.raises(ClientError) as error:
        ecr.complete_layer_upload(repositoryName=name, uploadId=started, layerDigests=["sha256:" + "0" * 64])
    assert code(error) == "InvalidLayerException"
    with pytest.raises(ClientError) as error:
        ecr.upload_layer_part(repositoryName=name, uploadId="00000000-0000-0000-0000-000000000000", partFirstByte=0, partLastByte=0, layerPartBlob=b"a")
    assert code(error) == "UploadNotFoundException"
    bad = ecr.batch_check_layer_availability(repositoryName=name, layerDigests=["sha256:nothex"])
    assert bad["failures"][0]["failureCode"] == "InvalidLayerDigest"

    # the download URL is signed: another digest or a changed signature is refused
    url = ecr.get_download_url_for_layer(repositoryName=name, layerDigest=layer)["downloadUrl"]
    for forged in (url.replace(layer.split(":")[1], "0" * 64), url[:-4] + "0000"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(forged)
        assert refused.value.code == 403


def test_the_fault_hook_stops_uploads_after_some(linked, moto):
    name = unique("layerfault")
    ecr = client("ecr")
    ecr.create_repository(repositoryName=name)
    faults = Path(moto["recording"]).parent / "layer-faults.json"
    faults.write_text(json.dumps({"complete_fails_after": 1}))
    try:
        upload(ecr, name, b"the first layer")
        with pytest.raises(ClientError) as error:
            upload(ecr, name, b"the second layer")
        assert code(error) == "KmsException"
    finally:
        faults.unlink()
    assert upload(ecr, name, b"the second layer") == "sha256:" + hashlib.sha256(b"the second layer").hexdigest()


def test_put_image_refuses_a_manifest_whose_blobs_or_images_the_repository_lacks(linked, dockerd):
    name = unique("putcheck")
    ecr = boto3.client("ecr", region_name="eu-west-1")
    ecr.create_repository(repositoryName=name)
    config, layer = b'{"architecture": "amd64", "os": "linux"}', b"the layer of " + name.encode()
    digest = {data: "sha256:" + hashlib.sha256(data).hexdigest() for data in (config, layer)}
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config), "digest": digest[config]},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "size": len(layer), "digest": digest[layer]}],
        }
    )
    image_digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": len(manifest), "digest": image_digest}],
        }
    )

    # neither blob there, then only the config: LayersNotFoundException, and nothing put
    with pytest.raises(ClientError) as error:
        ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag="v1")
    assert code(error) == "LayersNotFoundException" and digest[config] in str(error.value) and digest[layer] in str(error.value)
    upload(ecr, name, config)
    with pytest.raises(ClientError) as error:
        ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag="v1")
    assert code(error) == "LayersNotFoundException" and digest[config] not in str(error.value) and digest[layer] in str(error.value)
    # an index of an image the repository does not hold: ReferencedImagesNotFoundException
    with pytest.raises(ClientError) as error:
        ecr.put_image(repositoryName=name, imageManifest=index, imageTag="multi")
    assert code(error) == "ReferencedImagesNotFoundException" and image_digest in str(error.value)
    assert ecr.describe_images(repositoryName=name)["imageDetails"] == []

    # blobs uploaded to another repository do not count for this one
    elsewhere = unique("putcheck-other")
    ecr.create_repository(repositoryName=elsewhere)
    upload(ecr, elsewhere, layer)
    with pytest.raises(ClientError) as error:
        ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag="v1")
    assert code(error) == "LayersNotFoundException"

    # every blob uploaded: the image is taken, then the index of it
    upload(ecr, name, layer)
    put = ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag="v1", imageDigest=image_digest)
    assert put["image"]["imageId"]["imageDigest"] == image_digest
    index_digest = "sha256:" + hashlib.sha256(index.encode()).hexdigest()
    put = ecr.put_image(repositoryName=name, imageManifest=index, imageTag="multi", imageDigest=index_digest)
    assert put["image"]["imageId"]["imageDigest"] == index_digest
    assert {d["imageDigest"] for d in ecr.describe_images(repositoryName=name)["imageDetails"]} == {image_digest, put["image"]["imageId"]["imageDigest"]}
