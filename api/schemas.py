"""The shapes the API parses and answers (ElevenLabs' and OpenAI's names).

Request schemas only parse shape: types, and unknown fields ignored. Every limit (text length,
speed range, voices, durations, upload size) is the forms' (audio/forms.py), checked once.
Response schemas follow the official SDKs' models (what a client reads), so the OpenAPI
document and schemathesis hold the answers to them.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class Loose(Schema):
    model_config = ConfigDict(extra="ignore")


# -- requests ---------------------------------------------------------------------------


class VoiceSettings(Loose):
    """ElevenLabs' voice settings. ``speed`` is the speed, ``stability`` the stability and
    ``style`` the variability of the studio's form; ``similarity_boost``, ``use_speaker_boost``
    and ``clone_strength`` are accepted and have no effect here."""

    stability: float | None = None
    similarity_boost: float | None = None
    style: float | None = None
    use_speaker_boost: bool | None = None
    speed: float | None = None
    clone_strength: float | None = None


class TextToSpeechBody(Loose):
    text: str
    model_id: str | None = Field(None, description="Accepted and ignored: one text-to-speech model serves every request.")
    voice_settings: VoiceSettings | None = None
    seed: int | None = Field(None, description="Accepted and ignored.")
    language_code: str | None = None
    previous_text: str | None = None
    next_text: str | None = None
    apply_text_normalization: str | None = None


class SoundGenerationBody(Loose):
    text: str
    duration_seconds: float | None = Field(None, description="Omitted: taken from the prompt, else 5 s.")
    prompt_influence: float | None = Field(None, description="Accepted and ignored.")
    loop: bool | None = Field(None, description="Accepted and ignored.")
    model_id: str | None = None


class HistoryDownloadBody(Loose):
    history_item_ids: list[str]
    output_format: str | None = Field(None, description="\"wav\" for the stored WAV; otherwise MP3 (mp3_44100_128).")


class OpenAIVoice(Loose):
    id: str


class OpenAISpeechBody(Loose):
    model: str = Field(..., description="Accepted and ignored (tts-1, gpt-4o-mini-tts...).")
    input: str
    voice: str | OpenAIVoice
    response_format: str | None = "mp3"
    speed: float | None = None
    instructions: str | None = Field(None, description="Accepted and ignored.")
    stream_format: str | None = Field(None, description="Only \"audio\" (the default) is made.")


# -- answers ----------------------------------------------------------------------------


class ErrorDetail(Schema):
    status: str
    code: str
    message: str


class Error(Schema):
    detail: ErrorDetail


class FieldError(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Invalid(Schema):
    detail: list[FieldError]


class OpenAIErrorBody(Schema):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(Schema):
    error: OpenAIErrorBody


class CharacterAlignment(Schema):
    characters: list[str]
    character_start_times_seconds: list[float]
    character_end_times_seconds: list[float]


class AudioWithTimestamps(Schema):
    audio_base64: str
    alignment: CharacterAlignment | None = None
    normalized_alignment: CharacterAlignment | None = None


class VoiceOut(Schema):
    voice_id: str
    name: str
    category: str
    labels: dict[str, str]
    description: str
    preview_url: str | None = None
    available_for_tiers: list[str] = []
    high_quality_base_model_ids: list[str] = []
    is_owner: bool = False
    is_legacy: bool = False


class Voices(Schema):
    voices: list[VoiceOut]


class VoicesPage(Schema):
    voices: list[VoiceOut]
    has_more: bool
    total_count: int
    next_page_token: str | None = None


class Language(Schema):
    language_id: str
    name: str


class ModelRates(Schema):
    character_cost_multiplier: float


class ModelOut(Schema):
    model_id: str
    name: str
    description: str
    can_do_text_to_speech: bool
    can_do_voice_conversion: bool
    can_be_finetuned: bool = False
    can_use_style: bool
    can_use_speaker_boost: bool = False
    serves_pro_voices: bool = False
    requires_alpha_access: bool = False
    token_cost_factor: float = 1.0
    max_characters_request_free_user: int
    max_characters_request_subscribed_user: int
    maximum_text_length_per_request: int
    languages: list[Language]
    model_rates: ModelRates


class HistoryItem(Schema):
    history_item_id: str
    request_id: str
    voice_id: str | None = None
    voice_name: str | None = None
    voice_category: str | None = None
    model_id: str
    text: str | None = None
    date_unix: int
    character_count_change_from: int
    character_count_change_to: int
    content_type: str
    state: str
    settings: dict[str, Any] | None = None
    source: str
    output_format: str | None = None


class HistoryPage(Schema):
    history: list[HistoryItem]
    last_history_item_id: str | None = None
    has_more: bool
    scanned_until: int | None = None


class Status(Schema):
    status: str


class Price(Schema):
    amount: str
    currency: str


class SubscriptionOut(Schema):
    tier: str
    character_count: int
    character_limit: int
    max_credit_limit_extension: int = 0
    can_extend_character_limit: bool = False
    allowed_to_extend_character_limit: bool = False
    next_character_count_reset_unix: int | None = None
    voice_slots_used: int = 0
    professional_voice_slots_used: int = 0
    professional_voice_slots_used_in_workspace: int = 0
    voice_limit: int
    voice_add_edit_counter: int = 0
    professional_voice_limit: int = 0
    can_extend_voice_limit: bool = False
    can_use_instant_voice_cloning: bool = False
    can_use_professional_voice_cloning: bool = False
    currency: str = "usd"
    current_overage: Price
    status: str
    billing_period: str | None = None
    character_refresh_period: str | None = None


class Subscription(SubscriptionOut):
    open_invoices: list[dict[str, Any]]
    has_open_invoices: bool


class UserOut(Schema):
    user_id: str
    workspace_id: str
    subscription: SubscriptionOut
    is_new_user: bool
    can_use_delayed_payment_methods: bool = False
    is_onboarding_completed: bool = True
    is_onboarding_checklist_completed: bool = True
    first_name: str | None = None
    is_api_key_hashed: bool = True
    xi_api_key_preview: str | None = None
    created_at: int
    seat_type: str
