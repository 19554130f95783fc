"""A `flux-semver/stage` label that names no stage.

**Why.** A label is how you tell flux-semver a policy's stage. One that names no stage
(`prodution`) would leave the policy in no stage: out of every plan and out of reach of the
gate rules, so a typo would quietly switch prod's protection off. A config `after:` that names
no stage, or a stage name that looks like a misspelt default stage, is refused when the config
is read, with its line.

Fails:

```yaml
metadata:
  name: podinfo
  labels:
    flux-semver/stage: prodution
```

Passes:

```yaml
metadata:
  name: podinfo
  labels:
    flux-semver/stage: prod
```

**Fix.** Write a stage name or one of its aliases (`flux-semver config` lists them), or add
the name you use to a stage's `aliases` in `.flux-semver.yaml`.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity
from flux_semver.repo.stages import STAGE_LABEL

from .base import Scanned, finding

CODE = "FS011"
NAME = "unknown-stage"
SEVERITY: Severity = "error"
SUMMARY = "a `flux-semver/stage` label, a config `paths` entry or `after:` names no stage"


def check(repo: Scanned) -> Iterator[Finding]:
    config = repo.config
    words = {w.lower(): s.name for s in config.stages for w in (s.name, *s.aliases)}
    for policy in repo.policies:
        label = policy.labels.get(STAGE_LABEL)
        if label is None or policy.stage is not None:
            continue
        import difflib  # only for a label that names no stage

        close = difflib.get_close_matches(str(label).lower(), list(words), n=1, cutoff=0.6)
        hint = f'did you mean "{words[close[0]]}"? ' if close else ""
        yield finding(
            CODE,
            NAME,
            SEVERITY,
            policy,
            f'label {STAGE_LABEL}: "{label}" names no stage, so this policy is in no plan and '
            f"no gate protects it; {hint}use one of {', '.join(config.stage_names)} or one of "
            "their aliases (flux-semver config lists them)",
            at_range=False,
        )
