"""Registry-aware commands against a REAL registry (the CNCF distribution registry, basic
auth) and a small token-auth registry: latest --image/--registry, policies --live,
plan/promote --registry-check, and one clear line for each fault, with nothing written."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import registry_double, registry_server, registry_token

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "gitops-repo"
KINDS = Path(__file__).resolve().parent / "data" / "repos" / "kustomize-helm"
IMAGE_FILE = "base/imagerepository.yaml"
PROD = "clusters/prod/imagepolicy.yaml"
PRE = "clusters/pre-prod/imagepolicy.yaml"
REPOSITORY = "example-org/myapp"
TAGS = [
    "1.2.3",
    "1.2.4",
    "1.3.0-rc.1",
    "1.3.0",
    "1.3.1",
    "1.3.5",
    "1.9.0-cosign.sig",
    "latest",
    "main-3f2a1bc",
    *(f"0.{minor}.{patch}" for minor in range(6) for patch in range(6)),
]
CLEAN = {
    k: v for k, v in os.environ.items() if not k.startswith(("FLUX_SEMVER_", "DOCKER_", "GITHUB_"))
}


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[registry_server.Registry]:
    with registry_server.running(tmp_path_factory.mktemp("registry")) as running:
        running.push(REPOSITORY, TAGS)
        yield running


@pytest.fixture(scope="session")
def token_registry(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[registry_server.Registry, registry_token.TokenService]]:
    """The real registry again, with bearer-token auth against the tests' token service."""
    with (
        registry_token.serving() as service,
        registry_server.running(
            tmp_path_factory.mktemp("token-registry"), service, pusher=REPOSITORY
        ) as running,
    ):
        running.push(REPOSITORY, TAGS)
        yield running, service


@pytest.fixture
def double() -> Iterator[tuple[str, registry_double.State]]:
    with registry_double.serving() as served:
        yield served


def fs(
    root: Path,
    *args: str,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flux_semver", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        env={
            **CLEAN,
            "HOME": str(root.parent),
            "NO_COLOR": "1",
            "FLUX_SEMVER_REGISTRY_RETRIES": "1",
            **(env or {}),
        },
    )


def basic_env() -> dict[str, str]:
    return {
        "FLUX_SEMVER_REGISTRY_USERNAME": registry_server.USER,
        "FLUX_SEMVER_REGISTRY_PASSWORD": registry_server.PASSWORD,
    }


def gitops(tmp_path: Path, image: str, exclusion: list[str] | None = None) -> Path:
    """The bundled example with its ImageRepository pointed at ``image``."""
    root = tmp_path / "gitops"
    shutil.copytree(EXAMPLE, root)
    path = root / IMAGE_FILE
    text = path.read_text().replace("ghcr.io/example-org/myapp", image)
    if exclusion is not None:
        text += "  exclusionList:\n" + "".join(f"    - {json.dumps(e)}\n" for e in exclusion)
    path.write_text(text)
    dev = root / "clusters" / "dev" / "imagepolicy.yaml"  # these tests read dev on the 1.2 line
    dev.write_text(dev.read_text().replace('"1.x"', '"1.2.x"'))
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# -- latest --------------------------------------------------------------------------------


def test_latest_image_reads_the_apps_image_repository(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}")
    result = fs(root, "latest", "1.3.x", "--image", "myapp", env=basic_env())
    assert (result.returncode, result.stdout) == (0, "1.3.5\n"), result.stderr


