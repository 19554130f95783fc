"""The registry layer's pure parts: image names as Flux reads them, Flux's exclusion list,
where credentials come from, WWW-Authenticate challenges, and the tags nearest a missing pin."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from flux_semver.registry import RegistryError, credentials, exclusion
from flux_semver.registry.client import challenge
from flux_semver.registry.deploys import nearest
from flux_semver.registry.reference import parse


@pytest.mark.parametrize(
    ("text", "registry", "repository", "base"),
    [
        ("nginx", "index.docker.io", "library/nginx", "https://index.docker.io"),
        ("docker.io/nginx", "index.docker.io", "library/nginx", "https://index.docker.io"),
        (
            "stefanprodan/podinfo",
            "index.docker.io",
            "stefanprodan/podinfo",
            "https://index.docker.io",
        ),
        ("ghcr.io/org/team/app", "ghcr.io", "org/team/app", "https://ghcr.io"),
        ("localhost:5000/app", "localhost:5000", "app", "http://localhost:5000"),
        ("localhost/app", "localhost", "app", "http://localhost"),
        ("127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "http://127.0.0.1:5000"),
        (
            "registry.internal:443/my_app",
            "registry.internal:443",
            "my_app",
            "https://registry.internal:443",
        ),
        ("reg.example.com/a--b/c__d", "reg.example.com", "a--b/c__d", "https://reg.example.com"),
    ],
)
def test_image_names_read_as_flux_reads_them(
    text: str, registry: str, repository: str, base: str
) -> None:
    image = parse(text)
    assert (image.registry, image.repository, image.base_url) == (registry, repository, base)


def test_insecure_image_repositories_use_plain_http() -> None:
    assert parse("registry.internal/app", insecure=True).base_url == "http://registry.internal"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("https://ghcr.io/org/app", "should not include a URL scheme — remove 'https://'"),
        ("ghcr.io/org/app:1.2.3", "should not include a tag — remove ':1.2.3'"),
        ("ghcr.io/org/app@sha256:abc", "should not include a digest"),
        ("ghcr.io/Org/app", "'Org' is not a valid repository name component"),
        ("", "the image name is empty"),
    ],
)
def test_bad_image_names_say_what_to_change(text: str, says: str) -> None:
    with pytest.raises(RegistryError) as caught:
        parse(text)
    assert says in str(caught.value)


def test_flux_default_exclusion_list_applies_when_missing_or_empty() -> None:
    tags = ["1.0.0", "sha256-abc.sig", "1.1.0-cosign.sig", "1.2.0.sigx", "sig"]
    kept = ["1.0.0", "1.2.0.sigx", "sig"]
    assert exclusion.apply(tags, None) == kept
    assert exclusion.apply(tags, []) == kept
    # The default's shortcut agrees with the expression itself, line breaks included.
    odd = ["a\nb.sig", "x.sig\n", ".sig", "1.0.0.SIG", "sig.sig.sig"]
    assert exclusion.apply(odd, None) == exclusion.apply(odd, list(exclusion.DEFAULT))
    # A list of one's own replaces the default; entries match anywhere (unanchored).
    assert exclusion.apply(tags, ["cosign"]) == ["1.0.0", "sha256-abc.sig", "1.2.0.sigx", "sig"]


def test_an_exclusion_pattern_flux_cannot_compile_is_one_clear_error() -> None:
    with pytest.raises(RegistryError) as caught:
        exclusion.apply(["1.0.0"], ["(?<=x)y"], "base/repo.yaml:5: spec.exclusionList")
    assert str(caught.value).startswith("base/repo.yaml:5: spec.exclusionList[0]: ")
    assert "RE2" in str(caught.value)


def test_challenges_parse_with_quotes_and_commas() -> None:
    scheme, params = challenge(
        'Bearer realm="https://auth.docker.io/token",'
        'service="registry.docker.io",scope="repository:a/b:pull,push"'
    )
    assert scheme == "bearer"
    assert params == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
        "scope": "repository:a/b:pull,push",
    }
    assert challenge('Basic realm="x"') == ("basic", {"realm": "x"})


# -- credentials ------------------------------------------------------------------------------


def _docker_config(tmp_path: Path, data: object) -> dict[str, str]:
    (tmp_path / "config.json").write_text(json.dumps(data))
    return {"DOCKER_CONFIG": str(tmp_path)}


def test_environment_credentials_come_first(tmp_path: Path) -> None:
    env = {
        "FLUX_SEMVER_REGISTRY_USERNAME": "u",
        "FLUX_SEMVER_REGISTRY_PASSWORD": "p",
        "GITHUB_TOKEN": "gh",
        **_docker_config(
            tmp_path, {"auths": {"ghcr.io": {"auth": base64.b64encode(b"d:dp").decode()}}}
        ),
    }
    found = credentials.find("ghcr.io", env)
    assert (found.username, found.password) == ("u", "p")
    assert credentials.find("ghcr.io", {**env, "FLUX_SEMVER_REGISTRY_TOKEN": "t"}).token == "t"


def test_half_a_username_password_pair_is_an_error() -> None:
    with pytest.raises(RegistryError, match="FLUX_SEMVER_REGISTRY_PASSWORD is not set"):
        credentials.find("ghcr.io", {"FLUX_SEMVER_REGISTRY_USERNAME": "u"})


def test_docker_config_auths_match_by_host(tmp_path: Path) -> None:
    env = _docker_config(
        tmp_path,
        {
            "auths": {
                "https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub:hp").decode()},
                "registry.example.com": {"username": "ru", "password": "rp"},
                "tok.example.com": {"registrytoken": "rt"},
            }
        },
    )
    hub = credentials.find("index.docker.io", env)
    assert (hub.username, hub.password) == ("hub", "hp")
    assert "config.json" in hub.source
    other = credentials.find("registry.example.com", env)
    assert (other.username, other.password) == ("ru", "rp")
    assert credentials.find("tok.example.com", env).token == "rt"
    assert credentials.find("ghcr.io", env).anonymous


def test_github_token_is_used_for_ghcr_only() -> None:
    env = {"GITHUB_TOKEN": "ghs_x", "GITHUB_ACTOR": "octo"}
    ghcr = credentials.find("ghcr.io", env)
    assert (ghcr.username, ghcr.password, ghcr.source) == ("octo", "ghs_x", "GITHUB_TOKEN")
    assert credentials.find("quay.io", env).anonymous


def test_a_credential_helper_is_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helper = tmp_path / "bin" / "docker-credential-fake"
    helper.parent.mkdir()
    helper.write_text(
        "#!/bin/sh\nread server\n"
        '[ "$server" = registry.example.com ] || exit 1\n'
        'echo \'{"ServerURL": "x", "Username": "hu", "Secret": "hs"}\'\n'
    )
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{helper.parent}:/usr/bin:/bin")
    env = _docker_config(tmp_path, {"credHelpers": {"registry.example.com": "fake"}})
    found = credentials.find("registry.example.com", env)
    assert (found.username, found.password) == ("hu", "hs")
    assert credentials.find("other.example.com", env).anonymous


def test_a_broken_docker_config_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"auths": {\n  "x": }')
    with pytest.raises(RegistryError) as caught:
        credentials.find("ghcr.io", {"DOCKER_CONFIG": str(tmp_path)})
    assert str(caught.value).startswith(f"{tmp_path / 'config.json'}:2: ")
    assert "not valid JSON" in str(caught.value)


def test_credentials_never_print_their_secret() -> None:
    found = credentials.find("ghcr.io", {"GITHUB_TOKEN": "ghs_secret"})
    assert "ghs_secret" not in repr(found)


def test_nearest_tags_to_a_missing_pin_skip_prereleases() -> None:
    tags = ["1.2.3", "v1.2.4", "1.3.0-rc.1", "1.3.0", "1.3.1", "1.4.0", "latest"]
    assert nearest(tags, "1.2.5") == ("1.2.3", "v1.2.4", "1.3.0", "1.3.1")
    assert nearest(tags, "0.1.0") == ("1.2.3", "v1.2.4")
    assert nearest(["latest"], "1.0.0") == ()
