"""The CLI's side of consulting a registry (``--registry-check``, ``policies --live``,
``latest --image/--registry``): the option, and the calls that find a command's tags. The
work is in :mod:`flux_semver.registry`, the printing in :mod:`flux_semver.reporters.deploys`;
without these options no command touches the network."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import click

from flux_semver.cli import Context
from flux_semver.errors import FluxSemverError
from flux_semver.model import Policy
from flux_semver.registry.deploys import Deploys
from flux_semver.registry.listing import Listings, OciImage, from_image_repository
from flux_semver.registry.reference import parse
from flux_semver.repo import helm_repositories, image_repositories
from flux_semver.repo.manifests import Repository

CHECK_ENV = "FLUX_SEMVER_REGISTRY_CHECK"
NO_REPOSITORY = "(no ImageRepository)"  # policies --live, for a policy whose image is unknown
NOTHING = "(nothing)"  # policies --live, when no tag is admitted
NO_HELM_REPOSITORY = "(no HelmRepository)"
NOT_LOOKED_UP = "(not looked up)"  # a GitRepository, a chart from a GitRepository or chartRef


def registry_check_option(func: Callable[..., None]) -> Callable[..., None]:
    """``--registry-check/--no-registry-check`` (default: FLUX_SEMVER_REGISTRY_CHECK, else off)."""
    option = click.option(
        "--registry-check/--no-registry-check",
        "registry_check",
        default=False,
        envvar=CHECK_ENV,
        show_envvar=True,
        help="Read each app's ImageRepository and list its tags in the registry: show per "
        "stage the tag Flux deploys now and after this change, and warn when that is "
        "not VERSION. Off by default: nothing is looked up.",
    )
    decorated: Callable[..., None] = option(func)
    return decorated


@contextmanager
def deploys_for(repo: Repository) -> Iterator[Deploys]:
    """A :class:`Deploys` over the repository's ImageRepositories; one listing per image."""
    listings = Listings()
    try:
        yield Deploys(
            image_repositories.scan(repo.root), listings, helm_repositories.scan(repo.root)
        )
    finally:
        listings.close()


def registry_tags(obj: Context, app: str | None, image: str | None) -> list[str]:
    """The tags ``latest --image APP`` or ``latest --registry IMAGE`` chooses among."""
    if image is not None:
        source = OciImage(parse(image))
    else:
        source = from_image_repository(_app_repository(obj, app or ""))
    listings = Listings()
    try:
        return listings.tags(source)
    finally:
        listings.close()


def _app_repository(obj: Context, app: str) -> image_repositories.ImageRepository:
    repositories = image_repositories.scan(obj.root)
    repo = obj.repository()
    for policy in repo.policies_for(app):
        found = image_repositories.for_policy(repositories, policy)
        if found is not None:
            return found
    found = image_repositories.nearest(repositories, app, None, "")
    if found is None:
        known = sorted({r.name for r in repositories})
        raise FluxSemverError(
            f"--image {app}: no ImageRepository for that app under "
            f"{obj.root} — known: {', '.join(known) or 'none'}; or give "
            "--registry IMAGE"
        )
    return found


def live_tags(repo: Repository, policies: Sequence[Policy]) -> dict[int, str]:
    """Index of a semver policy in ``policies`` -> the tag Flux deploys for it now (or why
    none); each image is listed once."""
    found: dict[int, str] = {}
    with deploys_for(repo) as deploys:
        for index, policy in enumerate(policies):
            if policy.range_text is None or policy.kind != "semver" or policy.patch:
                continue
            if not deploys.lookable(policy):
                found[index] = NOT_LOOKED_UP
            elif deploys.source_of(policy) is None:
                found[index] = (
                    NO_HELM_REPOSITORY
                    if policy.resource in ("HelmRelease", "HelmChart")
                    else NO_REPOSITORY
                )
            else:
                found[index] = deploys.deployed(policy, policy.range_text) or NOTHING
    return found
