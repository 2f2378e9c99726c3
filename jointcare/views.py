from django.shortcuts import render


def not_found(request, exception=None):
    return render(request, "not_found.jinja", {"title": "Page not found"}, status=404)


def server_error(request):
    return render(request, "server_error.jinja", {"title": "Sorry, there is a problem"}, status=500)
