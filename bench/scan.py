#!/usr/bin/env python3
"""How long ``flux-semver policies`` takes on a 10,000-file GitOps tree, against its peers.

Generates a tree in a temporary directory (apps x environments of ordinary Kubernetes
manifests, with an ImagePolicy per app and environment among them), then times whole
processes on it:

- ``flux-semver policies`` (what users run);
- the floor: a Python process that only walks the tree and reads every YAML file;
- ``check-jsonschema`` and ``yamllint``, which read every file as YAML, on the same files.

Prints each time and the ratios. The goal: well under 1 s, within 2x of the floor.

    python bench/scan.py [--files 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENVIRONMENTS = ("dev", "staging", "production")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  namespace: {env}
  labels:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/part-of: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: {app}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {app}
    spec:
      containers:
        - name: {app}
          image: ghcr.io/example/{app}:1.4.2 # {{"$imagepolicy": "flux-system:{app}-{env}"}}
          ports:
            - containerPort: 8080
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: "1", memory: 512Mi}}
          readinessProbe:
            httpGet: {{path: /healthz, port: 8080}}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {app}-{part}
  namespace: {env}
spec:
  selector:
    app.kubernetes.io/name: {app}
  ports:
    - name: http
      port: 80
      targetPort: 8080
"""
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {app}-{part}
  namespace: {env}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "search,checkout,recommendations"
  UPSTREAM: "http://{app}.{env}.svc.cluster.local"
"""
KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {env}
resources:
  - deployment.yaml
  - service.yaml
images:
  - name: ghcr.io/example/{app}
    newTag: 1.4.2
"""
AUTOMATION = """\
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: {app}
  namespace: flux-system
spec:
  image: ghcr.io/example/{app}
  interval: 5m
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: {app}-{env}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: {app}
  filterTags:
    pattern: '^v?(?P<version>[0-9]+\\.[0-9]+\\.[0-9]+)$'
    extract: '$version'
  policy:
    semver:
      range: {range}
"""
RANGES = {"dev": '">=1.0.0"', "staging": '"1.4.x"', "production": "'1.4.2'"}
TEMPLATES = (("service", SERVICE), ("configmap", CONFIGMAP))
CONFIG = """\
stages:
  - name: dev
  - name: pre-prod
    aliases: [staging]
  - name: prod
    aliases: [production]
    exact: true
    after: pre-prod
"""
FLOOR = """\
import os, sys
count = 0
for top, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if d != ".git"]
    for name in files:
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(top, name), "rb") as handle:
                handle.read()
            count += 1
print(count)
"""


def generate(root: Path, files: int) -> int:
    """Write ``files`` YAML files; return how many hold an ImagePolicy."""
    written = policies = 0
    app = 0
    while written < files:
        for env in ENVIRONMENTS:
            base = root / "clusters" / env / "apps" / f"app{app:04d}"
            base.mkdir(parents=True, exist_ok=True)
            name = f"app{app:04d}"
            texts = {
                "deployment.yaml": DEPLOYMENT.format(app=name, env=env),
                "kustomization.yaml": KUSTOMIZATION.format(app=name, env=env),
            }
            for part in range(3):
                for kind, template in TEMPLATES:
                    texts[f"{kind}-{part}.yaml"] = template.format(app=name, env=env, part=part)
            if app % 4 == 0:  # a quarter of the apps are image-automated
                texts["image-automation.yaml"] = AUTOMATION.format(
                    app=name, env=env, range=RANGES[env]
                )
            for file_name, text in texts.items():
                if written == files:
                    return policies
                (base / file_name).write_text(text)
                written += 1
                policies += "kind: ImagePolicy" in text
        app += 1
    return policies


def timed(argv: list[str], repeat: int) -> tuple[float, float, str]:
    """Median wall time and median CPU time (user + system) of ``repeat`` runs of a whole
    process, and its last output. CPU time shows the work done when the machine is busy."""
    walls, cpus = [], []
    out = ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        out = done.stdout
        if done.returncode not in (0, 1):
            sys.exit(f"{argv[0]} failed ({done.returncode}): {done.stderr[-500:]}")
    return statistics.median(walls), statistics.median(cpus), out


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed; run: python3 tasks.py test (installs the test extras)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per fast command")
    parser.add_argument("--peer-repeat", type=int, default=1, help="runs per peer tool")
    parser.add_argument(
        "--skip-peers",
        action="store_true",
        help="time flux-semver and the floor only (a quick run on a busy machine)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flux-semver-bench-") as tmp:
        root = Path(tmp) / "gitops"
        policies = generate(root, args.files)
        files = sorted(str(p) for p in root.rglob("*.yaml"))
        schema = Path(tmp) / "schema.json"
        schema.write_text(json.dumps({"type": "object"}))
        ours = timed(
            [_tool("flux-semver"), "-C", str(root), "policies", "--format", "json"], args.repeat
        )
        found = len(json.loads(ours[2]))
        (root / ".flux-semver.yaml").write_text(CONFIG)  # the schema check adds jsonschema
        configured = timed(
            [_tool("flux-semver"), "-C", str(root), "policies", "--format", "json"], args.repeat
        )
        (root / ".flux-semver.yaml").unlink()
        floor = timed([sys.executable, "-c", FLOOR, str(root)], args.repeat)
        peers = []
        if not args.skip_peers:
            peers = [
                (
                    "check-jsonschema",
                    timed(
                        [_tool("check-jsonschema"), "--schemafile", str(schema), *files],
                        args.peer_repeat,
                    ),
                ),
                (
                    "yamllint -d relaxed",
                    timed([_tool("yamllint"), "-d", "relaxed", str(root)], args.peer_repeat),
                ),
            ]
    print(
        f"tree: {len(files)} YAML files, {policies} ImagePolicies "
        f"(flux-semver found {found}); {os.cpu_count()} CPUs; medians of {args.repeat} runs "
        f"({args.peer_repeat} for the peers)"
    )
    print(
        f"{'command':<34} {'wall s':>7} {'cpu s':>7} {'wall x floor':>13} {'cpu x floor':>12}"
        f" {'x flux-semver':>14}"
    )
    rows = [
        ("flux-semver policies", ours),
        ("  with a .flux-semver.yaml", configured),
        ("floor (python reads every file)", floor),
        *peers,
    ]
    for label, (wall, cpu, _) in rows:
        print(
            f"{label:<34} {wall:>7.3f} {cpu:>7.3f} {wall / floor[0]:>13.2f} "
            f"{cpu / floor[1]:>12.2f} {wall / ours[0]:>14.2f}"
        )
    goal = ours[0] < 1.0 and ours[0] <= 2 * floor[0]
    print(f"goal (< 1 s and within 2x of the floor, wall time): {'met' if goal else 'NOT met'}")
    return 0 if goal else 1


if __name__ == "__main__":
    sys.exit(main())
