"""A hook's scan lists the tree from git's index instead of walking it (repo/git_files.py,
repo/tree_files.py): on every tree git can describe it finds the very files, links,
problems and policies the walk finds, and passes over unread only files git vouches for."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from flux_semver.repo import config, git_files, hook_cache, manifests, tree_files
from tests.support.checkout import git
from tests.support.gitops import Repo, gitops_repo, policy

EXCLUDING = """\
stages:
  - name: dev
  - name: prod
    exact: true
exclude: ["charts/**", "vendor/"]
"""


Seen = tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]


def _seen(root: Path, exclude: tuple[str, ...], listing: git_files.Listing | None) -> Seen:
    tree = tree_files.Tree(root, False, exclude)
    files = sorted(rel for rel, _ in tree.files(listing))
    return files, sorted(tree.outside), sorted(tree.unlisted)


def _same_as_the_walk(repo: Repo) -> list[str]:
    """The files the git listing gives, after checking that the walk gives the same, and that
    a hook's scan and a plain one load the same repository."""
    listing = git_files.listing(repo.root)
    assert listing is not None
    exclude = config.load(repo.root, None).exclude
    listed = _seen(repo.root, exclude, listing)
    assert listed == _seen(repo.root, exclude, None)
    hooked = manifests.load(repo.root, hook_cache=True)
    plain = manifests.load(repo.root)
    assert (hooked.policies, hooked.errors, hooked.files_scanned) == (
        plain.policies,
        plain.errors,
        plain.files_scanned,
    )
    return listed[0]


