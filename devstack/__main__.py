"""``python -m devstack``: run the whole system locally. ``--help`` lists the options."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.settings import SETTINGS_ERRORS, Settings, settings_problem
from common.temporal import leave_without_finalizing
from devstack.environment import effective
from devstack.options import Options
from devstack.supervisor import run

EPILOG = """\
Every setting can also come from an IKU_* environment variable (IKU_TEMPORAL_ADDRESS,
IKU_TEMPORAL_UI_PORT, IKU_SMTP_PORT, IKU_WEB_PORT, ...); the children get the effective
settings the same way. Running again on the same data folder resumes: the same Temporal
database, link secret and stored mail.
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description="Run Temporal (dev server), the mail sink, the worker and the web layer\n"
        "on 127.0.0.1, keeping all state in one data folder.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data-dir", type=Path, help="where all state is kept (default: IKU_DATA_DIR or ./data)"
    )
    parser.add_argument(
        "--no-temporal",
        action="store_true",
        help="use the Temporal server at IKU_TEMPORAL_ADDRESS instead of starting the dev server",
    )
    parser.add_argument(
        "--no-mail",
        action="store_true",
        help="do not start the mail sink (mail goes to IKU_SMTP_HOST)",
    )
    parser.add_argument(
        "--no-worker", action="store_true", help="do not start the worker (it runs elsewhere)"
    )
    parser.add_argument(
        "--no-web", action="store_true", help="do not start the web layer (it runs elsewhere)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = {"data_dir": args.data_dir} if args.data_dir is not None else {}
    options = Options(
        temporal=not args.no_temporal,
        mail=not args.no_mail,
        worker=not args.no_worker,
        web=not args.no_web,
    )
    try:
        settings = effective(Settings(**overrides), options)
    except SETTINGS_ERRORS as error:
        print(f"devstack: invalid settings: {settings_problem(error)}", file=sys.stderr)
        return 2
    return run(settings, options)


if __name__ == "__main__":
    # The supervisor has used a Temporal client: leave as the worker does.
    leave_without_finalizing(main())
