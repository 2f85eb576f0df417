"""djangobin's settings minus the dashboard's task-history middleware: the baseline of bench/middleware.py."""

from django_project.settings import *  # noqa: F403
from django_project.settings import DRAMATIQ_BROKER

DRAMATIQ_BROKER = {
    **DRAMATIQ_BROKER,
    "MIDDLEWARE": [m for m in DRAMATIQ_BROKER["MIDDLEWARE"] if m != "taskhistory.middleware.TaskHistory"],
}
