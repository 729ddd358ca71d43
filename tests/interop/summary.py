"""Prints the scenario x library table from the verdicts the interop tests left behind.

Usage: python3 summary.py target/tmp/interop/verdicts
Each cell is "ok N" (all N checks held), "FAIL k/N" (k of N checks failed) or "-" (not run).
The last column says how the server was started for that row: the registry file from
tests/fixtures/sps/ given with --sps, and "strict" for --strict (empty: neither).
"""

import glob
import json
import os
import sys

COLUMNS = ["python3-saml", "node-saml", "xmlsec1"]


def describe_server(server):
    if not isinstance(server, dict):
        return ""
    parts = []
    if server.get("sps"):
        parts.append(server["sps"])
    if server.get("strict"):
        parts.append("strict")
    return " ".join(parts)


def main(directory):
    cells = {}
    servers = {}
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
        servers.setdefault(row, set()).add(describe_server(verdict.get("server")))
        if verdict.get("library"):
            libraries[driver] = verdict["library"]
    if not cells:
        print("interop: no verdicts in %s" % directory)
        return
    rows = sorted({r for r, _ in cells})
    width = max(len(r) for r in rows + ["scenario"])
    print()
    print("interop verdicts (checks per scenario):")
    print("  %-*s  %s  %s" % (width, "scenario", "  ".join("%-12s" % c for c in COLUMNS), "server"))
    for row in rows:
        server = ", ".join(sorted(s for s in servers.get(row, ()) if s))
        print("  %-*s  %s  %s" % (width, row, "  ".join("%-12s" % cells.get((row, c), "-") for c in COLUMNS),
                                 server))
    print("  " + "; ".join(libraries[c] for c in COLUMNS if c in libraries))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/tmp/interop/verdicts")
