from django.contrib import admin
from django.utils import timezone

from ops import heartbeats
from ops.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Read-only: the workers write these rows themselves."""

    list_display = ("worker_id", "hostname", "pid", "queues", "started_at", "last_seen_at", "is_stale", "busy_since")
    ordering = ("-last_seen_at", "worker_id")

    @admin.display(boolean=True, description="Stale")
    def is_stale(self, row: WorkerHeartbeat) -> bool:
        return row.age(timezone.now()).total_seconds() > heartbeats.stale_after_seconds()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
