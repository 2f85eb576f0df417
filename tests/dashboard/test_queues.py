"""The overview's queue numbers come from RabbitMQ itself: a real broker (a scratch virtual host) over AMQP, and
the management API as a small HTTP server on loopback serving JSON recorded from RabbitMQ 3.10's management
plugin (not enabled on the shared broker here; recorded once from a private node with the plugin on)."""

import base64
import http.server
import json
import threading
from pathlib import Path
from urllib.parse import quote

import pika
import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from delivery import amqp
from delivery import queues as rabbitmq

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).parent / "data" / "management_api_queues.json"


def fill(url, queue, count):
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.queue_declare(queue, durable=True)
        for n in range(count):
            channel.basic_publish("", queue, json.dumps({"n": n}).encode())
    finally:
        connection.close()


@pytest.fixture
def broker_url(settings, rabbitmq_vhost):
    settings.RABBITMQ_URL = rabbitmq_vhost.url
    return rabbitmq_vhost.url


def test_the_overview_shows_ready_delayed_and_dead_lettered_counts_read_from_rabbitmq(staff_client, broker_url):
    fill(broker_url, "mail", 3)
    fill(broker_url, "mail.DQ", 1)
    fill(broker_url, "mail.XQ", 2)
    data = staff_client.get(reverse("dashboard:api_overview")).json()
    queues = {queue["name"]: queue for queue in data["broker"]["queues"]}
    assert data["broker"]["error"] == ""
    assert (queues["mail"]["ready"], queues["mail"]["delayed"], queues["mail"]["dead"]) == (3, 1, 2)
    assert queues["mail"]["consumers"] == 0
    assert queues["maintenance"]["ready"] is None  # not declared on this broker yet
    page = staff_client.get(reverse("dashboard:overview")).content.decode()
    assert 'data-key="queue:mail:dead">2<' in page


def test_purging_a_dead_letter_queue_empties_it_and_is_logged(staff_client, staff, broker_url, rabbitmq_vhost):
    fill(broker_url, "mail", 1)
    fill(broker_url, "mail.XQ", 4)
    url = reverse("dashboard:purge_dead_letters", args=["mail"])
    assert b"It holds 4 messages now." in staff_client.get(url).content

    response = staff_client.post(url, {"confirm": "yes"})

    assert response.status_code == 302
    depths = rabbitmq_vhost.queue_depths()
    assert (depths["mail.XQ"], depths["mail"]) == (0, 1)
    assert b"Purged 4 messages from mail.XQ" in staff_client.get(response["Location"]).content
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_repr) == (staff, "RabbitMQ queue mail.XQ")


def test_only_djangobin_queues_can_be_purged(staff_client, broker_url, rabbitmq_vhost):
    fill(broker_url, "other.XQ", 2)
    response = staff_client.post(reverse("dashboard:purge_dead_letters", args=["other"]), {"confirm": "yes"})
    assert b"not one of djangobin" in staff_client.get(response["Location"]).content
    assert rabbitmq_vhost.queue_depths()["other.XQ"] == 2
    assert not LogEntry.objects.exists()


class _RecordedManagementApi(http.server.BaseHTTPRequestHandler):
    body = RECORDED.read_bytes()
    requests = []

    def do_GET(self):
        type(self).requests.append((self.path, self.headers.get("Authorization")))
        expected = "Basic " + base64.b64encode(b"monitor:pa ss").decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def management_api():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordedManagementApi)
    _RecordedManagementApi.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_with_a_management_url_the_overview_adds_unacked_counts_and_rates(staff_client, settings, management_api):
    settings.RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:1/djangobin%2Fprod"
    settings.RABBITMQ_MANAGEMENT_URL = f"http://monitor:pa%20ss@127.0.0.1:{management_api.server_port}/"
    data = staff_client.get(reverse("dashboard:api_overview")).json()
    [(path, _)] = _RecordedManagementApi.requests
    assert path == "/api/queues/" + quote("djangobin/prod", safe="")
    mail = next(queue for queue in data["broker"]["queues"] if queue["name"] == "mail")
    assert (mail["unacked"], mail["delayed_unacked"]) == (2, 0)
    assert mail["rates"] == {"published": 18.8, "delivered": 0.0, "acked": 0.0}
    assert data["broker"]["management_error"] == ""
    page = staff_client.get(reverse("dashboard:overview")).content.decode()
    assert 'data-key="queue:mail:unacked">2<' in page


