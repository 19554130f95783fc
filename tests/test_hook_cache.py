"""A hook's scan passes over, unread, the files an earlier scan found quiet and that git says
have not changed since, takes the small ones it must parse from its cache — and never misses
a file that changed (repo/hook_cache.py, repo/git_files.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flux_semver import rules
from flux_semver.repo import hook_cache, manifests
from tests.support.gitops import Repo, gitops_repo, policy
from tests.support.layouts import POST_BUILD_KUSTOMIZATION, POST_BUILD_POLICY, POST_BUILD_VARS

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{n}
spec:
  replicas: 1
"""


# a dev policy whose range Flux refuses (FS001)
BAD = policy("web-dev", "web", "one.two")


def _deployment(n: int) -> str:
    """A Deployment of exactly BAD's size (a comment pads it)."""
    text = DEPLOYMENT.format(n=n) + "# "
    return text + "x" * (len(BAD) - len(text) - 1) + "\n"


def _committed(repo: Repo, count: int = 20) -> list[str]:
    """``count`` Deployment files, committed."""
    names = [f"clusters/dev/web/deploy-{n:02d}.yaml" for n in range(count)]
    repo.commit("deployments", {name: _deployment(n) for n, name in enumerate(names)})
    return names


def _blob(repo: Repo, rel: str) -> bytes:
    return repo.git("rev-parse", f":{rel}").strip().encode()


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the scan opens, in order (the real reader still does the reading)."""
    opened: list[str] = []
    real = manifests._read

    def counting(path: str) -> bytes:
        opened.append(Path(path).as_posix())
        return real(path)

    monkeypatch.setattr(manifests, "_read", counting)
    return opened


def _findings(root: Path, *, remember: bool) -> list[tuple[str, str, int]]:
    result = rules.check(root, hook_cache=remember)
    return [(f.code, f.file, f.line) for f in result.findings]


def test_a_second_scan_reads_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = gitops_repo(tmp_path)
    deployments = _committed(repo)
    first = _findings(repo.root, remember=True)
    assert (repo.root / ".git" / hook_cache.NAME).is_file()
    opened = _reads(monkeypatch)
    assert _findings(repo.root, remember=True) == first
    assert opened == []  # quiet files passed over, policy files taken from the cache
    # an edited policy file is read from disk, and only it
    policies = sorted(repo.git("ls-files", "clusters/*/podinfo.yaml").split())
    assert policies
    target = repo.root / policies[0]
    target.write_text(target.read_text().replace("range:", "range:  "))
    assert _findings(repo.root, remember=True) == first
    assert opened == [target.as_posix()]
    # without the cache, every file is read, and the findings are the same
    opened.clear()
    assert _findings(repo.root, remember=False) == first
    assert all(any(path.endswith(name) for path in opened) for name in deployments)


def test_a_cached_policy_file_edited_is_judged_on_its_new_bytes(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path, {"clusters/dev/web.yaml": policy("web-dev", "web", "1.x")})
    assert not [f for f in _findings(repo.root, remember=True) if f[0] == "FS001"]
    (repo.root / "clusters/dev/web.yaml").write_text(BAD)  # not staged
    assert [
        f
        for f in _findings(repo.root, remember=True)
        if f[:2] == ("FS001", "clusters/dev/web.yaml")
    ]
    repo.git("add", "-A")  # staged: a new blob, never cached before
    assert [
        f
        for f in _findings(repo.root, remember=True)
        if f[:2] == ("FS001", "clusters/dev/web.yaml")
    ]


def test_a_large_file_is_read_from_disk_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    padding = "# " + "x" * 100 + "\n"
    large = policy("web-dev", "web", "1.x") + padding * (hook_cache.MAX_FILE // len(padding))
    repo = gitops_repo(tmp_path, {"clusters/dev/web.yaml": large}, fixture=None)
    _findings(repo.root, remember=True)
    opened = _reads(monkeypatch)
    _findings(repo.root, remember=True)
    assert [Path(p).name for p in opened] == ["web.yaml"]


def test_the_former_record_is_removed(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    former = repo.root / ".git" / "flux-semver-quiet-files"
    former.write_bytes(b"a record of an earlier version")
    manifests.load(repo.root, hook_cache=True)
    assert not former.exists()
    assert (repo.root / ".git" / hook_cache.NAME).is_file()


def test_a_quiet_file_that_becomes_a_policy_is_read_and_judged(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    deployments = _committed(repo)
    before = _findings(repo.root, remember=True)
    # the same file, now a policy with a range Flux refuses: FS001 must see it at once
    target = repo.root / deployments[3]
    target.write_text(BAD)
    after = _findings(repo.root, remember=True)
    assert after == _findings(repo.root, remember=False)
    assert [f for f in after if f[:2] == ("FS001", deployments[3])]
    assert after != before


def test_an_edit_that_keeps_the_size_is_seen(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    deployments = _committed(repo)
    _findings(repo.root, remember=True)
    target = repo.root / deployments[0]
    assert len(target.read_bytes()) == len(BAD.encode())
    target.write_text(BAD)  # the same size, within the same second as the scan before
    after = _findings(repo.root, remember=True)
    assert [f for f in after if f[:2] == ("FS001", deployments[0])], (
        "the edited file was passed over as if unchanged"
    )


def test_the_cache_names_files_git_vouches_for_by_path_and_content(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    deployments = _committed(repo, count=3)
    untracked = "clusters/dev/web/fresh.yaml"
    repo.write({untracked: _deployment(99)})
    edited = deployments[0]
    repo.write({edited: _deployment(0) + "# edited, not staged\n"})
    manifests.load(repo.root, hook_cache=True)
    cache = (repo.root / ".git" / hook_cache.NAME).read_bytes()
    assert _entry(repo, deployments[1]) in cache
    assert _entry(repo, deployments[2]) in cache
    # git cannot vouch for an untracked file, nor for the edited one's new bytes: each is
    # read on every scan, and neither is remembered, under its old blob or its new one
    assert _entry(repo, edited) not in cache
    repo.git("add", untracked, edited)
    assert _blob(repo, untracked) not in cache
    assert _blob(repo, edited) not in cache
    # the same bytes under another name are another file: read, then remembered
    moved = "clusters/dev/web/moved.yaml"
    repo.git("mv", deployments[1], moved)
    manifests.load(repo.root, hook_cache=True)
    assert _entry(repo, moved) in (repo.root / ".git" / hook_cache.NAME).read_bytes()


def _entry(repo: Repo, rel: str) -> bytes:
    """git's index record of a tracked file, as ``git ls-files -v -s`` prints it."""
    return b"H " + repo.git("ls-files", "-s", rel).strip().encode()


