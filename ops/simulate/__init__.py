"""Sensor simulator for demos, load and garbage tests: `python -m ops.simulate --help`.

The logic lives in iot/simulate.py so `fieldops simulate` can call the same function.
"""
