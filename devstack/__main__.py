"""``python -m devstack``: run the whole system locally. ``--help`` lists the options."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from common.settings import Settings
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
    except ValidationError as error:
        print(f"devstack: invalid settings:\n{error}", file=sys.stderr)
        return 2
    return run(settings, options)


def exit_without_finalizing(code: int) -> None:
    """Leave once all is stopped and flushed. The Temporal client's native threads can
    crash a finalizing interpreter (PyGILState_Release: an abort, or SIGSEGV), turning a
    clean stop into a crash; the worker and the ``iku`` commands leave the same way."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_without_finalizing(main())
