"""Which YAML files of a repository a scan reads: found by walking the tree, or listed by git.

Either way the answer is the same: every ``.yaml``/``.yml`` regular file under the root that
no exclude glob names, never inside a ``.git`` directory, never through a symbolic link that
leaves the root. What cannot be seen is kept for the scan to report: directories that cannot
be listed (``unlisted``: relative path, reason) and symbolic links, to a YAML file or a
directory, that point out of the repository (``outside``: relative path, target). Leftover
temporaries of killed writes are swept on the way (:mod:`~flux_semver.repo.leftovers`).

:meth:`Tree.files` yields ``(relative posix path, index record or None)``: git's index record of
the file when git vouches that the file's bytes are its blob
(:mod:`~flux_semver.repo.git_files`), which lets a hook pass over, unread, a file it knows.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from flux_semver.repo import leftovers
from flux_semver.repo.git_files import Listing

EXTENSIONS = (".yaml", ".yml")


class Tree:
    """The YAML files under ``root``, never leaving it and never reading an excluded one."""

    def __init__(self, root: Path, follow_symlinks: bool, exclude: tuple[str, ...]) -> None:
        self.root = root
        self.follow_symlinks = follow_symlinks
        self.unlisted: list[tuple[str, str]] = []
        self.outside: list[tuple[str, str]] = []
        self._excluded = _matcher(exclude)
        self._top = os.path.realpath(root)
        self._seen = {self._top}
        self._dirs: dict[str, bool] = {}

    def files(self, listing: Listing | None = None) -> Iterator[tuple[str, str | None]]:
        """Every YAML file that is not excluded: walked, or as git's ``listing`` has it (for
        a walk that follows no link: git lists links as they are)."""
        if listing is None:
            yield from self._walk(str(self.root), "")
        else:
            yield from self._listed(listing)

    def _walk(self, start: str, start_prefix: str) -> Iterator[tuple[str, str | None]]:
        stack: list[tuple[str, str]] = [(start, start_prefix)]
        excluded = self._excluded
        while stack:
            directory, prefix = stack.pop()
            try:
                entries = list(os.scandir(directory))
            except OSError as exc:
                self.unlisted.append((prefix or ".", exc.strerror or "cannot list it"))
                continue
            for entry in entries:
                name = entry.name
                rel = prefix + name
                if entry.is_symlink():
                    yield from self._link(entry.path, name, rel, stack)
                elif entry.is_dir(follow_symlinks=False):
                    if name != ".git" and not (excluded and excluded(rel + "/")):
                        stack.append((entry.path, rel + "/"))
                elif (
                    name.endswith(EXTENSIONS)
                    and entry.is_file(follow_symlinks=False)
                    and not (excluded and excluded(rel))
                ):
                    yield rel, None  # never a FIFO or a device: reading one would block
                elif name.endswith(".tmp") and name.startswith("."):
                    leftovers.remove_if_stale(entry.path, name)  # a killed write's leftover

    def _listed(self, listing: Listing) -> Iterator[tuple[str, str | None]]:
        root, excluded = self.root, self._excluded
        # what git lists beside the index, looked at on disk first: a link there (to a
        # directory that replaced a tracked one, say) hides the paths git lists below it,
        # which git reads through the link and a walk never does
        modes = {rel: _mode(f"{root}/{rel}") for rel in (*listing.on_disk, *listing.subtrees)}
        links = {rel for rel, mode in modes.items() if mode is not None and stat.S_ISLNK(mode)}
        hidden = _Below(links) if links else None
        for record in listing.vouched:
            rel = listing.path(record)
            if (
                rel.endswith(EXTENSIONS)
                and not (excluded and self._excluded_path(rel))
                and not (hidden and hidden(rel))
            ):
                yield rel, record
        for rel in listing.on_disk:
            if (excluded and self._excluded_path(rel, file=False)) or (hidden and hidden(rel)):
                continue
            yield from self._on_disk(rel, modes[rel])
        for rel in listing.subtrees:  # a submodule or nested repository, as it stands
            mode = modes[rel]  # None: gone from the work tree, or left out by a sparse checkout
            if (
                mode is None
                or (excluded and self._excluded_path(rel + "/"))
                or (hidden and hidden(rel))
            ):
                continue
            if stat.S_ISLNK(mode):
                yield from self._link(f"{root}/{rel}", rel.rpartition("/")[2], rel, [])
            elif stat.S_ISDIR(mode):
                yield from self._walk(f"{root}/{rel}", rel + "/")

    def _on_disk(self, rel: str, mode: int | None) -> Iterator[tuple[str, str | None]]:
        """A path git lists but does not vouch for, as the walk would see it."""
        if mode is None:
            return  # deleted from the work tree, or left out by a sparse checkout
        path = f"{self.root}/{rel}"
        name = rel.rpartition("/")[2]
        if stat.S_ISLNK(mode):
            yield from self._link(path, name, rel, [])
        elif not stat.S_ISREG(mode):
            return  # a directory now: git lists what is in it by itself
        elif name.endswith(EXTENSIONS):
            if not (self._excluded and self._excluded(rel)):
                yield rel, None
        elif name.endswith(".tmp") and name.startswith("."):
            leftovers.remove_if_stale(path, name)  # a killed write's leftover

    def _excluded_path(self, rel: str, *, file: bool = True) -> bool:
        """Whether an exclude glob names ``rel`` (when it is a file: ``file``) or a
        directory it lies in, as the walk, which never enters an excluded one, sees it."""
        directory, _, _ = rel.rstrip("/").rpartition("/")
        if directory and self._excluded_dir(directory):
            return True
        assert self._excluded is not None
        return file and self._excluded(rel)

    def _excluded_dir(self, directory: str) -> bool:
        known = self._dirs.get(directory)
        if known is None:
            parent = directory.rpartition("/")[0]
            assert self._excluded is not None
            known = (bool(parent) and self._excluded_dir(parent)) or self._excluded(directory + "/")
            self._dirs[directory] = known
        return known

    def _link(
        self, path: str, name: str, rel: str, stack: list[tuple[str, str]]
    ) -> Iterator[tuple[str, str | None]]:
        real = os.path.realpath(path)
        is_dir = Path(real).is_dir()
        if not is_dir and not name.endswith(EXTENSIONS):
            return
        if self._excluded and self._excluded(rel + "/" if is_dir else rel):
            return
        top = self._top
        if real != top and not real.startswith(top + os.sep):
            # never followed out of the repository, but never dropped without a word
            self.outside.append((rel, str(Path(path).readlink())))
            return
        if not self.follow_symlinks:
            return  # its target inside the repository is read under its own name
        if is_dir:
            if real not in self._seen and name != ".git":
                self._seen.add(real)
                stack.append((path, rel + "/"))
        elif Path(real).is_file():
            yield rel, None


def _mode(path: str) -> int | None:
    """The file type and mode of ``path`` itself (a link, not what it leads to); None when
    there is nothing there."""
    try:
        return os.lstat(path).st_mode
    except OSError:
        return None


class _Below:
    """Whether a relative path lies below one of some directories (links, here), answered
    per directory once."""

    def __init__(self, directories: set[str]) -> None:
        self._directories = directories
        self._known: dict[str, bool] = {}

    def __call__(self, rel: str) -> bool:
        directory = rel.rpartition("/")[0]
        if not directory:
            return False
        known = self._known.get(directory)
        if known is None:
            known = directory in self._directories or self(directory)
            self._known[directory] = known
        return known


def _matcher(patterns: tuple[str, ...]) -> Callable[[str], bool] | None:
    """A test of a relative path (a directory's ends with ``/``) against the exclude globs."""
    if not patterns:
        return None
    from wcmatch import glob  # imported only for configs that exclude something

    flags = glob.GLOBSTAR | glob.DOTGLOB
    return lambda rel: bool(glob.globmatch(rel, patterns, flags=flags))
