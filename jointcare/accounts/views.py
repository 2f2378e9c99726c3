from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from jointcare.accounts.access import can_somewhere
from jointcare.accounts.forms import SignInForm


@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = SignInForm(request.POST or None)
    error = None
    status = 200
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.method == "POST" and form.is_valid():
        # The throttle lives in the authentication backend (accounts.backends), so every door is counted.
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            return redirect(next_url)
        if getattr(request, "sign_in_refused", False):
            error = f"Too many failed attempts. Wait {settings.SIGN_IN_WINDOW_SECONDS // 60} minutes, then try again."
            status = 429
        else:
            error = "The username or password is not right"
            status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request, "accounts/sign_in.jinja", {"form": form, "error": error, "next": next_url, "title": "Sign in"}, status=status
    )


@require_http_methods(["GET", "POST"])
def sign_out(request):
    if request.method == "POST":
        logout(request)
        return redirect("/sign-in")
    return render(request, "accounts/sign_out.jinja", {"title": "Sign out"})


def home(request):
    if not request.user.is_authenticated:
        return redirect("/sign-in")
    sections = [
        ("Organisations", "/organisations/", "Partners, GP practices and NHS bodies, by name or code.", "organisations.view"),
        ("Coterminosity", "/coterminosity/", "How NHS bodies' areas fit councils with social services.", "reference.view"),
        ("Partnerships", "/partnerships/", "Agreements, boards, meetings and decisions.", "partnerships.view"),
        ("Pooled budgets", "/pools/", "The single pot: contributions, schemes, spend and risk share.", "pool.view"),
        ("Audit trail", "/audit/", "Every change, who made it and when.", "audit.view"),
    ]
    visible = [s for s in sections if can_somewhere(request.user, s[3])]
    return render(request, "accounts/home.jinja", {"title": "Home", "sections": visible})


def data_sources(request):
    return render(request, "accounts/data_sources.jinja", {"title": "Data sources and licences"})
