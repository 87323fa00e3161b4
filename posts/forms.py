from django import forms

from posts.models import Post


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["name"]
        labels = {"name": "Title"}
        widgets = {"name": forms.TextInput(attrs={"placeholder": "What's new?", "autocomplete": "off"})}

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Write something first.")
        return name
