"""PutSigningConfiguration, GetSigningConfiguration and DeleteSigningConfiguration."""

from __future__ import annotations

from .model import EcrError, operation, state


def _store(backend) -> dict:
    return state(backend, "signing")


def _not_found(account: str) -> EcrError:
    return EcrError("SigningConfigurationNotFoundException", "The signing configuration for the registry with id '%s' does not exist" % account)


@operation("PutSigningConfiguration")
def put_signing_configuration(backend, params, account, region):
    config = {"rules": params["signingConfiguration"]["rules"]}
    _store(backend)["configuration"] = config
    return {"signingConfiguration": config}


@operation("GetSigningConfiguration")
def get_signing_configuration(backend, params, account, region):
    config = _store(backend).get("configuration")
    if config is None:
        raise _not_found(account)
    return {"registryId": account, "signingConfiguration": config}


@operation("DeleteSigningConfiguration")
def delete_signing_configuration(backend, params, account, region):
    config = _store(backend).pop("configuration", None)
    if config is None:
        raise _not_found(account)
    return {"registryId": account, "signingConfiguration": config}
