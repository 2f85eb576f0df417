import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_project.settings")
application = get_wsgi_application()

# The web process counts snippet views in memory and writes them every few seconds (djangobin/hits.py).
from django.conf import settings  # noqa: E402

from djangobin.hits import hits_buffer_start  # noqa: E402

hits_buffer_start(interval=settings.SNIPPET_HITS_FLUSH_SECONDS)
