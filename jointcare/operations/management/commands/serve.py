"""jointcare serve [ADDR:PORT]: the production WSGI server (gunicorn) in production, the development
server otherwise."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEFAULT_ADDRPORT = "127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Run the web server on ADDR:PORT (default 127.0.0.1:8000). With JOINTCARE_ENV=production: check the "
        "deployment settings, collect the static files and run gunicorn; otherwise the development server."
    )
    requires_system_checks = []  # each server runs the checks itself

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default=DEFAULT_ADDRPORT, help="address and port to listen on")
        parser.add_argument(
            "--noreload", action="store_true", help="development server only: do not restart on code changes"
        )

    def handle(self, *args, addrport, noreload, **options):
        if addrport.isdigit():
            addrport = f"127.0.0.1:{addrport}"
        if not settings.PRODUCTION:
            call_command("runserver", addrport, use_reloader=not noreload)
            return
        call_command("check", deploy=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Collected the static files into {settings.STATIC_ROOT}; starting gunicorn on {addrport}")
        self.stdout.flush()
        # gunicorn replaces this process, so that it receives the service manager's signals itself.
        os.execv(
            sys.executable,
            [
                sys.executable, "-m", "gunicorn",
                "--config", "python:jointcare.operations.gunicorn_conf",
                "--bind", addrport,
            ],
        )
