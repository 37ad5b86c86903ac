"""The image checks and plans (plugins/module_utils/_plans/images.py)."""

from __future__ import annotations

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._plans import images as im
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

D = {n: "sha256:" + (c * 64) for n, c in (("a", "a"), ("b", "b"), ("c", "c"), ("i", "1"), ("x", "2"), ("y", "3"))}
INDEX = "application/vnd.oci.image.index.v1+json"


def image(key, tags=(), status=None, media="application/vnd.docker.distribution.manifest.v2+json"):
    detail = {"imageDigest": D[key], "imageTags": list(tags), "imageManifestMediaType": media}
    if status:
        detail["imageStatus"] = status
    return detail


REPO = [image("a", ["a1", "a2"]), image("b", ["b1"]), image("c"), image("i", ["multi"], media=INDEX), image("x"), image("y")]
REFS = {D["x"]: [D["i"]], D["y"]: [D["i"]]}


@pytest.mark.parametrize(
    "func, value, option",
    [
        (im.check_digest, "sha256:abc", "source"),
        (im.check_digest, "md5:" + "a" * 64, "image_digests[0]"),
        (im.check_tag, "-bad", "tags[1]"),
        (im.check_tag, "x" * 129, "tags[0]"),
        (im.check_tag, "", "image_tag"),
    ],
)
def test_checks_name_the_option(func, value, option):
    with pytest.raises(InputError, match="^" + option.replace("[", r"\[").replace("]", r"\]") + ":"):
        func(value, option)


def test_references_tags_ids_and_patterns():
    assert im.image_reference("prod", "source") == {"imageTag": "prod"}
    assert im.image_reference(D["a"], "source") == {"imageDigest": D["a"]}
    assert im.check_tags(["a", "b", "a"], "tags") == ["a", "b"]
    assert im.check_image_ids([{"image_tag": "v1", "image_digest": D["a"]}]) == [{"imageDigest": D["a"], "imageTag": "v1"}]
    with pytest.raises(InputError, match=r"^image_ids\[0\]: give image_tag"):
        im.check_image_ids([{"image_tag": None, "image_digest": None}])
    with pytest.raises(InputError, match=r"^tag_patterns\[0\]:"):
        im.check_tag_patterns(["release/*"])
    with pytest.raises(InputError, match="^wait_timeout:"):
        im.check_wait_timeout(-1)
    with pytest.raises(InputError, match=r"^ignore_findings\[1\]:"):
        im.check_finding_names(["CVE-1", " "])


def test_select_and_find():
    assert [i["imageDigest"] for i in im.select_images(REPO, "untagged")] == [D["c"], D["x"], D["y"]]
    assert [i["imageDigest"] for i in im.select_images(REPO, "any", ["a?"])] == [D["a"]]
    assert im.find_image(REPO, {"imageTag": "a2", "imageDigest": D["b"]}) is None
    assert im.index_children('{"manifests": [{"digest": "sha256:1"}, {"size": 3}]}') == ["sha256:1"]
    assert im.index_children("not json") == []


def test_promotion_plan_moves_adds_and_refuses_immutable_moves():
    plan = im.plan_promotion(REPO, REPO[0], ["a1", "b1", "new"], "MUTABLE", [])
    assert plan == {"put": ["b1", "new"], "conflicts": [], "moved_from": {"b1": D["b"]}}
    # an immutable repository still lets a new tag in; only the move is refused
    assert im.plan_promotion(REPO, REPO[0], ["b1", "new"], "IMMUTABLE", [])["conflicts"] == ["b1"]
    assert im.plan_promotion(REPO, REPO[0], ["b1"], "IMMUTABLE_WITH_EXCLUSION", ["b*"])["conflicts"] == []
    assert im.plan_promotion(REPO, REPO[0], ["b1"], "MUTABLE_WITH_EXCLUSION", ["b*"])["conflicts"] == ["b1"]
    after = im.after_promotion(im.state_of(REPO), D["a"], ["b1"])
    assert after[D["a"]]["image_tags"] == ["a1", "a2", "b1"] and after[D["b"]]["image_tags"] == []


