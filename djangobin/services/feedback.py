from django.db import transaction

from actors import paths as actors
from delivery.outbox import enqueue_on_commit
from djangobin.models import Feedback


def feedback_create(*, name, email, purpose, message):
    """Store the feedback, then have a worker mail it to ADMINS."""
    with transaction.atomic():
        feedback = Feedback.objects.create(name=name, email=email, purpose=purpose, message=message)
        enqueue_on_commit(actors.SEND_FEEDBACK_MAIL, feedback.pk)
    return feedback
