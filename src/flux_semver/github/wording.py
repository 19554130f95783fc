"""The library's messages in the action's words: it speaks the CLI's options, the action's user
sets inputs (``--image`` is the `image` input), and an option the action does not have
(``rollback --to``) is said to be the CLI's, with what to do in the action instead."""

from __future__ import annotations

_CLI_ONLY = (
    (
        "pass one with --to RANGE",
        "set one by hand in a pull request (the action has no `to` input; the CLI's "
        "`flux-semver rollback --to RANGE` writes it)",
    ),
    (
        "pass the version to restore with --to VERSION",
        "set the version to restore by hand in a pull request (the action has no `to` input; "
        "the CLI's `flux-semver rollback --to VERSION` writes it)",
    ),
    (
        "give --to a range",
        "set by hand (the action has no `to` input) a range",
    ),
)
_OPTION_TO_INPUT = (
    ("--image", "the `image` input"),
    ("--stage", "the `stages` input"),
    ("--release-type", "the `release-type` input"),
    ("--config", "the `config` input"),
    ("flux-semver -C DIR", "the `path` input"),
    ("-C DIR", "the `path` input"),
)


def in_input_terms(message: str) -> str:
    """``message`` with the CLI's options named as the action's inputs."""
    for said, meant in (*_CLI_ONLY, *_OPTION_TO_INPUT):
        message = message.replace(said, meant)
    return message
