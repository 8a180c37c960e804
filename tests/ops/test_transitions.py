"""One set of status rules: the PWA's mirror (pwa/js/transitions.js) is generated from the server's
table (server/domain/status_rules.py), and this fails when someone changed one without the other."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_apps_status_rules_are_the_servers():
    done = subprocess.run([sys.executable, "ops/transitions.py", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + "\n(run `python ops/transitions.py` and commit pwa/js/transitions.js)"


def test_the_check_fails_when_the_app_has_drifted(tmp_path):
    # loaded from its file under its own name: a bare `import transitions` would take any module of that name
    spec = importlib.util.spec_from_file_location("ops_transitions", ROOT / "ops" / "transitions.py")
    transitions = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(transitions)
    drifted = transitions.TRANSITIONS_JS.read_text(encoding="utf-8").replace('call_back: ["completed", ', 'call_back: [')
    assert transitions.render(drifted) != drifted  # regenerating puts the server's rule back
    assert transitions.render(transitions.render(drifted)) == transitions.render(drifted)
