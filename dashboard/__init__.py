"""Monitoring for djangobin's Dramatiq work: task history, workers, RabbitMQ queues, the scheduler; at /dashboard/."""
