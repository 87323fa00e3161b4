from django import forms
from django.core.validators import MaxLengthValidator

from posts.models import Post


class PostForm(forms.ModelForm):
    """A post's title. Too long a title is refused with its length, not cut short by the browser
    (the input has no maxlength; the help text states the limit)."""

    class Meta:
        model = Post
        fields = ["name"]
        labels = {"name": "Title"}
        widgets = {"name": forms.TextInput(attrs={"placeholder": "What's new?", "autocomplete": "off"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["name"]
        self.max_chars = field.max_length
        field.widget.attrs.pop("maxlength", None)
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.max_length = None
        field.help_text = f"Up to {self.max_chars} characters."

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Write something first.")
        if len(name) > self.max_chars:
            raise forms.ValidationError(
                f"The post is {len(name):,} characters long; the limit is {self.max_chars:,}. Shorten it and publish again."
            )
        return name