def test_untracked_deleted_ignored_and_oddly_named_files(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    tracked = sorted(repo.git("ls-files", "*.yaml").split())
    (repo.root / tracked[0]).unlink()  # deleted, not staged
    repo.write(
        {
            "apps/new/policy.yaml": policy("new-dev", "new", "1.x"),  # untracked
            ".gitignore": "build/\n",
            "build/generated.yaml": policy("gen-dev", "gen", "2.x"),  # ignored: still read
            "apps/ünï cöde/policy.yml": policy("uni-dev", "uni", "3.x"),
        }
    )
    files = _same_as_the_walk(repo)
    assert tracked[0] not in files
    assert {"apps/new/policy.yaml", "build/generated.yaml", "apps/ünï cöde/policy.yml"} <= set(
        files
    )


def test_links_out_of_the_repository_are_reported_tracked_or_not(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "policy.yaml").write_text(policy("far-dev", "far", "1.x"))
    (repo.root / "apps").mkdir(exist_ok=True)
    (repo.root / "apps/far.yaml").symlink_to(outside / "policy.yaml")
    (repo.root / "apps/far-dir").symlink_to(outside)
    repo.commit("links out")
    (repo.root / "apps/later.yaml").symlink_to(outside / "policy.yaml")  # untracked
    (repo.root / "apps/inside.yaml").symlink_to(repo.root / ".flux-semver.yaml")
    _same_as_the_walk(repo)
    tree = tree_files.Tree(repo.root, False, ())
    list(tree.files(git_files.listing(repo.root)))
    assert sorted(rel for rel, _ in tree.outside) == [
        "apps/far-dir",
        "apps/far.yaml",
        "apps/later.yaml",
    ]


def test_excluded_directories_are_left_out_tracked_or_not(tmp_path: Path) -> None:
    repo = gitops_repo(
        tmp_path,
        {
            ".flux-semver.yaml": EXCLUDING,
            "charts/web/templates/policy.yaml": "{{ .Values.broken }}\n",
            "vendor/lib/policy.yaml": policy("lib-dev", "lib", "1.x"),
        },
        fixture=None,
    )
    repo.write({"charts/new/x.yaml": "kind: ImagePolicy\n{{", "vendor/x.yaml": "a: [\n"})
    files = _same_as_the_walk(repo)
    assert not [name for name in files if name.startswith(("charts/", "vendor/"))]


def test_nested_repositories_and_submodules_are_walked(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    nested = Repo(repo.root / "apps" / "nested", tmp_path / "home")
    nested.root.mkdir(parents=True)
    nested.git("init", "-q")
    nested.commit("inner", {"policy.yaml": policy("inner-dev", "inner", "1.x")})
    source = gitops_repo(tmp_path / "sub", {"sub.yaml": policy("sub-dev", "sub", "2.x")})
    git(
        repo.root,
        repo.env,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        str(source.root),
        "modules/sub",
    )
    repo.commit("a submodule")
    files = _same_as_the_walk(repo)
    assert "apps/nested/policy.yaml" in files
    assert "modules/sub/sub.yaml" in files


def _submodule(repo: Repo, tmp_path: Path, name: str) -> Repo:
    source = gitops_repo(tmp_path / name, {f"{name}.yaml": policy(f"{name}-dev", name, "2.x")})
    git(
        repo.root,
        repo.env,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        str(source.root),
        f"modules/{name}",
    )
    return Repo(repo.root / "modules" / name, tmp_path / "home")


def test_a_submodule_moved_on_or_gone_is_seen_as_it_stands(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    moved = _submodule(repo, tmp_path, "moved")
    _submodule(repo, tmp_path, "gone")
    repo.commit("two submodules")
    # checked out at another commit than the one recorded: git lists it twice (H and C)
    moved.commit("on", {"more.yaml": policy("more-dev", "more", "3.x")})
    shutil.rmtree(repo.root / "modules" / "gone")  # deleted from the work tree
    files = _same_as_the_walk(repo)
    assert files.count("modules/moved/more.yaml") == 1
    assert not [name for name in files if name.startswith("modules/gone")]
    assert manifests.load(repo.root, hook_cache=True).errors == ()


@pytest.mark.parametrize("inside", [True, False], ids=["link inside", "link outside"])
def test_a_tracked_directory_replaced_by_a_link_is_not_read_through_it(
    tmp_path: Path, inside: bool
) -> None:
    # git reads the tracked files below the link through it, and vouches for them; the walk
    # never goes through a link, and reports one that leaves the repository
    repo = gitops_repo(tmp_path, {"apps/web/policy.yaml": policy("web-dev", "web", "1.x")})
    target = repo.root / "apps" / "copy" if inside else tmp_path / "elsewhere"
    shutil.copytree(repo.root / "apps" / "web", target)
    shutil.rmtree(repo.root / "apps" / "web")
    (repo.root / "apps" / "web").symlink_to(target)
    files = _same_as_the_walk(repo)
    assert "apps/web/policy.yaml" not in files


def test_a_conflicted_file_is_read_as_it_stands(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path, {"apps/web/policy.yaml": policy("web-dev", "web", "1.x")})
    repo.git("checkout", "-q", "-b", "other")
    repo.commit("other", {"apps/web/policy.yaml": policy("web-dev", "web", "2.x")})
    repo.git("checkout", "-q", "-")
    repo.commit("mine", {"apps/web/policy.yaml": policy("web-dev", "web", "3.x")})
    with pytest.raises(subprocess.CalledProcessError):  # the merge stops on the conflict
        repo.git("merge", "-q", "other")
    assert "<<<<<<<" in (repo.root / "apps/web/policy.yaml").read_text()
    _same_as_the_walk(repo)
    loaded = manifests.load(repo.root, hook_cache=True)
    assert [e.file for e in loaded.errors] == ["apps/web/policy.yaml"]


def test_a_killed_writes_leftover_is_swept(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    leftover = repo.root / "apps" / f".policy.yaml.{_dead_pid()}.x1y2.tmp"
    leftover.parent.mkdir(exist_ok=True)
    leftover.write_text("half a write")
    manifests.load(repo.root, hook_cache=True)
    assert not leftover.exists()


def test_without_git_there_is_no_listing_and_the_scan_walks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = gitops_repo(tmp_path)
    expected = manifests.load(repo.root)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert git_files.listing(repo.root) is None
    loaded = manifests.load(repo.root, hook_cache=True)
    assert loaded.policies == expected.policies


def test_a_run_git_cannot_list_leaves_the_cache_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = gitops_repo(tmp_path)
    manifests.load(repo.root, hook_cache=True)
    cache = repo.root / ".git" / hook_cache.NAME
    kept = cache.read_bytes()
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    manifests.load(repo.root, hook_cache=True)
    assert cache.read_bytes() == kept  # not emptied: the next run can use it again


def test_a_plain_directory_has_no_listing(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(policy("web-dev", "web", "1.x"))
    assert git_files.listing(tmp_path) is None
    assert manifests.load(tmp_path, hook_cache=True).policies[0].name == "web-dev"


def _dead_pid() -> int:
    pid = 999_999
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


@pytest.mark.parametrize("memory_files", [True, False], ids=["in-memory files", "pipes"])
def test_a_listing_larger_than_a_pipe_comes_back_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_files: bool
) -> None:
    if not memory_files:  # as on a system without memfd_create (macOS)
        monkeypatch.delattr(os, "memfd_create", raising=False)
    names = [f"clusters/{'deep/' * 8}deployment-{n:04d}.yaml" for n in range(1200)]
    repo = gitops_repo(tmp_path, dict.fromkeys(names, "kind: Deployment\n"))
    assert len(repo.git("ls-files", "-s", "-z")) > 128 * 1024  # two pipes' worth
    listing = git_files.listing(repo.root)
    assert listing is not None
    assert set(names) <= {listing.path(record) for record in listing.vouched}


def test_a_scan_that_follows_links_walks_even_with_the_hook_cache(tmp_path: Path) -> None:
    # git lists a link as a link: following one needs the walk, and the cached files must
    # not be counted on top of what the walk finds
    repo = gitops_repo(tmp_path)
    (repo.root / "apps").mkdir(exist_ok=True)
    (repo.root / "apps/linked").symlink_to(repo.root / "clusters/dev")  # a directory
    repo.commit("a link inside")
    cfg = config.load(repo.root, None)
    plain = manifests.scan(repo.root, cfg, follow_symlinks=True)
    assert "apps/linked/podinfo.yaml" in {p.file for p in plain.policies}
    for _ in range(2):  # the second run has a cache to use
        cached = manifests.scan(repo.root, cfg, follow_symlinks=True, hook_cache=True)
        assert (cached.policies, cached.files_scanned) == (plain.policies, plain.files_scanned)
