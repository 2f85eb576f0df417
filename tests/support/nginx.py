"""Debian's nginx running the shipped site file (deploy/nginx/djangobin.conf) as this user, in a directory of the
test's own: the file's CHANGE values (cache path, upstream, port, static root) pointed at the test's, nothing else
altered."""

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
SITE_FILE = REPO / "deploy" / "nginx" / "djangobin.conf"
NGINX = "/usr/sbin/nginx"

# The values the site file asks a deployment to change, and what each becomes here.
SHIPPED = {
    "cache": "/var/cache/nginx/djangobin ",
    "upstream": "server 127.0.0.1:8000;",
    "listen": "listen 80;",
    "static": "alias /srv/djangobin/staticfiles/;",
}


def available() -> bool:
    return Path(NGINX).exists()


def site_file_for(directory: Path, *, upstream_port: int, port: int, static_root: Path) -> Path:
    """The shipped site file with its CHANGE values pointed at this test's; fails if one is no longer there."""
    text = SITE_FILE.read_text()
    replacements = {
        SHIPPED["cache"]: f"{directory / 'cache'} ",
        SHIPPED["upstream"]: f"server 127.0.0.1:{upstream_port};",
        SHIPPED["listen"]: f"listen 127.0.0.1:{port};",
        SHIPPED["static"]: f"alias {static_root}/;",
    }
    for shipped, local in replacements.items():
        assert text.count(shipped) == 1, f"{SITE_FILE} no longer holds {shipped!r} once"
        text = text.replace(shipped, local)
    site = directory / "djangobin.conf"
    site.write_text(text)
    return site


def main_config(directory: Path, site: Path) -> Path:
    """nginx.conf for a run as this user: pid, logs and temporary files in `directory`, the site included."""
    temp = {name: directory / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    config = directory / "nginx.conf"
    config.write_text(
        f"""
daemon off;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} info;
{"user root;" if _root() else ""}
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {directory / "access.log"};
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
"""
    )
    return config


def _root() -> bool:
    import os

    return os.geteuid() == 0


class Nginx:
    def __init__(self, directory: Path, *, upstream_port: int, static_root: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        site = site_file_for(self.directory, upstream_port=upstream_port, port=self.port, static_root=static_root)
        self.config = main_config(self.directory, site)
        self.process = None

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the configuration."""
        return subprocess.run(
            [NGINX, "-t", "-c", str(self.config), "-p", str(self.directory), "-e", str(self.directory / "error.log")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def start(self, timeout=30.0):
        argv = [NGINX, "-c", str(self.config), "-p", str(self.directory), "-e", str(self.directory / "error.log")]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.base_url + "/static/", timeout=2).close()
                return self
            except urllib.error.HTTPError:
                return self  # it answers (a 403 or 404 for the directory itself)
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start:\n{self.log()}")
            time.sleep(0.1)

    def log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text()[-4000:] if path.exists() else ""

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            self.process.wait(timeout=30)
        shutil.rmtree(self.directory / "cache", ignore_errors=True)
