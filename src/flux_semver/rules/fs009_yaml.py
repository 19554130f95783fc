"""A file that holds an ImagePolicy but is not valid YAML.

**Why.** A YAML syntax error makes Flux's kustomize-controller fail the whole Kustomization the
file belongs to, and it hides the ImagePolicy from every other rule: flux-semver cannot check or
promote a policy it cannot read. Files that do not mention `ImagePolicy` are left to other
linters.

Fails:

```yaml
kind: ImagePolicy
spec:
  policy:
    semver:
      range: "1.2.x
```

Passes: the same with the closing quote.

**Fix.** Correct the syntax at the line and column given (an unclosed quote, a tab used for
indentation, a mis-indented key are the usual causes).
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity

from .base import Scanned

CODE = "FS009"
NAME = "yaml"
SEVERITY: Severity = "error"
SUMMARY = "a file that holds an ImagePolicy is not valid YAML"


def check(repo: Scanned) -> Iterator[Finding]:
    for error in repo.errors:
        if error.mentions_policy:
            yield Finding(
                code=CODE,
                name=NAME,
                severity=SEVERITY,
                file=error.file,
                line=error.line,
                column=error.column,
                policy=None,
                stage=None,
                message=f"the ImagePolicy in this file cannot be read: {error.message}",
            )
