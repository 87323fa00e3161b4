from django.conf import settings
from django.db import models


class PostQuerySet(models.QuerySet):
    def newest(self):
        return self.order_by("-created_at", "-id")


class Post(models.Model):
    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=191, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")

    objects = PostQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name