def test_latest_registry_drops_cosign_signatures_as_flux_does(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    image = f"{registry.host}/{REPOSITORY}"
    # 1.9.0-cosign.sig reads as a version above 1.3.5; Flux's default exclusion drops it.
    result = fs(tmp_path, "latest", ">=1.0.0-0", "--registry", image, env=basic_env())
    assert result.stdout == "1.3.5\n", result.stderr


def test_an_exclusion_list_replaces_the_default(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}", exclusion=["^1\\.3\\.5$"])
    result = fs(root, "latest", ">=1.0.0-0", "--image", "myapp", env=basic_env())
    assert result.stdout == "1.9.0-cosign.sig\n", result.stderr
    result = fs(root, "latest", "1.3.x", "--image", "myapp", env=basic_env())
    assert result.stdout == "1.3.1\n", result.stderr


def test_more_tags_than_the_page_asked_for(
    registry: registry_server.Registry, tmp_path: Path
) -> None:
    # flux-semver asks for pages of 1,000 (?n=1000); the CNCF registry 2.8 answers every tag
    # in one page regardless: all 1,200 are read.
    registry.push("bulk/app", ["0.0.1"])
    registry.retag("bulk/app", [f"1.{i // 100}.{i % 100}" for i in range(1200)])
    result = fs(
        tmp_path, "latest", ">=1.0.0", "--registry", f"{registry.host}/bulk/app", env=basic_env()
    )
    assert result.stdout == "1.11.99\n", result.stderr
    result = fs(
        tmp_path, "latest", "1.0.x", "--registry", f"{registry.host}/bulk/app", env=basic_env()
    )
    assert result.stdout == "1.0.99\n", result.stderr


def test_latest_with_a_docker_config_login(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    pair = f"{registry_server.USER}:{registry_server.PASSWORD}".encode()
    docker = tmp_path / "docker"
    docker.mkdir()
    (docker / "config.json").write_text(
        json.dumps(
            {"auths": {f"http://{registry.host}": {"auth": base64.b64encode(pair).decode()}}}
        )
    )
    result = fs(
        tmp_path,
        "latest",
        "0.x",
        "--registry",
        f"{registry.host}/{REPOSITORY}",
        env={"DOCKER_CONFIG": str(docker)},
    )
    assert result.stdout == "0.5.5\n", result.stderr


# -- policies --live, plan and promote --registry-check -----------------------------------


def test_policies_live_shows_the_tag_each_stage_deploys(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}")
    result = fs(root, "policies", "--live", "--format", "json", env=basic_env())
    assert result.returncode == 0, result.stderr
    live = {row["name"]: row["deploys"] for row in json.loads(result.stdout)}
    assert live == {"myapp-dev": "1.2.4", "myapp-preprod": "1.2.4", "myapp-prod": "1.2.3"}
    text = fs(root, "policies", "--live", env=basic_env()).stdout
    assert "DEPLOYS" in text.splitlines()[0]
    assert any("myapp-prod" in line and " 1.2.3 " in line for line in text.splitlines())


def test_plan_says_what_flux_deploys_now_and_after(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}")
    result = fs(root, "plan", "1.3.0", "--registry-check", env=basic_env())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    pre = next(line for line in lines if line.strip().startswith("pre-prod") and "Flux" in line)
    assert "Flux deploys 1.2.4 now → 1.3.5 after this change" in pre
    warning = lines[lines.index(pre) + 1]
    assert "warning: Flux would deploy 1.3.5, not 1.3.0" in warning
    data = json.loads(
        fs(root, "plan", "1.3.0", "--registry-check", "--format", "json", env=basic_env()).stdout
    )
    by_stage = {row["stage"]: row for row in data["registry"]}
    assert (by_stage["pre-prod"]["now"], by_stage["pre-prod"]["after"]) == ("1.2.4", "1.3.5")
    assert (by_stage["prod"]["now"], by_stage["prod"]["after"]) == ("1.2.3", "1.2.3")
    assert by_stage["prod"]["warning"] is None


def test_plan_warns_of_a_release_not_pushed_yet(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}")
    result = fs(root, "plan", "1.2.5", "--registry-check", "--format", "json", env=basic_env())
    assert result.returncode == 0, result.stderr
    by_stage = {row["stage"]: row for row in json.loads(result.stdout)["registry"]}
    assert by_stage["dev"]["warning"] == (
        "Flux would deploy 1.2.4, not 1.2.5: no tag 1.2.5 "
        "in the registry yet (push the image first)"
    )
    assert by_stage["prod"]["after"] is None
    assert by_stage["prod"]["warning"] == (
        "Flux would deploy nothing, not 1.2.5: no tag 1.2.5 in the registry yet; the "
        "ImagePolicy fails and the stage stays on 1.2.3"
    )


def test_a_hotfix_says_what_flux_deploys_after_its_pin_and_warns_of_a_missing_tag(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}")
    pre = root / PRE  # pre-prod runs the newer line: 1.2.x for prod is a hotfix
    pre.write_text(pre.read_text().replace('"1.2.x"', '"1.3.x"'))
    result = fs(root, "plan", "1.2.4", "--registry-check", env=basic_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("myapp 1.2.4: hotfix")
    lines = result.stdout.splitlines()
    prod = next(line for line in lines if line.strip().startswith("prod") and "Flux" in line)
    assert "Flux deploys 1.2.3 now → 1.2.4 after this change" in prod
    assert not any("warning" in line for line in lines[lines.index(prod) :])
    result = fs(root, "plan", "1.2.5", "--registry-check", "--format", "json", env=basic_env())
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["action"] for c in data["changes"] if c["stage"] == "prod"] == ["hotfix"]
    by_stage = {row["stage"]: row for row in data["registry"]}
    assert (by_stage["prod"]["now"], by_stage["prod"]["after"]) == ("1.2.3", None)
    assert by_stage["prod"]["warning"] == (
        "Flux would deploy nothing, not 1.2.5: no tag 1.2.5 in the registry yet; the "
        "ImagePolicy fails and the stage stays on 1.2.3"
    )


def test_plan_without_the_option_stays_offline(tmp_path: Path) -> None:
    root = gitops(tmp_path, "127.0.0.1:9/example-org/myapp")  # nothing listens there
    result = fs(root, "plan", "1.3.0")
    assert result.returncode == 0, result.stderr
    assert "Flux deploys" not in result.stdout


def test_promote_refuses_an_exact_pin_to_a_tag_that_was_never_pushed(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}")
    before = snapshot(root)
    result = fs(root, "promote", "1.2.5", "--registry-check", env=basic_env())
    assert result.returncode == 1, result
    assert snapshot(root) == before
    refused = [line for line in result.stderr.splitlines() if "refused" in line]
    assert len(refused) == 1
    assert f"{PROD}:" in refused[0]
    assert "no tag 1.2.5" in refused[0]
    assert "(nearest: 1.2.3, 1.2.4, 1.3.0, 1.3.1)" in refused[0]


def test_promote_writes_the_pin_when_the_tag_exists_or_when_told(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}")
    result = fs(root, "promote", "1.2.4", "--registry-check", env=basic_env())
    assert result.returncode == 0, result.stderr
    assert 'range: "1.2.4"' in (root / PROD).read_text()
    result = fs(
        root, "promote", "1.2.5", "--registry-check", "--allow-missing-tag", env=basic_env()
    )
    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stderr and "no tag 1.2.5" in result.stderr
    assert 'range: "1.2.5"' in (root / PROD).read_text()


def test_promote_offline_writes_as_before(tmp_path: Path) -> None:
    root = gitops(tmp_path, "127.0.0.1:9/example-org/myapp")
    result = fs(root, "promote", "1.2.5")
    assert result.returncode == 0, result.stderr
    assert 'range: "1.2.5"' in (root / PROD).read_text()


# -- faults: one clear line, exit 2, nothing written ---------------------------------------


def test_wrong_credentials(tmp_path: Path, registry: registry_server.Registry) -> None:
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}")
    before = snapshot(root)
    line = one_error_line(
        fs(
            root,
            "promote",
            "1.3.0",
            "--registry-check",
            env={"FLUX_SEMVER_REGISTRY_USERNAME": "ci", "FLUX_SEMVER_REGISTRY_PASSWORD": "wrong"},
        )
    )
    assert "refused the credentials from FLUX_SEMVER_REGISTRY_USERNAME" in line
    assert "(401)" in line
    assert line.startswith(f"flux-semver: error: {IMAGE_FILE}:5: ")
    assert snapshot(root) == before


def test_no_credentials_for_a_private_registry(
    tmp_path: Path, registry: registry_server.Registry
) -> None:
    line = one_error_line(
        fs(tmp_path, "latest", "1.x", "--registry", f"{registry.host}/{REPOSITORY}")
    )
    assert "needs credentials (401)" in line and "FLUX_SEMVER_REGISTRY_USERNAME" in line
    # A cloud provider's ImageRepository: the line says how to log in.
    root = gitops(tmp_path, f"{registry.host}/{REPOSITORY}")
    path = root / IMAGE_FILE
    path.write_text(path.read_text() + "  provider: aws\n")
    line = one_error_line(fs(root, "latest", "1.x", "--image", "myapp"))
    assert line.endswith(
        "(spec.provider: aws: flux-semver does not log in to the cloud "
        "itself; docker login with the cloud's credential helper first)"
    )


def test_unknown_image(tmp_path: Path, registry: registry_server.Registry) -> None:
    root = gitops(tmp_path, f"{registry.host}/example-org/no-such-app")
    before = snapshot(root)
    line = one_error_line(fs(root, "plan", "1.3.0", "--registry-check", env=basic_env()))
    assert f"{IMAGE_FILE}:5: " in line
    assert "no such image (404 NAME_UNKNOWN)" in line
    assert snapshot(root) == before


def test_registry_down(tmp_path: Path) -> None:
    root = gitops(tmp_path, f"127.0.0.1:{registry_server.free_port()}/{REPOSITORY}")
    before = snapshot(root)
    line = one_error_line(fs(root, "promote", "1.3.0", "--registry-check"))
    assert "cannot reach the registry 127.0.0.1:" in line and "Connection refused" in line
    assert snapshot(root) == before


def test_a_bad_image_name_points_at_its_file(tmp_path: Path) -> None:
    root = gitops(tmp_path, "ghcr.io/example-org/myapp:1.2.3")
    line = one_error_line(fs(root, "latest", "1.x", "--image", "myapp"))
    assert f"{IMAGE_FILE}:5: spec.image: " in line and "should not include a tag" in line


# -- the token flow against the real registry --------------------------------------------


def test_token_flow_with_credentials_against_the_real_registry(
    tmp_path: Path, token_registry: tuple[registry_server.Registry, registry_token.TokenService]
) -> None:
    running, service = token_registry
    root = gitops(tmp_path, f"{running.host}/{REPOSITORY}")
    before = len(service.log)
    result = fs(
        root,
        "latest",
        "1.2.x",
        "--image",
        "myapp",
        env={
            "FLUX_SEMVER_REGISTRY_USERNAME": registry_token.USER,
            "FLUX_SEMVER_REGISTRY_PASSWORD": registry_token.PASSWORD,
        },
    )
    assert result.stdout == "1.2.4\n", result.stderr
    path, auth = service.log[before]
    assert "scope=repository%3Aexample-org%2Fmyapp%3Apull" in path
    assert "service=flux-semver-tests" in path
    assert auth is not None and auth.startswith("Basic ")


def test_anonymous_token_flow_against_the_real_registry(
    tmp_path: Path, token_registry: tuple[registry_server.Registry, registry_token.TokenService]
) -> None:
    running, service = token_registry
    image = f"{running.host}/{REPOSITORY}"
    # Private: the anonymous token grants nothing and the registry says so.
    line = one_error_line(fs(tmp_path, "latest", "1.x", "--registry", image))
    assert "needs credentials (401)" in line
    service.public.add(REPOSITORY)
    try:
        result = fs(tmp_path, "latest", "1.x", "--registry", image)
    finally:
        service.public.discard(REPOSITORY)
    assert result.stdout == "1.3.5\n", result.stderr
    assert service.log[-1][1] is None  # no credentials were sent to the token service


def test_wrong_credentials_at_the_real_registrys_token_service(
    tmp_path: Path, token_registry: tuple[registry_server.Registry, registry_token.TokenService]
) -> None:
    running, _ = token_registry
    line = one_error_line(
        fs(
            tmp_path,
            "latest",
            "1.x",
            "--registry",
            f"{running.host}/{REPOSITORY}",
            env={
                "FLUX_SEMVER_REGISTRY_USERNAME": registry_token.USER,
                "FLUX_SEMVER_REGISTRY_PASSWORD": "wrong",
            },
        )
    )
    assert "refused the credentials from FLUX_SEMVER_REGISTRY_USERNAME" in line


# -- pagination, retries, malformed pages (the token-auth registry double) ----------------


def test_anonymous_token_flow_for_a_public_image(
    tmp_path: Path, double: tuple[str, registry_double.State]
) -> None:
    host, state = double
    state.images["public/app"] = ["1.0.0", "1.1.0", "2.0.0"]
    state.public.add("public/app")
    result = fs(tmp_path, "latest", "1.x", "--registry", f"{host}/public/app")
    assert result.stdout == "1.1.0\n", result.stderr
    paths = [path for path, _ in state.log]
    assert paths[0].startswith("/v2/public/app/tags/list")
    assert paths[1].startswith("/token?") and "scope=repository%3Apublic%2Fapp%3Apull" in paths[1]
    assert state.log[2][1] is not None and state.log[2][1].startswith("Bearer ")


def test_token_flow_with_credentials_and_more_tags_than_one_page(
    tmp_path: Path, double: tuple[str, registry_double.State]
) -> None:
    host, state = double
    state.images["team/app"] = [f"1.{i // 100}.{i % 100}" for i in range(10_000)]
    root = gitops(tmp_path, f"{host}/team/app")
    env = {
        "FLUX_SEMVER_REGISTRY_USERNAME": registry_double.USER,
        "FLUX_SEMVER_REGISTRY_PASSWORD": registry_double.PASSWORD,
    }
    result = fs(
        root,
        "plan",
        "1.99.99",
        "--release-type",
        "minor",
        "--registry-check",
        "--format",
        "json",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    rows = {row["stage"]: row for row in json.loads(result.stdout)["registry"]}
    assert rows["dev"]["now"] == "1.2.99"  # dev's 1.2.x, among 10,000 tags
    assert rows["pre-prod"]["after"] == "1.99.99"
    # 100 pages of 100 tags (the server's page limit), listed once for all three stages.
    assert state.tag_requests("team/app") == 1 + 100  # the first 401, then the pages
    token_calls = [auth for path, auth in state.log if path.startswith("/token")]
    assert len(token_calls) == 1 and token_calls[0] is not None
    assert token_calls[0].startswith("Basic ")


def test_a_5xx_then_success_is_retried(
    tmp_path: Path, double: tuple[str, registry_double.State]
) -> None:
    host, state = double
    state.images["public/app"] = ["1.0.0", "1.0.1"]
    state.public.add("public/app")
    state.failures.extend([503])
    result = fs(tmp_path, "latest", "1.0.x", "--registry", f"{host}/public/app")
    assert result.stdout == "1.0.1\n", result.stderr
    assert state.tag_requests("public/app") == 3  # 401, 503, 200


def test_a_registry_that_keeps_failing(
    tmp_path: Path, double: tuple[str, registry_double.State]
) -> None:
    host, state = double
    state.images["public/app"] = ["1.0.0"]
    state.public.add("public/app")
    state.failures.extend([503] * 5)
    line = one_error_line(fs(tmp_path, "latest", "1.0.x", "--registry", f"{host}/public/app"))
    assert "kept failing" in line or "answered 503" in line
    assert "try again later" in line


def test_a_malformed_tags_page(tmp_path: Path, double: tuple[str, registry_double.State]) -> None:
    host, state = double
    state.images["public/app"] = ["1.0.0"]
    state.public.add("public/app")
    state.malformed.add("public/app")
    line = one_error_line(fs(tmp_path, "latest", "1.0.x", "--registry", f"{host}/public/app"))
    assert "tags page is not JSON (starts '<html>" in line


def test_wrong_credentials_at_the_token_service(
    tmp_path: Path, double: tuple[str, registry_double.State]
) -> None:
    host, state = double
    state.images["team/app"] = ["1.0.0"]
    docker = tmp_path / "docker"
    docker.mkdir()
    (docker / "config.json").write_text(
        json.dumps({"auths": {host: {"username": "robot", "password": "nope"}}})
    )
    line = one_error_line(
        fs(
            tmp_path,
            "latest",
            "1.x",
            "--registry",
            f"{host}/team/app",
            env={"DOCKER_CONFIG": str(docker)},
        )
    )
    assert f"refused the credentials from {docker / 'config.json'}" in line


def test_a_registry_that_does_not_answer_times_out(
    tmp_path: Path, double: tuple[str, registry_double.State]
) -> None:
    host, state = double
    state.images["public/app"] = ["1.0.0"]
    state.public.add("public/app")
    state.stall = 3.0
    line = one_error_line(
        fs(
            tmp_path,
            "latest",
            "1.0.x",
            "--registry",
            f"{host}/public/app",
            env={"FLUX_SEMVER_REGISTRY_TIMEOUT": "0.5", "FLUX_SEMVER_REGISTRY_RETRIES": "0"},
        )
    )
    assert "did not answer within 0.5 s (1 tries)" in line
    assert "FLUX_SEMVER_REGISTRY_TIMEOUT" in line


def test_an_app_without_an_image_repository(tmp_path: Path) -> None:
    root = gitops(tmp_path, "ghcr.io/example-org/myapp")
    (root / IMAGE_FILE).unlink()
    line = one_error_line(fs(root, "latest", "1.x", "--image", "myapp"))
    assert "--image myapp: no ImageRepository for that app" in line
    line = one_error_line(fs(root, "plan", "1.3.0", "--registry-check"))
    assert "clusters/dev/imagepolicy.yaml:" in line and "no ImageRepository named 'myapp'" in line


def test_bad_registry_settings_are_one_clear_line(tmp_path: Path) -> None:
    line = one_error_line(
        fs(
            tmp_path,
            "latest",
            "1.x",
            "--registry",
            "ghcr.io/a/b",
            env={"FLUX_SEMVER_REGISTRY_TIMEOUT": "soon"},
        )
    )
    assert "FLUX_SEMVER_REGISTRY_TIMEOUT must be seconds" in line


def test_a_next_page_on_another_host_is_refused(
    tmp_path: Path, double: tuple[str, registry_double.State]
) -> None:
    host, state = double
    state.images["public/app"] = [f"1.0.{i}" for i in range(150)]
    state.public.add("public/app")
    state.next_host = "203.0.113.9:5000"
    line = one_error_line(fs(tmp_path, "latest", "1.0.x", "--registry", f"{host}/public/app"))
    assert "next tags page is on another host (203.0.113.9:5000)" in line


def test_a_pin_through_filter_tags_needs_a_tag_the_filter_keeps(
    tmp_path: Path, double: tuple[str, registry_double.State]
) -> None:
    host, state = double
    state.images["team/app"] = ["main-1.2.3", "main-1.2.4", "main-1.3.0", "1.2.5"]
    state.public.add("team/app")
    root = gitops(tmp_path, f"{host}/team/app")
    prod = root / PROD
    prod.write_text(
        prod.read_text().replace('range: "1.2.3"', 'range: "1.2.4"')
        + "  filterTags:\n    pattern: '^main-(?P<v>.*)$'\n    extract: '$v'\n"
    )
    before = snapshot(root)
    # 1.2.5 exists, but not as main-1.2.5, the tag of the release on prod's track: prod's filter
    # could never select the other one.
    result = fs(root, "promote", "main-1.2.5", "--registry-check")
    assert result.returncode == 1, result
    assert "has no tag 1.2.5 (read through its filterTags)" in result.stderr
    assert "(nearest: main-1.2.3, main-1.2.4, main-1.3.0)" in result.stderr
    assert snapshot(root) == before
    state.images["team/app"].append("main-1.2.5")
    result = fs(root, "promote", "main-1.2.5", "--registry-check")
    assert result.returncode == 0, result.stderr
    assert 'range: "1.2.5"' in prod.read_text()


# -- the other kinds: a HelmRelease's chart index, an OCIRepository's tags -----------------


def kinds_repo(tmp_path: Path, charts: str, oci: str) -> Path:
    """The flux2-kustomize-helm-example layout with its HelmRepository at ``charts`` and its
    OCIRepository at ``oci``."""
    root = tmp_path / "kinds"
    shutil.copytree(KINDS, root)
    for rel, old, new in (
        ("apps/base/podinfo/repository.yaml", "https://charts.example.com/podinfo", charts),
        (
            "infrastructure/controllers/cert-manager.yaml",
            "oci://registry.example.com/charts/cert-manager",
            oci,
        ),
    ):
        path = root / rel
        path.write_text(path.read_text().replace(old, new))
    return root


def test_live_and_plan_for_a_helm_release_and_an_oci_repository(
    tmp_path: Path, double: tuple[str, registry_double.State], registry: registry_server.Registry
) -> None:
    host, state = double
    state.charts["podinfo"] = ["6.6.0", "6.5.4", "6.5.3", "6.5.2", "6.5.2+build.1"]
    registry.push("charts/cert-manager", ["1.15.3", "1.16.2", "1.16.3", "2.0.0-rc.1"])
    root = kinds_repo(
        tmp_path, f"http://{host}/charts", f"oci://{registry.host}/charts/cert-manager"
    )
    result = fs(root, "policies", "--live", "--format", "json", env=basic_env())
    assert result.returncode == 0, result.stderr
    live = {(row["resource"], row["stage"]): row["deploys"] for row in json.loads(result.stdout)}
    assert live == {
        ("HelmRelease", "prod"): "6.5.3",
        ("HelmRelease", "pre-prod"): "6.5.4",
        ("OCIRepository", "prod"): "1.16.2",
        ("OCIRepository", "pre-prod"): "1.16.3",
    }
    assert state.log == [("/charts/index.yaml", None)]  # one index read for both stages

    plan = fs(
        root,
        "plan",
        "6.6.0",
        "--image",
        "podinfo",
        "--registry-check",
        "--format",
        "json",
        env=basic_env(),
    )
    assert plan.returncode in (0, 1), plan.stderr
    rows = {row["stage"]: row for row in json.loads(plan.stdout)["registry"]}
    assert rows["pre-prod"]["now"] == "6.5.4"


def test_promote_refuses_a_chart_version_the_index_does_not_have(
    tmp_path: Path, double: tuple[str, registry_double.State], registry: registry_server.Registry
) -> None:
    host, state = double
    state.charts["podinfo"] = ["6.6.0", "6.5.4", "6.5.3"]
    root = kinds_repo(
        tmp_path, f"http://{host}/charts", f"oci://{registry.host}/charts/cert-manager"
    )
    before = snapshot(root)
    result = fs(root, "promote", "6.5.5", "--image", "podinfo", "--registry-check", env=basic_env())
    assert result.returncode == 1, result
    assert snapshot(root) == before
    assert (
        "has no version 6.5.5 for HelmRelease/podinfo/podinfo to pin (nearest: 6.5.3, 6.5.4, 6.6.0)"
    ) in result.stderr
    assert f"http://{host}/charts/index.yaml (podinfo)" in result.stderr


def test_a_chart_index_that_lacks_the_chart(
    tmp_path: Path, double: tuple[str, registry_double.State], registry: registry_server.Registry
) -> None:
    host, state = double
    state.charts["other"] = ["1.0.0"]
    root = kinds_repo(
        tmp_path, f"http://{host}/charts", f"oci://{registry.host}/charts/cert-manager"
    )
    line = one_error_line(fs(root, "policies", "--live", env=basic_env()))
    assert line.startswith("flux-semver: error: apps/base/podinfo/repository.yaml:2: ")
    assert "the index has no chart 'podinfo'" in line
