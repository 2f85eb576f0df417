from django.db import transaction

from djangobin.models import Feedback
from djangobin.queue import enqueue_on_commit


def feedback_create(*, name, email, purpose, message):
    """Store the feedback, then have a worker mail it to ADMINS."""
    with transaction.atomic():
        feedback = Feedback.objects.create(name=name, email=email, purpose=purpose, message=message)
        enqueue_on_commit("actors.mail.send_feedback_mail", feedback.pk)
    return feedback
