"""Getting messages to RabbitMQ and work done once: the outbox, its relay, the delivery ledger, the broker.

A message leaves a process by one of three ways, each for a reason:

1. The outbox (`outbox.enqueue_on_commit(actors.paths.X, *ids)`), for every message the site's own writes cause:
   stored in the same transaction as those writes and published after commit, so none is sent for a rolled-back
   write and none is lost for a committed one, RabbitMQ down or not.
2. The dashboard's re-send (`taskhistory.services.task_retry`), for a task an operator retries: straight to the
   broker with publisher confirms, since no write of the site's commits with it, and a refusal is an error the
   operator sees at once.
3. The scheduler (`scheduler.daemon`), for a fire time: claimed first in its `JobRun` ledger, so that of two
   daemons one sends it, then sent with confirms; the daemon that owns the fire time retries a failed send.
"""
