"""When the gate stage took V, read from git: the base branch's first-parent history, each
commit marked with whether the gate stage's policies of the app admit V there.

The base branch's first-parent commits are the changes as they landed (a merged or squashed
pull request is one commit), and the commits Flux applies and reports on. A commit's time is
its committer date: when it landed, not when it was first written. This feeds
:func:`flux_semver.release.verify.evaluate`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flux_semver.errors import GitError
from flux_semver.model import Policy
from flux_semver.release.verify import BaseCommit
from flux_semver.repo import git
from flux_semver.repo.at_revision import PolicyReader, named_like, policies_at
from flux_semver.repo.manifests import Repository, semver_policies
from flux_semver.repo.stages import StageResolver
from flux_semver.semver.ranges import range_or_none
from flux_semver.semver.version import Version

HISTORY_LIMIT = 1000  # first-parent commits read; a gate older than that counts from there
_CHUNK = 64  # commits whose blobs one git cat-file call reads


def gate_policies(repo: Repository, app: str, gate: str) -> list[Policy]:
    """The app's semver policies in the gate stage (the ones whose ranges decide)."""
    return [p for p in semver_policies(repo, app) if p.stage == gate]


def base_history(
    repo: Repository, policies: list[Policy], version: Version, revision: str = "HEAD"
) -> list[BaseCommit]:
    """``revision``'s first-parent history, oldest first, each commit marked ``admits`` when
    one of ``policies`` (found again by file and ``namespace/name``) admits ``version`` —
    back to the first commit that does not (all the gate needs: the run ending at the tip)."""
    if not git.is_repository(repo.root):
        raise GitError(
            f"{repo.root} is not inside a git repository, so the gate has no "
            "history to read; run this in a clone of the GitOps repository"
        )
    if git.text(repo.root, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise GitError(
            "this clone is shallow, so when the gate stage took the version cannot "
            "be known; fetch the history (git fetch --unshallow, or "
            "actions/checkout with fetch-depth: 0)"
        )
    try:
        out = git.text(
            repo.root,
            "log",
            "--first-parent",
            f"--max-count={HISTORY_LIMIT}",
            "--format=%H %cI",
            revision,
            "--",
        )
    except GitError:
        return []  # no commit yet
    commits = [line.split(" ", 1) for line in out.splitlines() if line.strip()]
    files = sorted({p.file for p in policies})
    reader = PolicyReader(StageResolver(repo.config))
    walked: list[BaseCommit] = []  # newest first
    # From the tip back, in chunks: the walk ends at the first commit that does not admit
    # the version, so a recent release reads a few blobs, not the whole history.
    for start in range(0, len(commits), _CHUNK):
        chunk = commits[start : start + _CHUNK]
        then = policies_at(repo.root, [(sha, f) for sha, _ in chunk for f in files], reader)
        for sha, when in chunk:
            admits = any(
                _admits(other, version)
                for p in policies
                for other in named_like(then[(sha, p.file)], p)
            )
            walked.append(BaseCommit(sha, datetime.fromisoformat(when).astimezone(UTC), admits))
            if not admits:
                return walked[::-1]
    return walked[::-1]


def _admits(policy: Policy, version: Version) -> bool:
    rng = range_or_none(policy.range_text)
    return rng is not None and rng.admits(version)
