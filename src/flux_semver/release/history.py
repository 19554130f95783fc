"""Range changes read back from git (``flux-semver history``; rollbacks read them too).

``history`` walks ``git log`` of each policy's file and compares the policy's range at each
commit with the range at its first parent: every difference is a change (when, who, from,
to). A commit written with flux-semver's trailers adds the release, its type and evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import msgspec

from flux_semver.errors import GitError, PlanError
from flux_semver.model import Policy
from flux_semver.release import trailers
from flux_semver.release.plan import choose_app
from flux_semver.repo import git, locate, renames
from flux_semver.repo.at_revision import PolicyReader, named_like
from flux_semver.repo.manifests import Repository, semver_policies
from flux_semver.repo.stages import StageResolver

Source = Literal["trailers", "diff"]


class RangeChange(msgspec.Struct, frozen=True):
    """One commit that changed one policy's range."""

    commit: str
    date: str
    author: str
    email: str
    subject: str
    app: str
    stage: str
    policy: str
    file: str
    from_range: str | None  # None when the policy first appeared in this commit
    to_range: str
    version: str | None
    release_type: str | None
    evidence: tuple[str, ...]
    source: Source

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "date": self.date,
            "author": self.author,
            "email": self.email,
            "subject": self.subject,
            "app": self.app,
            "stage": self.stage,
            "policy": self.policy,
            "file": self.file,
            "from": self.from_range,
            "to": self.to_range,
            "version": self.version,
            "release_type": self.release_type,
            "evidence": list(self.evidence),
            "source": self.source,
        }


class RangeReader:
    """Reads the range of a policy in a file's bytes, parsing each distinct content once."""

    def __init__(self, resolver: StageResolver) -> None:
        self._policies = PolicyReader(resolver)

    def range_of(self, raw: bytes | None, file: str, policy: Policy) -> str | None:
        """The range of the policy named like ``policy`` in a file's bytes, if it is there."""
        if raw is None:
            return None
        if policy.value_path:  # written in an overlay's patch or a variable: read it there
            return locate.value_of(raw, policy)
        found = named_like(self._policies.policies(raw, file), policy)
        return next((other.range_text for other in found if not other.patch), None)


def range_in(raw: bytes | None, file: str, policy: Policy, resolver: StageResolver) -> str | None:
    """The range of the policy named like ``policy`` in a file's bytes, if it is there."""
    return RangeReader(resolver).range_of(raw, file, policy)


def need_git(repo: Repository) -> None:
    if not git.is_repository(repo.root):
        raise GitError(
            f"{repo.root} is not inside a git repository, so it has no history to read; "
            "run this in a clone of the GitOps repository"
        )


def stage_policies(repo: Repository, app: str | None, stage: str | None) -> list[Policy]:
    apps = [app] if app is not None else repo.apps()
    chosen = [p for a in apps for p in semver_policies(repo, a)]
    if stage is not None:
        if stage not in repo.config.stage_names:
            names = ", ".join(repo.config.stage_names)
            raise PlanError(f"unknown stage {stage!r}; the stages are {names}")
        chosen = [p for p in chosen if p.stage == stage]
    return chosen


def changes_of(
    repo: Repository, policies: Iterable[Policy], since: str | None = None
) -> list[RangeChange]:
    """Every committed change of the given policies' ranges, newest first, following each
    file across renames (after ``since``, any date git understands, when given)."""
    reader = RangeReader(StageResolver(repo.config))
    by_file: dict[str, list[Policy]] = {}
    for policy in policies:
        by_file.setdefault(policy.file, []).append(policy)
    found: list[tuple[int, RangeChange]] = []
    paths: set[str] = set()  # every path the files had
    for file, mine in by_file.items():
        steps = renames.file_history(repo.root, file, since)
        paths.update(s.path for s in steps)
        specs = [(s.commit.sha, s.path) for s in steps] + [
            (s.commit.parents[0], s.parent_path)
            for s in steps
            if s.commit.parents and s.parent_path is not None
        ]
        blobs = git.show_files(repo.root, specs)
        for index, step in enumerate(steps):
            commit = step.commit
            parent = (
                blobs.get((commit.parents[0], step.parent_path))
                if commit.parents and step.parent_path is not None
                else None
            )
            said = trailers.parse(commit.message)
            for policy in mine:
                after = reader.range_of(blobs[(commit.sha, step.path)], file, policy)
                before = reader.range_of(parent, file, policy)
                if after is None or after == before:
                    continue
                ours = said.present and (said.app in (None, policy.app))
                found.append(
                    (
                        index,
                        RangeChange(
                            commit=commit.sha,
                            date=commit.date,
                            author=commit.author,
                            email=commit.email,
                            subject=commit.subject,
                            app=policy.app or "",
                            stage=policy.stage or "",
                            policy=policy.ref,
                            file=step.path,
                            from_range=before,
                            to_range=after,
                            version=said.version if ours else None,
                            release_type=said.release_type if ours else None,
                            evidence=said.evidence if ours else (),
                            source="trailers" if ours else "diff",
                        ),
                    )
                )
    if len(by_file) > 1:  # one log gives the order across files (dates can tie or lie)
        order = {c.sha: i for i, c in enumerate(git.log(repo.root, sorted(paths)))}
        found = [(order.get(change.commit, index), change) for index, change in found]
    found.sort(key=lambda pair: pair[0])
    return [change for _, change in found]


def history(
    repo: Repository,
    app: str | None = None,
    stage: str | None = None,
    *,
    since: str | None = None,
    limit: int | None = None,
) -> list[RangeChange]:
    """Range changes of the app's (or every app's) semver policies, newest first: those
    committed after ``since`` (any date git understands), the newest ``limit`` of them."""
    need_git(repo)
    if app is not None:
        app = choose_app(repo, app)
    changes = changes_of(repo, stage_policies(repo, app, stage), since)
    return changes if limit is None else changes[:limit]
