"""gunicorn's settings for djangobin's web process: the systemd unit passes this file with --config.

gunicorn reads a request's line and headers itself, so their bounds are set here; the body is Django's to bound
(DATA_UPLOAD_MAX_MEMORY_SIZE and djangobin/uploads.py answer 413 past the paste limit and the form around it).
"""

# The request line (method, path and query): the longest the site makes is a search URL, well under this.
limit_request_line = 4094
# Headers per request: a browser sends about fifteen, a client behind proxies a few more.
limit_request_fields = 50
# One header's bytes: the Cookie header (session, CSRF token, messages) is the largest the site sets.
limit_request_field_size = 8190
# A sync worker silent for this long is killed and replaced: no request does slow work in the web process
# (highlighting and mail run in the worker), so only a stuck one or a client trickling its body takes this long.
timeout = 30
# Requests in hand at a stop get this long, within the unit's TimeoutStopSec=30.
graceful_timeout = 25
