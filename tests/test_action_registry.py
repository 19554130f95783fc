"""The action's ``registry-check`` input end to end: entrypoint.py in a simulated runner (see
test_action.py), the GitOps repository's ImageRepository pointing at a token-auth registry
on 127.0.0.1 (tests/support/registry_double.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import registry_double
from tests.support.action_runner import OWNER, REPO, START, TOKEN, Runner
from tests.support.github_server import github_server

IMAGE_REPOSITORY = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: myapp
  namespace: flux-system
spec:
  image: {image}
  interval: 5m
"""


@pytest.fixture
def registry() -> Iterator[tuple[str, registry_double.State]]:
    with registry_double.serving() as served:
        served[1].images["acme/myapp"] = ["1.2.3", "1.2.4", "2.0.1", "latest"]
        served[1].public.add("acme/myapp")
        yield served


@pytest.fixture
def runner(tmp_path: Path, registry: tuple[str, registry_double.State]) -> Iterator[Runner]:
    with github_server(OWNER, REPO, TOKEN, bare_repo=tmp_path / "origin.git") as server:
        runner = Runner(tmp_path, server)
        path = runner.author / "base" / "imagerepository.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(IMAGE_REPOSITORY.format(image=f"{registry[0]}/acme/myapp"))
        runner.write_ranges(START, "Scan myapp's image")
        yield runner


def test_a_pin_to_a_tag_never_pushed_stops_the_run(
    runner: Runner,
    registry: tuple[str, registry_double.State],  # noqa: ARG001 - started for the runner
) -> None:
    result = runner.run(registry_check="true")  # the release event's v2.0.0: prod pins 2.0.0
    assert result.code == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert "file=clusters/prod/imagepolicy.yaml" in errors[0]
    assert "has no tag 2.0.0" in errors[0] and "(nearest: 1.2.3, 1.2.4, 2.0.1)" in errors[0]
    assert runner.branches() == ["main"]  # nothing pushed
    assert runner.server.open_pulls() == []
    assert "What Flux deploys" in result.summary


def test_registry_check_reports_what_flux_deploys(
    runner: Runner, registry: tuple[str, registry_double.State]
) -> None:
    registry[1].images["acme/myapp"].append("2.0.0")
    result = runner.run(registry_check="true")
    assert result.code == 0, result.stdout + result.stderr
    assert len(runner.server.open_pulls()) == 3
    rows = [line for line in result.summary.splitlines() if line.startswith("| ")]
    assert "| prod | <code>flux-system/myapp-prod</code> | 1.2.3 | 2.0.0 |  |" in rows
    assert (
        "| dev | <code>flux-system/myapp-dev</code> | 1.2.4 | 2.0.1 | ⚠️ Flux would "
        "deploy 2.0.1, not 2.0.0: 2.0.1 is the highest tag 2.0.x admits |" in rows
    )
    assert any(
        line.startswith("::warning") and "dev: Flux would deploy 2.0.1" in line
        for line in result.stdout.splitlines()
    )
    # One listing for the three stages' policies: the 401 that starts the token flow, one page.
    assert registry[1].tag_requests("acme/myapp") == 2


def test_without_the_input_the_registry_is_never_asked(
    runner: Runner, registry: tuple[str, registry_double.State]
) -> None:
    result = runner.run()
    assert result.code == 0, result.stdout + result.stderr
    assert registry[1].log == []
    assert "What Flux deploys" not in result.summary


def test_a_registry_username_without_a_password_is_an_input_error() -> None:
    from flux_semver.github.inputs import InputError, read_inputs

    given = {"registry-username": "robot"}
    with pytest.raises(InputError, match="go together"):
        read_inputs(lambda name: given.get(name, ""), {})
    inputs = read_inputs(
        lambda name: {**given, "registry-password": "pw", "registry-check": "true"}.get(name, ""),
        {},
    )
    assert (inputs.registry_check, inputs.registry_username) == (True, "robot")
