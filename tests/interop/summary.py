"""Prints the scenario x library table from the verdicts the interop tests left behind.

Usage: python3 summary.py target/tmp/interop/verdicts
Each cell is "ok N" (all N checks held), "FAIL k/N" (k of N checks failed) or "-" (not run).
"""

import glob
import json
import os
import sys

COLUMNS = ["python3-saml", "node-saml", "xmlsec1"]


def main(directory):
    cells = {}
    libraries = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                verdict = json.load(f)
        except (OSError, ValueError):
            continue
        driver, scenario, user = (os.path.basename(path)[:-5].split("__") + ["", ""])[:3]
        row = scenario if user in ("", "alice") else "%s (%s)" % (scenario, user)
        checks = verdict.get("checks") or []
        failed = sum(1 for c in checks if not c.get("ok"))
        if verdict.get("ok") and checks and not failed:
            cell = "ok %d" % len(checks)
        elif verdict.get("error") and not checks:
            cell = "ERROR"
        else:
            cell = "FAIL %d/%d" % (failed, len(checks))
        cells[(row, driver)] = cell
        if verdict.get("library"):
            libraries[driver] = verdict["library"]
    if not cells:
        print("interop: no verdicts in %s" % directory)
        return
    rows = sorted({r for r, _ in cells})
    width = max(len(r) for r in rows + ["scenario"])
    print()
    print("interop verdicts (checks per scenario):")
    print("  %-*s  %s" % (width, "scenario", "  ".join("%-12s" % c for c in COLUMNS)))
    for row in rows:
        print("  %-*s  %s" % (width, row, "  ".join("%-12s" % cells.get((row, c), "-") for c in COLUMNS)))
    print("  " + "; ".join(libraries[c] for c in COLUMNS if c in libraries))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/tmp/interop/verdicts")