def test_an_assume_unchanged_file_is_still_read(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    deployments = _committed(repo)
    _findings(repo.root, remember=True)
    # git stops looking at a file marked so: its index entry no longer vouches for its bytes
    repo.git("update-index", "--assume-unchanged", deployments[5])
    (repo.root / deployments[5]).write_text(BAD)
    after = _findings(repo.root, remember=True)
    assert [f for f in after if f[:2] == ("FS001", deployments[5])]
    assert after == _findings(repo.root, remember=False)


def test_a_damaged_record_is_read_past(tmp_path: Path) -> None:
    repo = gitops_repo(tmp_path)
    _committed(repo, count=3)
    expected = _findings(repo.root, remember=False)
    (repo.root / ".git" / hook_cache.NAME).write_bytes(b"\x00not a record")
    assert _findings(repo.root, remember=True) == expected
    assert (repo.root / ".git" / hook_cache.NAME).read_bytes() != b"\x00not a record"


def test_nothing_is_written_outside_a_git_directory(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "policy.yaml").write_text(policy("web-dev", "web", "1.x"))
    before = sorted(p.name for p in root.rglob("*"))
    manifests.load(root, hook_cache=True)
    assert sorted(p.name for p in root.rglob("*")) == before


def test_a_remembered_configmap_still_sets_its_variables(tmp_path: Path) -> None:
    repo = gitops_repo(
        tmp_path,
        {
            "apps/staging/imagepolicy.yaml": POST_BUILD_POLICY.format(default="1.2.x"),
            "clusters/staging/apps.yaml": POST_BUILD_KUSTOMIZATION.format(env="staging"),
            "clusters/staging/vars.yaml": POST_BUILD_VARS.format(env="staging", value="1.1.x"),
        },
        fixture=None,
    )

    def ranges() -> list[tuple[str | None, str | None, str]]:
        loaded = manifests.load(repo.root, hook_cache=True)
        return sorted((p.stage, p.range_text, p.file) for p in loaded.policies)

    first = ranges()
    assert ("pre-prod", "1.1.x", "clusters/staging/vars.yaml") in first
    record = (repo.root / ".git" / hook_cache.NAME).read_bytes()
    assert _blob(repo, "clusters/staging/vars.yaml") in record  # passed over unread next time
    assert ranges() == first


def test_a_new_exclude_glob_is_not_hidden_by_the_cache(tmp_path: Path) -> None:
    # the files the cache passes over count as scanned: a cache kept under other exclude
    # globs would count files the config now leaves out
    repo = gitops_repo(tmp_path)
    _committed(repo)
    before = manifests.load(repo.root, hook_cache=True).files_scanned
    repo.write(
        {
            ".flux-semver.yaml": "stages:\n  - name: dev\n  - name: pre-prod\n"
            "  - name: prod\n    exact: true\n    after: pre-prod\n"
            'exclude: ["clusters/dev/web/**"]\n'
        }
    )
    hooked = manifests.load(repo.root, hook_cache=True)
    assert hooked.files_scanned == manifests.load(repo.root).files_scanned == before - 20 + 1
