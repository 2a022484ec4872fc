"""`make audit`: pip-audit against the installed virtualenv, saying plainly when nothing could be checked.

pip-audit exits 0 when its advisory source cannot be reached and every package is skipped ("Dependency not
found on PyPI and could not be audited"): an audit that checked nothing must not look like a clean one.
Exit codes: 0 every package checked and none vulnerable; 1 vulnerabilities found; 3 the advisory source
(PyPI's JSON API, or OSV with AUDIT_SERVICE=osv) could not be reached or answered for none of the packages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    service = os.environ.get("AUDIT_SERVICE", "pypi")
    cmd = [
        str(BIN / "pip-audit"),
        "--local",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--vulnerability-service",
        service,
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        tail = (run.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"AUDIT NOT DONE: pip-audit could not query {service} ({tail})", file=sys.stderr)
        return 3
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if "skip_reason" in d]
    checked = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in checked if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
    print(
        f"pip-audit ({service}): {len(checked)} packages checked, {len(vulnerable)} vulnerable, "
        f"{len(skipped)} not checked"
    )
    if deps and not checked:
        print(
            f"AUDIT NOT DONE: the advisory source ({service}) answered for none of the {len(deps)} installed "
            "packages - it is probably unreachable from this machine (no network, or a mirror without PyPI's "
            "JSON API). Run `make audit` where it is reachable; docs/operations.md says what to check instead.",
            file=sys.stderr,
        )
        return 3
    if skipped:
        print("not checked: " + ", ".join(sorted(d["name"] for d in skipped)), file=sys.stderr)
    return 1 if vulnerable else 0


if __name__ == "__main__":
    raise SystemExit(main())
