"""A policy that does not validate against its apiVersion's CRD schema.

**Why.** The Kubernetes API server rejects a document with a wrong type or a missing required
field, so a Flux Kustomization that applies it fails as a whole; and it silently drops a field it
does not know, so a misspelt `rnage:` or `filtertags:` never reaches the controller. flux-semver
validates every ImagePolicy against the schema of the CRD for its own apiVersion (`v1`, `v1beta2`
or `v1beta1`, taken from Flux's image-reflector-controller) and treats unknown fields as errors.
HelmReleases (`helm.toolkit.fluxcd.io/v2`), HelmCharts, OCIRepositories and GitRepositories
(`source.toolkit.fluxcd.io/v1`) are validated against their current CRDs the same way (older
apiVersions of these are not checked). A policy an overlay builds is validated as the overlay
builds it, base and patches merged: a base meant to be patched need not be complete.

Fails:

```yaml
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: podinfo}
spec:
  imageRepositoryRef: {name: podinfo}
  policy:
    semver:
      rnage: "1.2.x"     # required field "range" is missing; unknown field "rnage"
```

Passes: the same with `range: "1.2.x"`.

**Fix.** Do what the message says: add the missing field, remove or respell the unexpected one,
or give the value the type or one of the values the schema allows.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Policy, Severity
from flux_semver.repo import crds, kinds

from .base import Scanned, finding

CODE = "FS004"
NAME = "schema"
SEVERITY: Severity = "error"
SUMMARY = "a document does not validate against its apiVersion's CRD schema"


def check(repo: Scanned) -> Iterator[Finding]:
    known = crds.api_versions()
    for policy in repo.policies:
        if policy.patch:
            continue  # a Kustomize patch is a fragment: it need not carry required fields
        if policy.resource != crds.IMAGE_POLICY:
            yield from _other_kind(policy)
            continue
        if policy.api_version not in known:
            yield finding(
                CODE,
                NAME,
                SEVERITY,
                policy,
                f'apiVersion "{policy.api_version}" has no ImagePolicy schema in Flux: write '
                f'"apiVersion: {crds.CURRENT_API_VERSION}"',
                at_range=False,
                at_api_version=True,
            )
            continue
        # status is the controller's to write: the API server drops it on apply
        document = {key: value for key, value in policy.body.items() if key != "status"}
        written = {"spec.policy.semver.range": policy.range_text} if policy.range_text else {}
        for violation in crds.validate(document, policy.api_version, written):
            yield finding(
                CODE,
                NAME,
                SEVERITY,
                policy,
                str(violation),
                at_range=False,
                at_api_version=violation.path == "apiVersion",
            )


def _other_kind(policy: Policy) -> Iterator[Finding]:
    """A HelmRelease, HelmChart, OCIRepository or GitRepository against its current CRD; an
    older apiVersion is left alone (flux-semver ships only the current schemas of these)."""
    if not crds.has_schema(policy.api_version, policy.resource):
        return
    document = {key: value for key, value in policy.body.items() if key != "status"}
    key = kinds.KINDS[policy.resource].range_key
    written = {key: policy.range_text} if policy.range_text else {}
    for violation in crds.validate(document, policy.api_version, written, policy.resource):
        yield finding(
            CODE,
            NAME,
            SEVERITY,
            policy,
            str(violation),
            at_range=False,
            at_api_version=violation.path == "apiVersion",
        )
