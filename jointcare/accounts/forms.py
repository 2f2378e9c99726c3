from django import forms


class SignInForm(forms.Form):
    username = forms.CharField(max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(widget=forms.PasswordInput, error_messages={"required": "Enter your password"})
