from django.contrib import admin

from posts.models import Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "created_by", "created_at", "updated_at"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["name", "created_by__email"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    raw_id_fields = ["created_by"]
    ordering = ["-created_at", "-id"]
