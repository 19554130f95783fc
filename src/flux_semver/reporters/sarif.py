"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

One run; ``tool.driver.rules`` lists every rule (id, name, descriptions, help link, default
level), each result points at its rule by id and index, at a file relative to the repository
root, and carries a fingerprint that stays put when unrelated lines move.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from flux_semver.check_result import CheckResult
from flux_semver.model import Finding
from flux_semver.project import HOME, readme_anchor
from flux_semver.rules import RULES, Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(result: CheckResult) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"


def document(result: CheckResult) -> dict[str, Any]:
    """The SARIF log as plain data."""
    index = {code: i for i, code in enumerate(RULES)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "flux-semver",
                        "version": _version(),
                        "informationUri": HOME,
                        "rules": [_rule(rule) for rule in RULES.values()],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "repository root"}}},
                "results": [_result(f, index.get(f.code, -1)) for f in result.findings],
            }
        ],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    why = rule.doc.split("\n\n")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary.replace("`", "")},
        "fullDescription": {"text": (why[1] if len(why) > 1 else why[0]).replace("**", "")},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "helpUri": readme_anchor(f"{rule.code.lower()}-{rule.name}"),
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": ["flux", "gitops"]},
    }


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    fingerprint = hashlib.sha256(
        "\0".join((f.code, f.file, f.policy or "", f.message)).encode()
    ).hexdigest()
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": f.severity,
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(f.file, safe="/"), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.line, "startColumn": f.column},
                }
            }
        ],
        "partialFingerprints": {"fluxSemverFinding/v1": fingerprint},
    }
    if rule_index >= 0:
        result["ruleIndex"] = rule_index
    return result


def _version() -> str:
    from importlib import metadata  # slow to import: only for SARIF

    try:
        return metadata.version("flux-semver")
    except metadata.PackageNotFoundError:
        return "0+unknown"
