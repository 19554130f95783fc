"""A file that holds an ImagePolicy but is not valid YAML.

**Why.** A YAML syntax error makes Flux's kustomize-controller fail the whole Kustomization the
file belongs to, and it hides the ImagePolicy from every other rule: flux-semver cannot check or
promote a policy it cannot read. Files that do not mention `ImagePolicy` are left to other
linters.

The same finding reports what could hide a policy or harm the tools that read it: a file or
directory that cannot be read, a symbolic link to a YAML file or a directory outside the
repository (never followed), a binary file, a file over 8 MiB, duplicate keys, aliases
that expand past 100,000 values (a "billion laughs") and nesting deeper than 100 levels.
While one of them could hold a policy of the app being released, `plan` and `promote` refuse
to run, since a release planned without a stage's policy would skip that stage: a broken file
that never names the app (its `imageRepositoryRef` name or `flux-semver/app` label) stops only
the releases of the apps it names, and what cannot be looked into at all stops every release.
Helm or Go templates are the exception: they are reported, but never edited, so they stop no
release. A file is a template
when template syntax (`{{ ... }}`, `{% ... %}`) stands on the line of the parse error, or when
the file parses once its template expressions are replaced by a placeholder; a `{{` in a
comment or a quoted string elsewhere does not excuse a broken file.

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
indentation, a mis-indented key are the usual causes). Files that are not manifests at all
(Helm chart sources, notes) belong in the config's `exclude:` globs.
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
