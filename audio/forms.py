"""One form per service: what the studio pages and the API accept, with limits from settings.

A valid form gives the service its ``GenerationRequest`` (and, for the voice changer, the
checked ``Upload``). Shape and limits are checked here; whether the engine can make it (a known
voice, a sound the synthesizer understands, audio that decodes) is asked of the engine's
``validate``, which loads no model. Every error is plain words for a person.
"""

from __future__ import annotations

import re
import secrets

from django import forms
from django.conf import settings
from django.utils.functional import cached_property

from audio import engines, services
from audio.engines import GenerationRequest, registry
from audio.engines.sfx.vocabulary import DURATION_DEFAULT_SECONDS, clean_duration, duration_in_prompt

SEED_MAX = 2**31 - 1
VARIATIONS_MAX = 4
_PLAIN_DECIMAL = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?", re.ASCII)


def _count(n: int) -> str:
    return f"{n:,}"


class PlainDecimalField(forms.FloatField):
    """A number of seconds written as plain ASCII digits ("4", "2.5"): not "1_0", not "２"."""

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        text = str(value).strip()
        if not _PLAIN_DECIMAL.fullmatch(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return float(text)


class ClipForm(forms.Form):
    """What every service's form shares: the voice, the engine's check, the request."""

    spec: registry.ServiceSpec
    refused_field: str | None = None  # which input an engine's refusal is about

    voice = forms.ChoiceField(error_messages={
        "required": "Choose a voice.",
        "invalid_choice": "Unknown voice “%(value)s”. Choose one of the voices listed.",
    })

    def __init__(self, *args, voices: list[engines.Voice] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.voices = self.engine.voices() if voices is None else voices
        if "voice" in self.fields:
            self.fields["voice"].choices = [(voice.id, voice.name) for voice in self.voices]

    @cached_property
    def engine(self) -> engines.Engine:
        return engines.get_engine(self.spec.id)

    @property
    def cost(self) -> int:
        return services.cost_of(self.spec.id)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.engine.validate(self.generation_request())
            except engines.EngineValidationError as exc:
                # Shown beside the input the engine refused (the page keeps it there until
                # that input changes), or for the whole form.
                self.add_error(self.refused_field, str(exc))
        return cleaned

    def params(self) -> dict:
        return {}

    def remembered(self) -> dict:
        """The settings the studio keeps as this user's next defaults (never the text)."""
        return {}

    def generation_requests(self) -> list[GenerationRequest]:
        """Every clip this submission asks for (one, or a sound effect's variations)."""
        return [self.generation_request()]

    def generation_request(self) -> GenerationRequest:
        data = self.cleaned_data
        return GenerationRequest(voice=data.get("voice", ""), text=data.get("text", ""), params=self.params())

    def upload(self) -> services.Upload | None:
        return None

    def first_error(self) -> str:
        for errors in self.errors.values():
            return errors[0]
        return "Check the form and try again."


class TextToSpeechForm(ClipForm):
    """The text, a voice, and the voice settings the engine honours (engines/piper_tts.py says
    how each maps onto the model): speed 0.5-2 (1 = the voice's own pace), stability and
    variability 0-1 (0.5 = the voice as trained). Omitted settings take those defaults."""

    spec = registry.TEXT_TO_SPEECH
    refused_field = "text"

    text = forms.CharField(strip=True, error_messages={"required": "Enter some text to speak."})
    speed = PlainDecimalField(required=False, min_value=0.5, max_value=2.0,
                              error_messages={"invalid": "The speed must be a number such as 1 or 1.25."})
    stability = PlainDecimalField(required=False, min_value=0.0, max_value=1.0,
                                  error_messages={"invalid": "The stability must be a number from 0 to 1."})
    variability = PlainDecimalField(required=False, min_value=0.0, max_value=1.0,
                                    error_messages={"invalid": "The variability must be a number from 0 to 1."})

    SETTINGS_DEFAULTS = {"speed": 1.0, "stability": 0.5, "variability": 0.5}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_chars = settings.TTS_TEXT_MAX_CHARS
        self.fields["text"].max_length = self.max_chars

    def clean_text(self):
        text = self.cleaned_data["text"]
        if len(text) > self.max_chars:
            raise forms.ValidationError(
                f"The text is {_count(len(text))} characters long; the limit is {_count(self.max_chars)}.",
                code="max_length",
            )
        return text

    def params(self) -> dict:
        data = self.cleaned_data
        return {name: default if data.get(name) is None else data[name] for name, default in self.SETTINGS_DEFAULTS.items()}

    def remembered(self) -> dict:
        return self.params()


class VoiceChangerForm(ClipForm):
    spec = registry.VOICE_CHANGER
    refused_field = "audio"

    audio = forms.FileField(error_messages={"required": "Choose a recording to convert.", "empty": "The file is empty."})
    pitch = forms.IntegerField(required=False, min_value=-12, max_value=12, error_messages={
        "invalid": "The pitch shift must be a whole number of semitones from -12 to 12.",
        "min_value": "The pitch shift must be a whole number of semitones from -12 to 12.",
        "max_value": "The pitch shift must be a whole number of semitones from -12 to 12.",
    })

    def clean_audio(self):
        uploaded = self.cleaned_data["audio"]
        limit = settings.AUDIO_UPLOAD_MAX_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                f"The file is {uploaded.size / 1024 / 1024:.0f} MB; the limit is {limit // 1024 // 1024} MB.",
                code="too_large",
            )
        data = uploaded.read()
        try:
            info = engines.probe_audio(data, max_seconds=settings.AUDIO_UPLOAD_MAX_SECONDS)
        except engines.EngineValidationError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.checked_upload = services.Upload(data=data, extension=info.extension)
        self.audio_info = info
        return uploaded

    def generation_request(self) -> GenerationRequest:
        return GenerationRequest(voice=self.cleaned_data.get("voice", ""), params=self.params())

    def params(self) -> dict:
        uploaded = self.cleaned_data.get("audio")
        name = getattr(uploaded, "name", "") or ""
        pitch = self.cleaned_data.get("pitch") or 0
        return {**({"source_name": name[-200:]} if name else {}), **({"pitch": pitch} if pitch else {})}

    def remembered(self) -> dict:
        return {"pitch": self.cleaned_data.get("pitch") or 0}

    def upload(self) -> services.Upload:
        return self.checked_upload


class SoundEffectsForm(ClipForm):
    """The prompt, and a duration. A duration written in the prompt ("4 seconds") is the one
    used: the Duration field is then ignored (and the page says so); otherwise the field's value
    (default 5 s) is used."""

    spec = registry.SOUND_EFFECTS
    refused_field = "prompt"

    voice = None  # the synthesizer has no voices
    prompt = forms.CharField(strip=True, error_messages={"required": "Describe the sound you want."})
    duration = PlainDecimalField(
        required=False,
        error_messages={"invalid": "The duration must be a number of seconds, such as 4 or 2.5."},
    )
    variations = forms.IntegerField(
        required=False, min_value=1, max_value=VARIATIONS_MAX,
        error_messages={"invalid": f"Choose from 1 to {VARIATIONS_MAX} variations.",
                        "min_value": f"Choose from 1 to {VARIATIONS_MAX} variations.",
                        "max_value": f"Choose from 1 to {VARIATIONS_MAX} variations."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_chars = settings.SFX_PROMPT_MAX_CHARS
        self.fields["prompt"].max_length = self.max_chars

    def clean_prompt(self):
        prompt = self.cleaned_data["prompt"]
        if len(prompt) > self.max_chars:
            raise forms.ValidationError(
                f"The description is {_count(len(prompt))} characters long; the limit is {_count(self.max_chars)}.",
                code="max_length",
            )
        return prompt

    def clean_duration(self):
        try:
            return clean_duration(self.cleaned_data.get("duration"))  # the synthesizer's range
        except engines.EngineValidationError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        prompt = self.cleaned_data.get("prompt")
        if prompt and "prompt" not in self.errors:
            try:
                clean_duration(duration_in_prompt(prompt))
            except engines.EngineValidationError as exc:
                self.add_error("prompt", f"{exc} (The length written in the description counts.)")
        return super().clean()

    def resolved_duration(self) -> float:
        from_prompt = duration_in_prompt(self.cleaned_data.get("prompt", ""))
        if from_prompt is not None:
            return from_prompt
        duration = self.cleaned_data.get("duration")
        return DURATION_DEFAULT_SECONDS if duration is None else duration

    def duration_source(self) -> str:
        """Which of the two lengths is used: "prompt", "field" or "default"."""
        if duration_in_prompt(self.cleaned_data.get("prompt", "")) is not None:
            return "prompt"
        return "default" if self.cleaned_data.get("duration") is None else "field"

    def params(self) -> dict:
        if not hasattr(self, "_seed"):
            self._seed = secrets.randbelow(SEED_MAX)
        return {"duration": self.resolved_duration(), "duration_from": self.duration_source(), "seed": self._seed}

    def remembered(self) -> dict:
        duration = self.cleaned_data.get("duration")
        return {"duration": DURATION_DEFAULT_SECONDS if duration is None else duration,
                "variations": self.cleaned_data.get("variations") or 1}

    def generation_request(self) -> GenerationRequest:
        return GenerationRequest(text=self.cleaned_data.get("prompt", ""), params=self.params())

    def generation_requests(self) -> list[GenerationRequest]:
        """One request per variation, each with its own seed (the first is generation_request())."""
        first = self.generation_request()
        seeds = {first.params["seed"]}
        requests = [first]
        while len(requests) < (self.cleaned_data.get("variations") or 1):
            seed = secrets.randbelow(SEED_MAX)
            if seed not in seeds:
                seeds.add(seed)
                requests.append(GenerationRequest(text=first.text, params={**first.params, "seed": seed}))
        return requests
