"""The outbox page: messages the relay parked because they cannot be sent, each with a retry action."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from delivery.outbox import PARK_AFTER_FAILURES, outbox_pending_count
from delivery.parked import OutboxMessageNotParked, outbox_message_retry, outbox_parked_messages

from .access import operator_required, staff_required
from .audit import action_log
from .wording import counted

PAGE_ROWS = 200


@staff_required
@require_GET
def outbox(request):
    parked = list(outbox_parked_messages()[:PAGE_ROWS])
    context = {
        "parked": parked,
        "waiting": outbox_pending_count(),
        "park_after": PARK_AFTER_FAILURES,
        "page_rows": PAGE_ROWS,
    }
    return render(request, "dashboard/outbox.html", context)


@operator_required
@require_http_methods(["GET", "POST"])
def outbox_retry(request, message_id):
    outbox_url = reverse("dashboard:outbox")
    row = outbox_parked_messages().filter(message_id=message_id).first()
    if row is None:
        messages.error(request, f"Message {message_id} is not parked (sent, retried already, or unknown).")
        return redirect(outbox_url)
    if not (request.method == "POST" and request.POST.get("confirm") == "yes"):
        context = {
            "title": f"Retry the parked message {row.message_id}?",
            "lines": [
                f"{row.actor_name}{tuple(row.args)!r} failed {counted(row.failures, 'time', 'times')}: "
                f"{row.last_error}",
                "It goes back into the outbox with its failures reset; the relay publishes it on its next pass, "
                f"or parks it again after {PARK_AFTER_FAILURES} more failures if the cause is not fixed.",
            ],
            "button": "Retry this message",
            "cancel_url": outbox_url,
        }
        return render(request, "dashboard/confirm.html", context)
    try:
        row = outbox_message_retry(message_id=message_id)
    except OutboxMessageNotParked:
        messages.error(request, f"Message {message_id} is no longer parked.")
        return redirect(outbox_url)
    action_log(user=request.user, obj=row, message=f"Unparked outbox message {row.message_id} for another try.")
    messages.success(request, f"Message {row.message_id} is back in the outbox; the relay sends it shortly.")
    return redirect(outbox_url)
