"""The benchmarks' trivial engine is chosen by a settings module only the benchmarks use,
and `check --deploy` (run by bin/serve) refuses to start a site with it."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from audio import engines
from audio.engines import registry
from ops import checks


@pytest.fixture
def bench_engine(settings):
    settings.BENCH_LOCAL_ENGINE = "bench.silence.SilenceEngine"


class TestBenchEngine:
    def test_off_by_default_every_service_has_its_own_engine(self):
        names = {spec.id: engines.get_local_engine(spec.id).engine_name for spec in registry.SERVICES}

        assert "bench-silence" not in names.values()

    def test_the_bench_settings_make_every_service_answer_silence(self, bench_engine):
        results = [engines.get_engine(spec.id).generate(engines.GenerationRequest(voice="silence", text="x"))
                   for spec in registry.SERVICES]

        assert all(result.wav.startswith(b"RIFF") and len(result.wav) < 2000 for result in results)

    @pytest.mark.django_db
    def test_check_deploy_refuses_it(self, bench_engine):
        with pytest.raises(SystemCheckError, match="ops.E001"):
            call_command("check", deploy=True, fail_level="ERROR")

    def test_the_check_is_quiet_without_it(self, settings):
        quiet = checks.no_benchmark_engine()
        settings.BENCH_LOCAL_ENGINE = "bench.silence.SilenceEngine"

        assert quiet == [] and [e.id for e in checks.no_benchmark_engine()] == ["ops.E001"]