def test_a_management_api_that_refuses_is_reported_not_raised(staff_client, settings, management_api):
    settings.RABBITMQ_MANAGEMENT_URL = f"http://monitor:wrong@127.0.0.1:{management_api.server_port}"
    data = staff_client.get(reverse("dashboard:api_overview")).json()
    assert "management API did not answer" in data["broker"]["management_error"]
    assert "401" in data["broker"]["management_error"]


def test_the_management_url_must_be_http():
    with pytest.raises(rabbitmq.BrokerUnavailable, match="http"):
        rabbitmq.management_queues("file:///etc/passwd", "amqp://guest:guest@127.0.0.1/")


def test_the_virtual_host_is_read_from_the_amqp_url():
    assert amqp.vhost_of("amqp://guest:guest@127.0.0.1:5672/") == "/"
    assert amqp.vhost_of("amqp://guest:guest@127.0.0.1:5672") == "/"
    assert amqp.vhost_of("amqp://u:p@h/djangobin-test-1") == "djangobin-test-1"
    assert amqp.vhost_of("amqp://u:p@h/%2Fweird") == "/weird"
    assert amqp.vhost_of("amqp://u:p@a/shared;amqp://u:p@b/shared") == "shared"


def test_a_kept_connection_the_broker_dropped_is_replaced_on_the_next_read(broker_url, rabbitmq_vhost):
    fill(broker_url, "mail", 2)
    assert rabbitmq.queue_counts(["mail"])[0].ready == 2
    kept = rabbitmq._shared._connection
    rabbitmq_vhost.delete()  # RabbitMQ closes every connection to a deleted virtual host
    rabbitmq_vhost.create()
    fill(broker_url, "mail", 1)
    assert rabbitmq.queue_counts(["mail"])[0].ready == 1
    assert rabbitmq._shared._connection is not kept


def test_the_counts_come_from_the_next_node_when_the_first_of_the_list_is_down(staff_client, settings, rabbitmq_vhost):
    settings.RABBITMQ_URL = f"amqp://guest:guest@127.0.0.1:1/;{rabbitmq_vhost.url}"
    fill(rabbitmq_vhost.url, "mail", 2)
    data = staff_client.get(reverse("dashboard:api_overview")).json()
    mail = next(queue for queue in data["broker"]["queues"] if queue["name"] == "mail")
    assert (data["broker"]["error"], mail["ready"]) == ("", 2)


def test_quorum_queues_show_their_type_leader_and_members_from_the_next_management_node(
    staff_client, settings, management_api
):
    # Recorded from a private 3-node cluster (RabbitMQ 3.10) whose first node had just been killed.
    quorum = (Path(__file__).parent / "data" / "management_api_quorum_queues.json").read_bytes()
    settings.RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:1/v1"
    settings.RABBITMQ_MANAGEMENT_URL = (
        f"http://127.0.0.1:1/;http://monitor:pa%20ss@127.0.0.1:{management_api.server_port}/"
    )
    _RecordedManagementApi.body = quorum
    try:
        data = staff_client.get(reverse("dashboard:api_overview")).json()
        page = staff_client.get(reverse("dashboard:overview")).content.decode()
    finally:
        _RecordedManagementApi.body = RECORDED.read_bytes()
    mail = next(queue for queue in data["broker"]["queues"] if queue["name"] == "mail")
    assert (mail["type"], mail["leader"]) == ("quorum", "djangobin-cluster-4ee7f3-2@localhost")
    assert len(mail["members"]) == 3
    assert 'data-key="queue:mail:type">quorum<' in page
    assert 'data-key="queue:mail:leader">djangobin-cluster-4ee7f3-2@localhost<' in page
