"""The site's other pages: the contact form, and the 400 page (413 for a body over the size limit)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from djangobin.forms import ContactForm
from djangobin.ratelimits import ratelimited
from djangobin.services import feedback


@require_http_methods(["GET", "POST"])
@ratelimited("contact")
def contact(request):
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            feedback.feedback_create(**form.cleaned_data)
            messages.success(request, "Thanks for your feedback: it is on its way to the admins.")
            return redirect("djangobin:contact")
    else:
        form = ContactForm()
    return render(request, "djangobin/contact.html", {"form": form})


def bad_request(request, exception):
    """The 400 page, saying why when the reason is one the user can act on; a body too large (a paste or an upload
    over the size limit, see djangobin/uploads.py) gets it as a 413."""
    if isinstance(exception, RequestDataTooBig):
        reason = (
            f"The form was larger than the server accepts. Snippets are limited to "
            f"{settings.SNIPPET_MAX_BYTES:,} bytes ({settings.SNIPPET_MAX_BYTES // 1024} KiB)."
        )
        return render(request, "400.html", {"reason": reason, "status": 413, "title": "Request too large"}, status=413)
    reason = "The request could not be understood."
    if isinstance(exception, TooManyFieldsSent):
        reason = "The form had more fields than the server accepts."
    return render(request, "400.html", {"reason": reason}, status=400)
