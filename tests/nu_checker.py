"""The Nu HTML checker (vnu.jar from the `vnu-jar` npm package), run once over many files."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

VNU_JAR = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def nu_errors(paths: list[Path]) -> list[str]:
    """Every error the checker reports, as `file:line: message`; [] when all files are valid."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        raise RuntimeError("the Nu HTML checker needs `java` and node_modules/vnu-jar: run `make system-deps` and `make test`")
    if not paths:
        return []
    result = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, paths)],
                            capture_output=True, text=True, timeout=600)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    return [f"{m.get('url', '')}:{m.get('lastLine', '?')}: {m.get('message')}" for m in report["messages"]
            if m.get("type") == "error" or m.get("subType") == "fatal"]
