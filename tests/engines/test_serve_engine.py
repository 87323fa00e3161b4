import pytest
from django.core.management import CommandError, call_command


class TestServeEngineCommand:
    def test_refuses_to_start_without_an_api_key(self, settings):
        settings.BACKEND_API_KEY = ""

        with pytest.raises(CommandError, match="BACKEND_API_KEY"):
            call_command("serve_engine", "make-an-audio", "--port", "0")

    def test_refuses_an_unknown_service(self):
        with pytest.raises(CommandError, match="invalid choice"):
            call_command("serve_engine", "nonsense", "--api-key", "k")
