"""Kustomize overlay and Flux post-build layouts the layout, hook and record tests share."""

from __future__ import annotations

# A base with one policy, and per-stage overlays that set its range (strategic merge and
# JSON 6902 patch files)
BASE = {
    "apps/base/myapp/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - imagerepository.yaml
  - imagepolicy.yaml
""",
    "apps/base/myapp/imagerepository.yaml": """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: myapp
  namespace: flux-system
spec:
  image: ghcr.io/example/myapp
  interval: 5m
""",
    # meant to be patched: no spec.policy (not an FS004 error)
    "apps/base/myapp/imagepolicy.yaml": """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: myapp
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: myapp
""",
}
OVERLAYS = {
    # dev: an inline JSON 6902 patch
    "apps/dev/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base/myapp
patches:
  - target:
      kind: ImagePolicy
      name: myapp
    patch: |
      - op: add
        path: /spec/policy
        value:
          semver:
            range: 1.x   # dev follows every minor
""",
    # staging: a strategic-merge patch file, the older field
    "apps/staging/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base/myapp
patchesStrategicMerge:
  - imagepolicy-patch.yaml
""",
    "apps/staging/imagepolicy-patch.yaml": """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: myapp
  namespace: flux-system
spec:
  policy:
    semver:
      range: '1.3.x'
""",
    # production: a JSON 6902 patch file with a target selector
    "apps/production/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base/myapp
patchesJson6902:
  - target:
      group: image.toolkit.fluxcd.io
      version: v1
      kind: ImagePolicy
      name: my.*
    path: range.yaml
""",
    "apps/production/range.yaml": """\
- op: add
  path: /spec/policy
  value:
    semver:
      range: "1.3.0"
""",
}

# An app's policy whose range comes from Flux's post-build variables (``MYAPP_RANGE``)
POST_BUILD_POLICY = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: myapp
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: myapp
  policy:
    semver:
      range: "${{MYAPP_RANGE:={default}}}"
"""
# applies a whole directory of apps: it never names the app whose range it sets
POST_BUILD_KUSTOMIZATION = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/{env}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substituteFrom:
      - kind: ConfigMap
        name: {env}-vars
"""
POST_BUILD_VARS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {env}-vars
  namespace: flux-system
data:
  MYAPP_RANGE: {value}
"""
