"""A plan checked against the registry: what Flux deploys per stage, and missing pins.

One call lists each image once and answers both questions, for faces that cannot hold a
listing open across steps (the GitHub Action): :func:`review`.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from flux_semver.model import Plan
from flux_semver.registry.deploys import Deployment, Deploys, MissingTag
from flux_semver.registry.listing import Listings
from flux_semver.repo import helm_repositories, image_repositories
from flux_semver.repo.manifests import Repository


class Review(msgspec.Struct, frozen=True):
    deployments: tuple[Deployment, ...]
    missing: tuple[MissingTag, ...]  # exact pins to tags the registry does not have


def review(repo: Repository, plan: Plan, environ: Mapping[str, str]) -> Review:
    """List the app's images (credentials from ``environ``) and check the plan against them."""
    listings = Listings(environ=environ)
    try:
        deploys = Deploys(
            image_repositories.scan(repo.root), listings, helm_repositories.scan(repo.root)
        )
        missing = () if plan.blocked else tuple(deploys.missing_pins(plan, repo.policies))
        return Review(tuple(deploys.for_plan(plan, repo.policies)), missing)
    finally:
        listings.close()
