"""An earlier stage that runs older releases than a later one.

**Why.** Releases move forward through the stages in order: dev, then pre-prod, then prod. A
stage whose every admitted version is below everything a later stage admits (dev on `1.2.x`
while prod pins `1.3.0`) runs older code than production: new work is tested against a past
release, and the order of the stages no longer means anything.

Fails:

```yaml
# clusters/dev/podinfo.yaml
range: "1.2.x"
# clusters/prod/podinfo.yaml
range: "1.3.0"
```

Passes:

```yaml
# clusters/dev/podinfo.yaml
range: "1.x"
# clusters/prod/podinfo.yaml
range: "1.3.0"
```

**Fix.** Move the earlier stage forward (`flux-semver promote VERSION --stage dev`), or give it a
wider window (`1.x`) so it follows minor releases; the default config has dev follow them.
A gated stage ahead of its own gate is FS003, not this rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from flux_semver.model import Finding, Severity
from flux_semver.semver.intervals import IntervalSet
from flux_semver.semver.version import Version

from ._support import by_app_and_stage, range_of, semver, where
from .base import Scanned, finding

CODE = "FS014"
NAME = "stage-order"
SEVERITY: Severity = "warning"
SUMMARY = "an earlier stage runs older releases than a later one (dev behind prod)"


def check(repo: Scanned) -> Iterator[Finding]:
    config = repo.config
    names = config.stage_names
    for stages in by_app_and_stage(semver(repo.policies)).values():
        for i, earlier in enumerate(names):
            for policy in stages.get(earlier, []):
                own = range_of(policy)
                upper = own.release_set.upper if own is not None else None
                if upper is None:  # unparsable, empty or open: never behind
                    continue
                for later in names[i + 1 :]:
                    if config.stage(later).after == earlier:
                        continue  # a gated stage ahead of its gate is FS003
                    ahead = [p for p in stages.get(later, []) if range_of(p) is not None]
                    sets = [r.release_set for p in ahead if (r := range_of(p)) is not None]
                    lowest = IntervalSet.union_all(sets).lowest if sets else None
                    if lowest is None or upper > lowest:
                        continue
                    other = ahead[0]
                    yield finding(
                        CODE,
                        NAME,
                        SEVERITY,
                        policy,
                        f'{earlier} runs older releases than {later}: "{policy.range_text}" '
                        f'here, "{other.range_text}" in {later} ({where(other)}); move '
                        f"{earlier} forward (flux-semver promote {Version(*lowest)} --stage "
                        f"{earlier}) or give it a wider window",
                        related=(other.file,),
                    )
                    break
