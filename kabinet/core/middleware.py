from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from .models import REQUEST_SCOPE

Handler = Callable[[HttpRequest], HttpResponse]
SUPPORTED = {code for code, _name in settings.LANGUAGES}


class RequestScopeMiddleware:
    """Opens the per-request scope in which shared reads (the utility profile) happen once."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = REQUEST_SCOPE.set({})
        try:
            return self.get_response(request)
        finally:
            REQUEST_SCOPE.reset(token)


class LanguageMiddleware:
    """The language a person chose (a cookie set by the switcher), else the utility's default.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: a Ukrainian
    utility's portal opens in Ukrainian (the state-language law asks for it) even in a browser
    set to English, and one click on the switcher changes it for good.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in SUPPORTED else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class PrivatePagesMiddleware:
    """Pages shown to a logged-in person are never stored by browsers or proxies (SECURITY 31)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
