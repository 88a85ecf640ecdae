from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView

from submissions.views.public import healthz, switch_language

# /admin/, /i18n/ and /healthz have no language prefix (URL contract, BRIEF §4); every public
# page lives under /zh-hans/ and /en/, and "/" redirects by cookie, then Accept-Language.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "img/favicon.svg", permanent=True)),
    # Choosing a language is harmless, and a form without a per-visitor token lets public pages be
    # cached whole (see submissions/page_cache.py).
    path("i18n/setlang/", csrf_exempt(switch_language), name="set_language"),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(path("", include("submissions.urls")), prefix_default_language=True)

if settings.BENCH_CEILING:
    # The benchmark's ceiling: the cheapest Django response in the same server set-up.
    from django.http import HttpResponse

    urlpatterns.append(path("bench/ceiling", lambda request: HttpResponse(b"ok", content_type="text/plain")))

handler400 = "submissions.views.errors.bad_request"
handler403 = "submissions.views.errors.permission_denied"
handler404 = "submissions.views.errors.page_not_found"
handler500 = "submissions.views.errors.server_error"
