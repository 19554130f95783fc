"""What every hook does: parse pre-commit's arguments, check the repository, print, exit.

pre-commit runs a hook in the repository root with the changed YAML files as arguments. The
whole repository is loaded (the gate rules compare stages across files); only the findings in
the files given are printed, so a commit is judged by what it touches. The change is compared
with its base (FS015): pre-commit's ``--from-ref`` when it gives one, else ``HEAD`` (the
staged change). Whatever goes wrong is one line and exit 2 (bad input) or 3 (a bug), never a
traceback and never 1, which pre-commit would read as findings (``flux_semver.edge``).

pre-commit passes no deleted file, and runs the hooks (``always_run``) even when no YAML file
is staged: under pre-commit the hook reads the commit's changes from git itself. A commit that
deletes or renames a policy file, or changes the config, is judged by every finding in the
repository (what it removed or renamed changes what the other files mean); a commit that
touches no YAML file at all is done at once, without a scan; a commit whose YAML files all hold
policies of known apps parses only the policy files of those apps and the Flux Kustomizations
(the findings about its files are about those apps); any other commit parses everything. Either
way the findings are those ``flux-semver check --base HEAD FILE...`` reports.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from flux_semver.edge import guard

CONFIG_NAME = ".flux-semver.yaml"
YAML = (".yaml", ".yml")
_FLUX_KUSTOMIZATION = b"Kustomization"


def _whole_repository(root: Path, config: Path | None) -> bool | None:
    """Under pre-commit: True when the commit deletes a policy file or changes the config
    (every finding counts), False otherwise; None when not run by pre-commit."""
    if os.environ.get("PRE_COMMIT") != "1":
        return None
    from flux_semver.repo import changes

    base, head = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if base and head:
        found, revision = changes.between(root, base, head), base
    else:
        found, revision = changes.staged(root), "HEAD"
    configs = {CONFIG_NAME}
    if config is not None:
        configs.add(os.path.relpath(config.resolve(), root.resolve()).replace(os.sep, "/"))
    if any(change.path in configs for change in found):
        return True
    return bool(changes.deleted_policy_files(root, found, revision))


def _focus(
    root: Path, names: Sequence[str], config: Path | None
) -> Callable[[str, bytes], bool] | None:
    """Which policy files to parse for a commit of ``names``: those files, the ones that
    mention an app whose policies they hold (every finding about the commit's files is about
    those apps), and every file with a Flux Kustomization (its post-build variables can set
    a range of any directory it applies). None (parse everything) when a committed YAML file
    cannot be read as YAML, is a kustomization (an overlay can change the policies of files
    it never names), is named by a kustomization above it (a patch file), or mentions a kind
    but holds no policy of a known app (a ConfigMap of post-build variables, a Flux
    Kustomization). A committed file that mentions no kind and no kustomization names (a
    Deployment, a tool's own config) changes no finding."""
    from flux_semver.check_result import relative_paths
    from flux_semver.repo import config as config_module
    from flux_semver.repo import layouts, manifests
    from flux_semver.repo.stages import StageResolver
    from flux_semver.repo.yaml_positions import YamlError

    chosen = relative_paths(root, names)
    resolver = StageResolver(config_module.load(root, config))
    apps: set[bytes] = set()
    for rel in chosen:
        if not rel.endswith(YAML):
            continue
        if layouts.is_kustomization_file(rel):
            return None
        try:
            raw = (root / rel).read_bytes()
            if not manifests.mentions_a_kind(raw):
                if _patched_by_a_kustomization(root, rel):
                    return None
                continue  # a file no scan reads (a Deployment, a tool's config)
            found = manifests.read(raw, rel, resolver)
        except (OSError, YamlError):
            return None
        if not found or any(not p.app or p.patch for p in found):
            return None
        apps.update(p.app.encode() for p in found if p.app)
    return lambda rel, raw: (
        rel in chosen or _FLUX_KUSTOMIZATION in raw or any(app in raw for app in apps)
    )


def _patched_by_a_kustomization(root: Path, rel: str) -> bool:
    """Whether a kustomization in the file's directory or above names it (a patch file
    holds no kind, yet can set a range): Kustomize reads no file outside its own tree."""
    from flux_semver.repo import layouts

    directory, _, name = rel.rpartition("/")
    parts = directory.split("/") if directory else []
    for depth in range(len(parts), -1, -1):
        folder = root.joinpath(*parts[:depth])
        for kustomization in layouts.KUSTOMIZATION_FILES:
            try:
                if name.encode() in (folder / kustomization).read_bytes():
                    return True
            except OSError:
                continue
    return False


def base_revision(root: Path) -> str | None:
    """What the change under check starts from: pre-commit's ``--from-ref``, else ``HEAD``
    when there is one (None in a repository without commits, or outside git)."""
    from flux_semver.errors import GitError
    from flux_semver.repo import git

    given = os.environ.get("PRE_COMMIT_FROM_REF")
    if given:
        return given
    try:
        git.run(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GitError:
        return None  # no commit yet, or no git repository: nothing to compare with
    return "HEAD"


class _Arguments:
    """The hook's arguments, as argparse would give them."""

    def __init__(self, filenames: list[str], config: Path | None, strict: bool) -> None:
        self.filenames = filenames
        self.config = config
        self.strict = strict


def _plain_arguments(argv: Sequence[str]) -> _Arguments | None:
    """What pre-commit passes (file names, ``--strict``, ``--config FILE``), read as argparse
    reads it, without building a parser: argparse's help formatter imports shutil, and its
    messages locale, on every run. None for anything else, which argparse then reads."""
    names: list[str] = []
    config: Path | None = None
    strict = False
    items = iter(argv)
    for item in items:
        if item == "--strict":
            strict = True
        elif item == "--config" or item.startswith("--config="):
            value = item.partition("=")[2] if "=" in item else next(items, None)
            if not value or value.startswith("-"):
                return None
            config = Path(value)
        elif item.startswith("-"):
            return None
        else:
            names.append(item)
    return _Arguments(names, config, strict)


def run(argv: Sequence[str] | None, codes: Sequence[str], description: str) -> int:
    """Run the rules ``codes`` (all when empty); 0 clean, 1 findings, 2 bad input, 3 a bug."""
    args = _plain_arguments(sys.argv[1:] if argv is None else argv)
    if args is None:  # anything else (--help, an unknown option, a bad one) is argparse's
        import argparse

        parser = argparse.ArgumentParser(description=description)
        parser.add_argument("filenames", nargs="*", help="files to report on (default: all)")
        parser.add_argument("--config", type=Path, default=None, help="config file")
        parser.add_argument("--strict", action="store_true", help="fail on warnings too")
        parsed = parser.parse_args(argv)
        args = _Arguments(parsed.filenames, parsed.config, parsed.strict)

    def check() -> int:
        root = Path.cwd()
        files: list[str] = list(args.filenames)
        whole = _whole_repository(root, args.config)
        if whole:
            files = []
        elif whole is False and not any(name.endswith(YAML) for name in files):
            return 0  # pre-commit, and this commit touches no YAML file: nothing to judge
        from flux_semver.repo import git_files

        git_files.prefetch(root)  # git lists the tree while the rules are imported
        from flux_semver import rules
        from flux_semver.reporters import text

        focus = _focus(root, files, args.config) if whole is False else None
        result = rules.check(
            root,
            args.config,
            files=files,
            selected=codes,
            parse_only=focus,
            base=base_revision(root),
            hook_cache=True,  # a hook runs on every commit: read only what changed
        )
        if result.findings:
            sys.stdout.write(text.render(result))
        return 1 if result.failed(args.strict) else 0

    return guard(check)
