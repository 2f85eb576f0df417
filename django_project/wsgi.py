import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_project.settings")
application = get_wsgi_application()

# The web process counts snippet views in memory and writes them every few seconds (djangobin/hits.py).
from django.conf import settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from djangobin.hits import hits_buffer_start  # noqa: E402

hits_buffer_start(interval=settings.SNIPPET_HITS_FLUSH_SECONDS)

# Import every view and build the URL resolver now, in start-up, rather than in each web process's first requests
# (about 0.15 s of CPU that a visitor would otherwise wait for).
reverse("djangobin:index")
