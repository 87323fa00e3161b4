from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from posts import forms
from posts.models import Post

PAGE_SIZE = 20


def post_list(request):
    form = forms.PostForm()
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = forms.PostForm(request.POST)
        if form.is_valid():
            post = form.save(commit=False)
            post.created_by = request.user
            post.save()
            messages.success(request, "Post published.")
            return redirect("posts:list")
    page = Paginator(Post.objects.newest().select_related("created_by"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "posts/list.html", {"page": page, "form": form})
