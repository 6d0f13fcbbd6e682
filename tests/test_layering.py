"""The import direction of ARCHITECTURE.md ("Layering"), checked on the Rust sources: backends
hold kernels and import neither ops nor autograd, ops never import autograd, and the op specs
import nothing above the core types. A `use` or a path in code both count."""

import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

# module folder -> crate modules it must not name
FORBIDDEN = {
    "backend": ("ops", "autograd", "python"),
    "ops": ("autograd", "python"),
    "autograd": ("python",),
    "spec": ("ops", "autograd", "backend", "python"),
}


def _violations(folder, banned):
    pattern = re.compile(r"crate::(" + "|".join(banned) + r")\b")
    out = []
    for path in sorted((SRC / folder).rglob("*.rs")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if pattern.search(code):
                out.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    return out


def test_import_direction():
    found = []
    for folder, banned in FORBIDDEN.items():
        found += _violations(folder, banned)
    assert not found, "imports against the layering of ARCHITECTURE.md:\n" + "\n".join(found)


def test_the_check_sees_a_violation(tmp_path, monkeypatch):
    # The scanner itself: a backend file naming crate::ops is reported.
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "k.rs").write_text("use crate::ops::view;\n// crate::ops in a comment\n")
    monkeypatch.setattr(__import__(__name__), "SRC", tmp_path)
    assert _violations("backend", FORBIDDEN["backend"]) == ["backend/k.rs:1: use crate::ops::view;"]
