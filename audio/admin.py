"""Operators' admin: find, understand, retry or refund clips; read the ledger; watch failures."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from audio import delivery, engines, services
from audio.models import ClipStatus, GeneratedAudioClip
from core.admin import apply_to_each
from ops import monitoring


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ClipStatus.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == ClipStatus.PENDING:
            return queryset.pending()
        if value == ClipStatus.DONE:
            return queryset.done()
        if value == ClipStatus.FAILED:
            return queryset.failed()
        return queryset


@admin.register(GeneratedAudioClip)
class GeneratedAudioClipAdmin(admin.ModelAdmin):
    class Media:  # the status colours and the player's size: classes, not style attributes (CSP)
        css = {"all": ["css/admin.css"]}

    list_display = ["short_id", "user", "service", "voice", "status_label", "short_error", "created", "duration", "player"]
    list_display_links = ["short_id"]
    list_filter = ["failed", StatusFilter, "service", "engine", "source"]
    date_hierarchy = "created_at"
    search_fields = ["=id", "user__email", "text"]
    search_help_text = "Search by clip id (exact), user email or text."
    list_select_related = ["user"]
    ordering = ["-created_at", "-id"]
    list_per_page = 50
    actions = ["retry_clips", "refund_clips"]
    change_list_template = "admin/audio/generatedaudioclip/change_list.html"
    fieldsets = [
        (None, {"fields": ["id", "user", "service", "status_label", "player", "error"]}),
        ("Request", {"fields": ["text", "voice", "voice_details", "original_voice_s3_key", "params", "source", "api_key"]}),
        ("Result", {"fields": ["s3_key", "engine", "duration_seconds", "cost", "attempts"]}),
        ("Times", {"fields": ["created_at", "scheduled_for", "started_at", "finished_at"]}),
        ("Ledger", {"fields": ["ledger"]}),
    ]

    # Clips change only through the actions, which keep the ledger right.
    def get_readonly_fields(self, request, obj=None):
        return [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]] + ["failed"]

    def has_add_permission(self, request):
        return False

    # A pending clip is charged and may still be refunded (failure, reaper): it cannot be
    # deleted until it has finished. Deleting also removes the clip's files.
    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == ClipStatus.PENDING:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.clips_delete(clips=GeneratedAudioClip.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        pending = queryset.pending().count()
        services.clips_delete(clips=queryset)
        if pending:
            self.message_user(
                request, f"{pending} pending clip(s) were kept: wait until they finish.", messages.WARNING
            )

    # -- columns ----------------------------------------------------------------------------

    @admin.display(description="clip", ordering="id")
    def short_id(self, clip):
        return format_html('<span title="{}">{}…</span>', clip.id, clip.id[:10])

    @admin.display(description="status", ordering="failed")
    def status_label(self, clip):
        return format_html('<strong class="clip-status clip-status-{}">{}</strong>', clip.status, ClipStatus(clip.status).label)

    @admin.display(description="error")
    def short_error(self, clip):
        if not clip.error:
            return ""
        return format_html('<span title="{}">{}</span>', clip.error, Truncator(clip.error).chars(60))

    @admin.display(description="created", ordering="created_at")
    def created(self, clip):
        return format_html('<span title="{}">{}</span>', clip.created_at.isoformat(),
                           timezone.localtime(clip.created_at).strftime("%Y-%m-%d %H:%M"))

    @admin.display(description="duration", ordering="duration_seconds")
    def duration(self, clip):
        return f"{clip.duration_seconds:.1f} s" if clip.duration_seconds is not None else "—"

    @admin.display(description="audio")
    def player(self, clip):
        if not clip.s3_key or clip.failed:
            return "—"
        url = reverse("admin:audio_generatedaudioclip_audio", args=[clip.pk])
        return format_html('<audio class="clip-player" controls preload="none" src="{}"></audio>', url)

    @admin.display(description="voice: provenance")
    def voice_details(self, clip):
        try:
            voices = engines.get_engine(clip.service).voices()
        except Exception:  # noqa: BLE001 - a remote engine that cannot list its voices
            return "—"
        voice = next((v for v in voices if v.id == clip.voice), None)
        return f"{voice.name}: {voice.details or voice.description}" if voice else "—"

    @admin.display(description="ledger rows for this clip")
    def ledger(self, clip):
        rows = clip.usage_logs.order_by("timestamp", "id")
        if not rows:
            return "—"
        return format_html(
            "<br>".join(["{}"] * len(rows)),
            *[f"{row.timestamp:%Y-%m-%d %H:%M:%S} {row.credits:+d} {row.get_reason_display()} {row.note}" for row in rows],
        )

    # -- actions ----------------------------------------------------------------------------

    @admin.action(description="Retry selected failed clips (no second charge)", permissions=["change"])
    def retry_clips(self, request, queryset):
        apply_to_each(
            self, request, queryset.values_list("id", flat=True),
            lambda clip_id: services.clip_retry(clip_id=clip_id, actor=request.user),
            refusal=services.ClipStateError,
            done_message="Queued {count} clip(s) again.",
            refused_message="Not retried ({count}): {details}",
        )

    @admin.action(description="Refund selected clips (at most once each)", permissions=["change"])
    def refund_clips(self, request, queryset):
        refunded = skipped = 0
        for clip_id in queryset.values_list("id", flat=True):
            if services.clip_refund_by_operator(clip_id=clip_id, actor=request.user):
                refunded += 1
            else:
                skipped += 1
        if refunded:
            self.message_user(request, f"Refunded {refunded} clip(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} clip(s) were already refunded or cost nothing; no credits moved.", messages.WARNING
            )

    # -- extra admin views ------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("monitor/", wrap(self.monitor_view), name="audio_generatedaudioclip_monitor"),
            path("<path:object_id>/audio/", wrap(self.audio_view), name="audio_generatedaudioclip_audio"),
            *super().get_urls(),
        ]

    def audio_view(self, request, object_id):
        """Staff playback, served as the owner's audio is (Range on local storage, a short-lived
        presigned link on S3)."""
        clip = get_object_or_404(GeneratedAudioClip, pk=object_id)
        if not self.has_view_permission(request, clip):
            raise PermissionDenied
        if clip.status != ClipStatus.DONE:
            raise Http404("This clip has no audio.")
        return delivery.audio_response(request, clip)

    def monitor_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        figures = monitoring.monitor()
        peak = max([bar.clips for bar in figures.hours] + [1])
        context = {
            **self.admin_site.each_context(request),
            "title": "Clip monitor",
            "opts": self.opts,
            "figures": figures,
            "windows": monitoring.WINDOWS,
            "chart": _hour_chart(figures.hours, peak),
            "changelist_url": reverse("admin:audio_generatedaudioclip_changelist"),
        }
        return TemplateResponse(request, "admin/audio/monitor.html", context)


def _hour_chart(hours, peak: int) -> dict:
    """Geometry for a 24-bar inline SVG: done part and failed part stacked per hour."""
    width, height, gap = 24 * 22, 120, 4
    bars = []
    for i, bar in enumerate(hours):
        total_h = round(height * bar.clips / peak)
        failed_h = round(height * bar.failed / peak)
        bars.append({
            "x": i * 22 + gap // 2,
            "w": 22 - gap,
            "ok_y": height - total_h,
            "ok_h": total_h - failed_h,
            "fail_y": height - failed_h,
            "fail_h": failed_h,
            "bar": bar,
            "label": i % 6 == 0,
        })
    return {"width": width, "height": height, "bars": bars, "peak": peak}
