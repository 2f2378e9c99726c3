from django.urls import include, path

from jointcare.accounts import views as account_views
from jointcare.api import api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("sign-in", account_views.sign_in, name="sign-in"),
    path("sign-out", account_views.sign_out, name="sign-out"),
    path("about/data", account_views.data_sources, name="data-sources"),
    path("api/v1/", api.urls),
    path("organisations/", include("jointcare.organisations.urls")),
    path("coterminosity/", include("jointcare.places.urls")),
    path("partnerships/", include("jointcare.partnerships.urls")),
    path("pools/", include("jointcare.pool.urls")),
    path("audit/", include("jointcare.audit.urls")),
    path("outcomes/", include("jointcare.outcomes.urls")),
    path("people/", include("jointcare.people.urls")),
    path("care-plans/", include("jointcare.packages.urls")),
    path("care/", include("jointcare.care.urls")),
    path("cld/", include("jointcare.cld.urls")),
]

handler404 = "jointcare.views.not_found"
handler500 = "jointcare.views.server_error"
