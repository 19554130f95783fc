"""A user's GitOps repository for tests: real files in a real git repository.

``gitops_repo`` copies a fixture of ``tests/data/rules`` (the clean one by default), adds the
extra files given, and commits it all; ``commit`` records later changes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.checkout import git, git_env

DATA = Path(__file__).parent.parent / "data" / "rules"

POLICY = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: {name}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: {app}
{filter}  policy:
    semver:
      range: "{range}"
"""


def policy(
    name: str, app: str, range_text: str, *, pattern: str | None = None, extract: str | None = None
) -> str:
    """One ImagePolicy document as a user writes it, with ``filterTags`` when given."""
    filter_tags = ""
    if pattern is not None:
        filter_tags = f"  filterTags:\n    pattern: '{pattern}'\n"
        if extract is not None:
            filter_tags += f"    extract: '{extract}'\n"
    return POLICY.format(name=name, app=app, range=range_text, filter=filter_tags)


class Repo:
    """A git repository on disk with its git environment."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.env = git_env(home)

    def git(self, *args: str) -> str:
        return git(self.root, self.env, *args)

    def write(self, files: dict[str, str]) -> None:
        for name, content in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        if files:
            self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()


def gitops_repo(
    tmp_path: Path, files: dict[str, str] | None = None, fixture: str | None = "clean"
) -> Repo:
    """A committed GitOps repository in ``tmp_path/gitops``."""
    root = tmp_path / "gitops"
    if fixture is not None:
        shutil.copytree(DATA / fixture, root)
    else:
        root.mkdir()
    repo = Repo(root, tmp_path / "home")
    repo.git("init", "-q")
    repo.commit("initial", files)
    return repo
