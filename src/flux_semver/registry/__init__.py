"""The registry layer: which tags an image really has, read through the OCI distribution API.

``reference`` reads an image name as Flux does, ``credentials`` finds what to log in with,
``client`` lists a repository's tags (token flow, basic auth, pagination, retries, timeout),
``exclusion`` drops the tags an ImageRepository excludes, ``listing`` lists each tag source
once per run, and ``deploys`` says which tag Flux deploys for a policy now and after a plan.

Nothing here is used unless a command is asked to consult a registry: every command works
offline exactly as before. A tag source is anything with a ``key`` and a way to list its
tags (:class:`listing.TagSource`): an OCI image repository today; a Helm chart index or an
OCIRepository's tags can be added beside it without touching the commands.
"""

from __future__ import annotations

from flux_semver.errors import FluxSemverError


class RegistryError(FluxSemverError):
    """A registry could not be read (down, refused the credentials, no such image, bad page)."""


class RegistryAuthError(RegistryError):
    """The registry (or its token service) wants other credentials than it was given."""
