"""Peers on the same work, side by side: Node-RED as an alarm router and PouchDB as offline sync, installed
from npm into a temporary directory when a benchmark runs (never a dependency of the product).
"""
