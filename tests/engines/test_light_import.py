import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import audio.engines as engines
from audio.engines.base import GenerationRequest
for service in engines.registry.SERVICE_IDS:
    engines.get_engine(service).voices()
engines.get_engine("styletts2").validate(GenerationRequest(text="Hello 42 times", voice="woman"))
engines.get_engine("seedvc").validate(GenerationRequest(voice="andreas"))
sfx = engines.get_engine("make-an-audio")
sfx.validate(GenerationRequest(text="light rain", params={"duration": 3, "seed": 1}))
try:
    sfx.validate(GenerationRequest(text="purring cat"))
except engines.EngineValidationError:
    pass
heavy = [m for m in ("onnxruntime", "piper", "parselmouth") if m in sys.modules]
print(",".join(heavy) or "none")
"""


class TestLightImport:
    def test_listing_and_validating_load_no_model(self):
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )

        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "none"
