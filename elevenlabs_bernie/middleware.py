from django.http import HttpResponseBadRequest

from core import client_ip


class RejectNullCharactersMiddleware:
    """Answer 400 to a NUL character in the path or the query string.

    PostgreSQL cannot store or even compare text holding NUL, so a ``%00`` in a clip id or a
    search box would otherwise surface as a database error (500). Form fields are checked
    where they are validated.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            return HttpResponseBadRequest("Null characters are not allowed in addresses.", content_type="text/plain")
        return self.get_response(request)


class ClientIPMiddleware:
    """Work out the client's address once (core/client_ip.py): ``request.client_ip``, and the
    address the log lines written while serving this request carry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = client_ip.client_ip(request)
        token = client_ip.set_current(request.client_ip)
        try:
            return self.get_response(request)
        finally:
            client_ip.reset_current(token)