def test_removal_plan():
    untag = im.plan_removal(REPO, ["a1", "gone"], [], False, REFS)
    assert untag == {"untag": ["a1"], "delete": [], "refusals": []}
    last = im.plan_removal(REPO, ["b1"], [], False, REFS)
    assert last["refusals"] and last["refusals"][0].startswith("tags:") and D["b"] in last["refusals"][0]
    assert im.plan_removal(REPO, ["b1"], [], True, REFS) == {"untag": [], "delete": [D["b"]], "refusals": []}
    both = im.plan_removal(REPO, ["a1", "a2"], [], False, REFS)
    assert len(both["refusals"]) == 1
    tagged = im.plan_removal(REPO, [], [D["a"]], False, REFS)
    assert tagged["refusals"][0].startswith("image_digests:") and "a1, a2" in tagged["refusals"][0]
    child = im.plan_removal(REPO, [], [D["x"]], True, REFS)
    assert child["refusals"][0].startswith("image_digests:") and D["i"] in child["refusals"][0]
    # the index goes too, and first
    assert im.plan_removal(REPO, [], [D["x"], D["i"]], True, REFS) == {"untag": [], "delete": [D["i"], D["x"]], "refusals": []}
    # a digest not in the repository is no change
    assert im.plan_removal(REPO, [], ["sha256:" + "f" * 64], False, REFS) == {"untag": [], "delete": [], "refusals": []}
    after = im.after_removal(im.state_of(REPO), ["a1"], [D["b"]])
    assert D["b"] not in after and after[D["a"]]["image_tags"] == ["a2"]


def test_storage_plan():
    repo = [image("a", status="ACTIVE"), image("b", status="ARCHIVED"), image("c", status="ACTIVATING")]
    assert im.plan_storage(repo, [D["a"], D["b"]], "archive") == {"change": [D["a"]], "refusals": []}
    assert im.plan_storage(repo, [D["a"], D["b"], D["c"]], "standard") == {"change": [D["b"]], "refusals": []}
    assert im.plan_storage(repo, [D["c"]], "archive")["refusals"][0].startswith("storage_class:")
    assert im.after_storage(im.state_of(repo), [D["b"]], "standard")[D["b"]]["image_status"] == "ACTIVATING"


def test_severities_counts_and_gate():
    findings = [
        {"name": "CVE-1", "severity": "HIGH"},
        {"name": "CVE-2", "severity": "CRITICAL"},
        {"title": "CVE-3 - openssl", "severity": "UNTRIAGED", "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-3"}},
    ]
    assert im.count_findings(findings, []) == {"HIGH": 1, "CRITICAL": 1, "UNDEFINED": 1}
    assert im.count_findings(findings, ["CVE-2", "CVE-3"]) == {"HIGH": 1}
    assert im.gate({"HIGH": 1, "LOW": 3}, "HIGH") == {"HIGH": 1}
    assert im.gate({"HIGH": 1, "LOW": 3}, "CRITICAL") == {}
    assert im.gate({"LOW": 3, "MEDIUM": 0}, "UNDEFINED") == {"LOW": 3}
    assert im.gate({"HIGH": 1}, None) == {}


def test_artifact_types_at_most_five_each_a_media_type():
    assert im.check_artifact_types(None) == []
    assert im.check_artifact_types(["application/spdx+json", "application/spdx+json"]) == ["application/spdx+json"]
    with pytest.raises(InputError, match=r"referrer_artifact_types: 6 artifact types given; ECR filters by at most 5"):
        im.check_artifact_types(["a/%d" % n for n in range(6)])
    for bad in ("", "x" * 256, 3):
        with pytest.raises(InputError, match=r"referrer_artifact_types\[0\]: .* is not an artifact type"):
            im.check_artifact_types([bad])
