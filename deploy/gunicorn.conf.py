"""gunicorn's settings for djangobin's web process: the systemd unit passes this file with --config.

gunicorn reads a request's line and headers itself, so their bounds are set here; the body is Django's to bound
(DATA_UPLOAD_MAX_MEMORY_SIZE and djangobin/uploads.py answer 413 past the paste limit and the form around it).
"""

import multiprocessing

# The request line (method, path and query): the longest the site makes is a search URL, well under this.
limit_request_line = 4094
# Headers per request: a browser sends about fifteen, a client behind proxies a few more.
limit_request_fields = 50
# One header's bytes: the Cookie header (session, CSRF token, messages) is the largest the site sets.
limit_request_field_size = 8190
# Threads, not one request per process: a request waiting for a password hash (djangobin/hashers.py) holds one
# thread while the process's others serve page views; with sync workers a burst of sign-ups took every worker.
# docs/scaling.md has the measurements ("The web server's worker model").
worker_class = "gthread"
# A process runs Python on one core at a time (the GIL), so one per core; bench/load.py --web compares others.
workers = multiprocessing.cpu_count()
# More than DJANGO_PASSWORD_HASH_QUEUE, so page views keep threads while that many requests wait for hashes; each
# thread keeps its own database connection (CONN_MAX_AGE).
threads = 8
# A worker process silent for this long is killed and replaced: no request does slow work in the web process
# (highlighting and mail run in the worker), so only a stuck one or a client trickling its body takes this long.
timeout = 30
# Requests in hand at a stop get this long, within the unit's TimeoutStopSec=30.
graceful_timeout = 25
