from django import forms


class SignInForm(forms.Form):
    username = forms.CharField(max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "Enter your password", "max_length": "A password has at most 1,024 characters"},
    )
