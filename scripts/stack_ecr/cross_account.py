"""Pulls from another account's repository that its repository policy allows.

On AWS, a principal of one account reads a repository of another (``registryId``: the repository's account)
when the repository's policy grants it the action ("Private repository policies": a policy's ``Principal``
names an account or principals of it, ``Action`` the ECR actions, e.g. ``ecr:BatchGetImage``). moto answers
every call from the caller's own account, so a read naming another registry finds nothing there. Here the
read operations of a pull and of an image copy's source (``READS``), when ``registryId`` names another account,
are served from that account's backend (same region) when the repository's policy has a statement that allows
the action to the caller's account: ``Effect: Allow``, ``Principal`` ``*`` or an ``AWS`` entry that is ``*``,
the account id or an ARN in the account, ``Action`` matching ``ecr:<Operation>`` (wildcards as IAM's). A Deny
statement that matches wins. Else moto answers as before (RepositoryNotFoundException).

Not modelled: conditions (a statement with a ``Condition`` is passed over), principals narrower than the
account (any principal of the account counts as the ARN named), the caller's own IAM policies, writes across
accounts.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any, Callable, Dict, List

from moto.ecr.models import ecr_backends
from moto.ecr.responses import ECRResponse

READS = (
    "DescribeImages",
    "BatchGetImage",
    "GetDownloadUrlForLayer",
    "BatchCheckLayerAvailability",
    "ListImageReferrers",
    "DescribeImageScanFindings",
    "DescribeImageSigningStatus",
)


def _listed(value: Any) -> List[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, account: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return any(p in ("*", account) or str(p).startswith("arn:aws:iam::%s:" % account) for p in _listed(principal.get("AWS")))


def allows(policy_text: str | None, account: str, action: str) -> bool:
    """Whether the repository policy ``policy_text`` lets principals of ``account`` do ``action`` (ecr:...)."""
    try:
        policy = json.loads(policy_text or "")
    except ValueError:
        return False
    statements = _listed(policy.get("Statement") or []) if isinstance(policy, dict) else []
    matching: Dict[str, bool] = {"Allow": False, "Deny": False}
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Condition") or statement.get("Effect") not in matching:
            continue
        actions = [str(a).lower() for a in _listed(statement.get("Action") or [])]
        if _principal_matches(statement.get("Principal"), account) and any(fnmatch.fnmatchcase(action.lower(), a) for a in actions):
            matching[statement["Effect"]] = True
    return matching["Allow"] and not matching["Deny"]


def _across_accounts(original: Callable) -> Callable:
    def call_action(self: ECRResponse):
        action = self._get_action()
        if action in READS:
            try:
                params = json.loads(self.body or "{}")
            except ValueError:
                params = {}
            owner = params.get("registryId") if isinstance(params, dict) else None
            if isinstance(owner, str) and owner != self.current_account:
                repository = ecr_backends[owner][self.region].repositories.get(params.get("repositoryName"))
                if repository is not None and allows(repository.policy, self.current_account, "ecr:" + action):
                    self.current_account = owner
        return original(self)

    return call_action


ECRResponse.call_action = _across_accounts(ECRResponse.call_action)
