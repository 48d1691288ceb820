"""``python -m stigmer_bench.soak`` (``hatch run soak``): the chaos soak from the command line.

Examples:
    hatch run soak                                   # 1000 executions, single Redis
    hatch run soak --executions 200 --kills 3 --redis cluster
    hatch run soak --kill-every 5-15 --json soak.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

from stigmer_bench.soak.run import SoakConfig, soak

# The RSS bound is checked from this many executions on (shorter runs are noise).
RSS_CHECK_FROM = 500
DEFAULT_RSS_GROWTH = 2.0


def _bounds(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    bounds = (float(low), float(high or low))
    if not 0 < bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"expected MIN-MAX seconds, got {text!r}")
    return bounds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hatch run soak",
        description="Chaos soak: replicated services, random SIGKILLs, checked outcomes.",
    )
    parser.add_argument("--executions", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="executions in flight")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--runners", type=int, default=3)
    parser.add_argument("--redis", choices=("single", "cluster"), default="single")
    parser.add_argument("--kills", type=int, help="stop after this many kills (default: never)")
    parser.add_argument(
        "--kill-every", type=_bounds, default=(5.0, 15.0), metavar="MIN-MAX", help="seconds"
    )
    parser.add_argument(
        "--kill-all", action="store_true", help="also kill server-0 and runner-0 (RSS witnesses)"
    )
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--limit", type=float, default=600.0, help="seconds per execution")
    parser.add_argument("--out", type=Path, help="logs and data (default: a temporary dir)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--max-rss-growth",
        type=float,
        default=DEFAULT_RSS_GROWTH,
        help=f"witness RSS end/warm bound, checked from {RSS_CHECK_FROM} executions",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the soak, print its markdown summary; exit status 1 if it found problems."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.executions < 1 or args.concurrency < 1 or args.servers < 1 or args.runners < 1:
        parser.error("--executions, --concurrency, --servers and --runners must be at least 1")
    out = args.out or Path(tempfile.mkdtemp(prefix="stigmer-soak-"))
    config = SoakConfig(
        executions=args.executions,
        concurrency=args.concurrency,
        servers=args.servers,
        runners=args.runners,
        redis=args.redis,
        kill_every_s=args.kill_every,
        kills=args.kills,
        spare_witnesses=not args.kill_all,
        seed=args.seed,
        limit_s=args.limit,
        out=out,
        max_rss_growth=args.max_rss_growth if args.executions >= RSS_CHECK_FROM else None,
    )
    print(f"logs in {out}", file=sys.stderr, flush=True)
    report = asyncio.run(soak(config, progress=True))
    print(report.markdown(), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report.as_json(), indent=2) + "\n")
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
