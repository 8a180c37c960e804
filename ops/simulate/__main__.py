"""Command line for the sensor simulator: scenario, devices, messages, rate, broker URL.

Example: python -m ops.simulate mixed --devices 500 --messages 20000 --rate 2000
"""

from __future__ import annotations

import argparse
import os

from iot.simulate import SCENARIOS, simulate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ops.simulate", description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--url", default=os.environ.get("FIELDOPS_MQTT_URL") or "mqtt://127.0.0.1:1883",
                        help="broker URL (default: FIELDOPS_MQTT_URL or mqtt://127.0.0.1:1883)")
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0.0, help="messages per second; 0 = as fast as possible")
    parser.add_argument("--site", default="demo")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    report = simulate(args.url, args.scenario, devices=args.devices, messages=args.messages,
                      rate=args.rate, site=args.site, seed=args.seed)
    print(f"published {report.published} {args.scenario} messages in {report.seconds:.2f} s ({report.rate:.0f}/s)")


if __name__ == "__main__":
    main()
