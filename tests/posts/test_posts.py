import pytest
from django.test import Client
from django.urls import reverse

from posts.models import Post
from tests.factories import UserFactory


@pytest.mark.django_db
class TestPosts:
    def test_signed_in_user_creates_a_post(self, client, user):
        client.force_login(user)

        response = client.post(reverse("posts:list"), {"name": "  First light  "})

        assert response.status_code == 302
        post = Post.objects.get()
        assert (post.name, post.created_by) == ("First light", user)

    def test_blank_post_is_a_form_error(self, client, user):
        client.force_login(user)

        response = client.post(reverse("posts:list"), {"name": "   "})

        assert response.status_code == 200
        assert response.context["form"].errors["name"]
        assert not Post.objects.exists()

    def test_anonymous_post_is_sent_to_login_and_writes_nothing(self):
        response = Client().post(reverse("posts:list"), {"name": "spam"})

        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
        assert not Post.objects.exists()

    def test_list_is_newest_first_and_paginated(self, client):
        author = UserFactory()
        for i in range(25):
            Post.objects.create(name=f"post {i}", created_by=author)

        first = client.get(reverse("posts:list"))
        second = client.get(reverse("posts:list"), {"page": 2})

        names = [p.name for p in first.context["page"].object_list]
        assert names[0] == "post 24" and len(names) == 20
        assert [p.name for p in second.context["page"].object_list][-1] == "post 0"

    def test_landing_page_shows_the_newest_post(self, client):
        author = UserFactory()
        Post.objects.create(name="older", created_by=author)
        Post.objects.create(name="the newest one", created_by=author)

        response = client.get("/")

        assert response.status_code == 200
        assert b"the newest one" in response.content

    def test_signed_in_users_go_from_landing_to_the_studio(self, client, user):
        client.force_login(user)

        response = client.get("/")

        assert response.status_code == 302
        assert response["Location"] == reverse("audio:text_to_speech")
