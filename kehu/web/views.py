from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest, public_id: str = "") -> HttpResponse:
    return HttpResponse("Kehu")
