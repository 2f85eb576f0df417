from django.conf import settings


def site_url(request):
    """The site's absolute root for mailed links: DJANGO_SITE_URL, else the request's validated host.

    request.get_host() checks the Host header against ALLOWED_HOSTS, so a forged header cannot
    put another site's address into an activation mail.
    """
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"
