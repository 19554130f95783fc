"""Stage and app resolution: label, then config paths, then aliases.

README: Which stage a policy belongs to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flux_semver.model import Config, Stage
from flux_semver.repo import config
from flux_semver.repo.stages import StageResolver, app_of

DEFAULTS = StageResolver(config.DEFAULT_CONFIG)


@pytest.mark.parametrize(
    ("name", "file", "stage", "source"),
    [
        ("web-prod-eu", "apps/web.yaml", "prod", 'alias "prod" in name "web-prod-eu"'),
        ("web-prod-01", "apps/web.yaml", "prod", 'alias "prod" in name "web-prod-01"'),
        (
            "myapp-production",
            "policy.yaml",
            "prod",
            'alias "production" in name "myapp-production"',
        ),
        (
            "web",
            "clusters/production/web.yaml",
            "prod",
            'alias "production" in directory "clusters/production"',
        ),
        ("web-pre-prod", "apps/web.yaml", "pre-prod", 'alias "pre-prod" in name "web-pre-prod"'),
        ("web-preprod", "apps/web.yaml", "pre-prod", 'alias "preprod" in name "web-preprod"'),
        # the directory comes before the file name (FS012 reports the disagreement)
        ("web", "clusters/prod/staging.yaml", "prod", 'alias "prod" in directory "clusters/prod"'),
        (
            "web",
            "clusters/apps/staging.yaml",
            "pre-prod",
            'alias "staging" in file name "staging.yaml"',
        ),
        # pre-prod is never prod, whatever the aliases
        (
            "web",
            "clusters/pre-prod/web.yaml",
            "pre-prod",
            'alias "pre-prod" in directory "clusters/pre-prod"',
        ),
        (
            "web",
            "clusters/prod/eu/staging-only/web.yml",
            "pre-prod",
            'alias "staging" in directory "clusters/prod/eu/staging-only"',
        ),
        ("web", "clusters/prod/eu/web.yml", "prod", 'alias "prod" in directory "clusters/prod"'),
        ("web-stage-1", "x.yaml", "pre-prod", 'alias "stage" in name "web-stage-1"'),
        ("web-qa2", "x.yaml", "pre-prod", 'alias "qa" in name "web-qa2"'),
        ("web-live", "x.yaml", "prod", 'alias "live" in name "web-live"'),
        ("web_dev.eu", "x.yaml", "dev", 'alias "dev" in name "web_dev.eu"'),
        (
            "web",
            "Clusters/Production/web.yaml",
            "prod",
            'alias "production" in directory "Clusters/Production"',
        ),
        ("products", "stages/devices.yaml", None, "no stage matched"),
        ("preproduction", "x.yaml", None, "no stage matched"),
        ("web", "clusters/my-cluster/web.yaml", None, "no stage matched"),
    ],
)
def test_aliases_match_whole_words(name: str, file: str, stage: str | None, source: str) -> None:
    match = DEFAULTS.resolve(name=name, file=file, labels={})
    assert (match.stage, match.source) == (stage, source)


def test_the_directory_beats_the_name_and_the_disagreement_is_told() -> None:
    file = "clusters/dev/image-automation.yaml"
    staging = DEFAULTS.resolve(name="demo-staging", file=file, labels={})
    assert (staging.stage, staging.conflict) == (
        "dev",
        'alias "staging" in name "demo-staging" says pre-prod',
    )
    assert DEFAULTS.resolve(name="demo-production", file=file, labels={}).stage == "dev"
    demo = DEFAULTS.resolve(name="demo", file=file, labels={})
    assert (demo.stage, demo.conflict) == ("dev", None)
    # outside a stage's directory the name still decides
    other = DEFAULTS.resolve(name="demo-staging", file="apps/image-automation.yaml", labels={})
    assert (other.stage, other.conflict) == ("pre-prod", None)


def test_renamed_aliases_never_make_pre_prod_prod() -> None:
    renamed = Config(
        stages=(
            Stage("staging", aliases=("staging", "stage")),
            Stage("prod", aliases=("prod", "production"), after="staging"),
        )
    )
    match = StageResolver(renamed).resolve(name="web", file="clusters/pre-prod/web.yaml", labels={})
    assert match.stage is None  # not prod: "prod" after "pre-" is no alias match
    for word in ("non-prod", "pre_production", "nonprod"):
        assert StageResolver(renamed).resolve(name=word, file="x.yaml", labels={}).stage is None


def test_the_label_wins_and_may_name_an_alias() -> None:
    file = "clusters/production/web.yaml"
    label = {"flux-semver/stage": "dev"}
    assert DEFAULTS.resolve(name="web-prod", file=file, labels=label).stage == "dev"
    by_alias = DEFAULTS.resolve(name="web", file=file, labels={"flux-semver/stage": "staging"})
    assert (by_alias.stage, by_alias.source) == ("pre-prod", "label flux-semver/stage")
    unknown = DEFAULTS.resolve(name="web-prod", file=file, labels={"flux-semver/stage": "canary"})
    assert unknown.stage is None
    assert "'canary' names no stage (stages: dev, pre-prod, prod)" in unknown.source


def test_config_paths_decide_when_given() -> None:
    with_paths = Config(
        stages=(
            Stage("dev", aliases=("dev",), paths=("clusters/dev/**",)),
            Stage("prod", aliases=("prod",), paths=("clusters/prod*/**", "regions/*/live.yaml")),
        )
    )
    resolver = StageResolver(with_paths)
    match = resolver.resolve(name="web-dev", file="clusters/prod-eu/apps/web.yaml", labels={})
    assert (match.stage, match.source) == ("prod", 'config path "clusters/prod*/**"')
    assert resolver.resolve(name="web", file="regions/eu/live.yaml", labels={}).stage == "prod"
    assert resolver.resolve(name="web", file="clusters/dev/a/b/c.yaml", labels={}).stage == "dev"
    # aliases no longer decide: a prod-named policy outside every path maps to no stage
    outside = resolver.resolve(name="web-prod", file="other/web.yaml", labels={})
    assert outside.stage is None and "no config path matches" in outside.source


def test_resolve_stage_reads_a_loaded_config(tmp_path: Path) -> None:
    (tmp_path / ".flux-semver.yaml").write_text(
        "stages:\n  - name: test\n    aliases: [tst]\n  - name: live\n    after: test\n"
    )
    loaded = config.load(tmp_path)
    resolver = StageResolver(loaded)
    assert resolver.resolve(name="api-tst", file="a.yaml", labels={}).stage == "test"
    assert resolver.resolve(name="api", file="live/a.yaml", labels={}).stage == "live"


def test_app_is_the_label_else_the_image_repository() -> None:
    assert app_of({"flux-semver/app": "shop"}, "shop-images") == "shop"
    assert app_of({}, "shop-images") == "shop-images"
    assert app_of({}, None) is None
