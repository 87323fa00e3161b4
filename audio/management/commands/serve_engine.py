"""python manage.py serve_engine <service> [--host 127.0.0.1] [--port N] [--api-key KEY]

Serves one LOCAL engine over the original inference servers' HTTP protocol (see
audio/engines/server.py), so the web app can run with *_API_ROUTE settings pointing at it.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audio.engines import registry
from audio.engines.server import make_server


class Command(BaseCommand):
    help = "Serve a local audio engine over the inference-server HTTP protocol."

    def add_arguments(self, parser):
        parser.add_argument("service", choices=registry.SERVICE_IDS)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help="default: " + ", ".join(f"{spec.http_port} {spec.id}" for spec in registry.SERVICES),
        )
        parser.add_argument("--api-key", default=None, help="default: settings.BACKEND_API_KEY")
        parser.add_argument(
            "--no-warmup",
            action="store_true",
            help="do not load the model before accepting requests",
        )

    def handle(self, *args, service, host, port, api_key, no_warmup, **options):
        api_key = api_key or getattr(settings, "BACKEND_API_KEY", "")
        if not api_key:
            raise CommandError("Set BACKEND_API_KEY or pass --api-key: the server needs a key.")
        port = registry.get(service).http_port if port is None else port
        try:
            server = make_server(service, host, port, api_key)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from None
        if not no_warmup:
            started = time.perf_counter()
            server.engine.warm_up()
            self.stdout.write(f"Engine ready in {time.perf_counter() - started:.1f} s.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Serving {service} ({server.engine.engine_name}) on "
                f"http://{host}:{server.server_port} - Ctrl-C to stop."
            )
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
