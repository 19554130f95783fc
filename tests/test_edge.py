"""The outer edge every face runs under: what a ``main`` that exits or raises returns."""

from __future__ import annotations

import sys

import pytest

from flux_semver.edge import guard
from flux_semver.errors import ConfigError


def test_a_plain_sys_exit_is_success() -> None:
    assert guard(lambda: sys.exit()) == 0


@pytest.mark.parametrize("code", [0, 1, 3])
def test_an_exit_with_a_code_keeps_it(code: int) -> None:
    assert guard(lambda: sys.exit(code)) == code


def test_an_input_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    def main() -> int:
        raise ConfigError("stages[0]: needs a name")

    assert guard(main) == 2
    assert capsys.readouterr().err == "flux-semver: error: stages[0]: needs a name\n"
