"""Real pastebin clients against a real web server: Debian's pastebinit (configured as for dpaste.com) and curl."""

import json
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.integration

CODE = "def greet(name):\n    return f'hello {name}'\n"


def pastebin_conf(host):
    """Debian's dpaste.com.conf with our loopback server as the site (no `https` line: any value means HTTPS)."""
    return (
        f"[pastebin]\nbasename = {host}\npost_page = api/v2/\npaste_regexp = (.*)\n\n"
        "[format]\nuser = poster\ntitle = title\ncontent = content\nformat = syntax\nexpiry_days = expiry_days\n\n"
        "[defaults]\nexpiry_days = 30\n"
    )


def run(argv, tmp_path, **kwargs):
    """Run a client with a HOME and config directory of the test's own, so no user's settings take part."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=True, **kwargs)


def snippet_fields(system, slug):
    code = (
        "from djangobin.models import Snippet; import json; s = Snippet.objects.select_related('language').get("
        f"slug={slug!r}); print(json.dumps([s.original_code, s.language.lang_code, s.title, s.poster, s.expiration,"
        " s.exposure, s.user.username if s.user else None]))"
    )
    return json.loads(system.shell(code))


@pytest.mark.skipif(shutil.which("pastebinit") is None, reason="pastebinit is not installed (make pastebinit)")
def test_pastebinit_posts_a_file_and_prints_the_snippets_url(system, tmp_path):
    web = system.start_web()
    host = web.base_url.removeprefix("http://")
    (tmp_path / "config" / "pastebin.d").mkdir(parents=True)
    (tmp_path / "config" / "pastebin.d" / "djangobin.conf").write_text(pastebin_conf(host))
    (tmp_path / "greet.py").write_text(CODE)
    # When pastebinit posts a file with an author, a title and a format
    result = run(
        ["pastebinit", "-b", host, "-a", "alice", "-t", "Greeting", "-f", "python", "-i", str(tmp_path / "greet.py")],
        tmp_path,
    )
    # Then it prints the snippet's URL, which serves what was posted (pastebinit strips the final newline)
    url = result.stdout.strip()
    assert url.startswith(web.base_url + "/")
    slug = url.removeprefix(web.base_url + "/").strip("/")
    raw = system.client(web).get(f"/raw/{slug}/")
    assert raw.status == 200 and raw.body == CODE.rstrip()
    # pastebinit's expiry_days=30 is 30 days exactly, as on dpaste.com: no calendar month, so "custom"
    assert snippet_fields(system, slug) == [CODE.rstrip(), "python", "Greeting", "alice", "custom", "unlisted", None]
    assert "alice" in system.client(web).get(f"/{slug}/").body


def test_curl_posts_a_file_anonymously_and_with_a_token_reads_and_deletes_its_own_snippet(system, tmp_path):
    web = system.start_web()
    api = web.base_url + "/api/v2/"
    (tmp_path / "greet.py").write_text(CODE)
    # Given an anonymous `curl -F content=@file`
    anonymous = run(["curl", "-sS", "-F", "content=@greet.py", "-F", "syntax=py", api], tmp_path, cwd=tmp_path)
    slug = anonymous.stdout.strip().removeprefix(web.base_url + "/").strip("/")
    assert snippet_fields(system, slug)[:2] == [CODE, "python"]

    # Given an account with a personal token, posting with `Authorization: Bearer …`
    token = system.shell(
        "from django.contrib.auth import get_user_model; from djangobin.services.api_tokens import api_token_create;"
        " user = get_user_model().objects.create_user('bob', 'bob@example.com', 'a-long-fine-password-42');"
        " print(api_token_create(user=user, name='curl')[1])"
    )
    bearer = ["-H", f"Authorization: Bearer {token}"]
    posted = run(
        [
            "curl",
            "-sS",
            *bearer,
            "-H",
            "Accept: application/json",
            "-F",
            "content=<greet.py",
            "-F",
            "exposure=private",
            api,
        ],
        tmp_path,
        cwd=tmp_path,
    )
    created = json.loads(posted.stdout)
    assert snippet_fields(system, created["slug"])[5:] == ["private", "bob"]
    # Then the token reads the snippet back, and deletes it
    read = run(["curl", "-sS", *bearer, f"{api}{created['slug']}/"], tmp_path)
    assert json.loads(read.stdout)["content"] == CODE
    deleted = run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", *bearer, f"{api}{created['slug']}/"],
        tmp_path,
    )
    assert deleted.stdout == "204"
    assert system.client(web).get(f"/raw/{created['slug']}/").status == 404
    # And without the token, the anonymous snippet cannot be deleted through the API
    refused = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", f"{api}{slug}/"], tmp_path)
    assert refused.stdout == "401"
