"""Serve Kehu on the benchmark database with Django's runserver, as one single-threaded process.

    .venv/bin/python -m bench.serve --port 8765 [--data-dir bench/data]

One thread keeps one SQLite connection for the process's life (CONN_MAX_AGE with DEBUG off), as
a synchronous WSGI worker does; a thread per request would open a new connection each time.
The routes are Kehu's plus the bare baseline view of bench/urls.py.
"""

import argparse
from pathlib import Path

from bench.environment import DEFAULT_DATA_DIR, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Kehu on the benchmark database.")
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args()
    setup_django(args.data_dir.resolve())

    from django.core.management import call_command
    from django.test.utils import override_settings

    with override_settings(ROOT_URLCONF="bench.urls"):
        call_command(
            "runserver",
            f"127.0.0.1:{args.port}",
            use_reloader=False,
            use_threading=False,
            skip_checks=True,
        )


if __name__ == "__main__":
    main()
