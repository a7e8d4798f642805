"""What production runs, built and served the way production does it.

`collectstatic` in production mode (whitenoise's manifest storage) into a
temporary STATIC_ROOT, gunicorn in production mode (EH_ENV=production, a real
SECRET_KEY, ALLOWED_HOSTS, HTTPS announced by X-Forwarded-Proto), and Debian's
nginx in front of it with deploy/nginx/enforcement-hub.conf, the file the
compose stack mounts (templated here only for listen ports, upstream address,
static root and TLS folder). Every server binds 127.0.0.1 on a free port and
every wait is bounded."""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx" / "enforcement-hub.conf"
COMPOSE = ROOT / "docker-compose.yml"
HOST = "127.0.0.1"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"server exited with {proc.returncode}"
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {HOST}:{port} after {seconds}s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def prod_env(django_db_setup, django_db_blocker, tmp_path_factory):
    """The environment of a production process, on the test database."""
    from django.db import connection

    url = urlsplit(os.environ["DATABASE_URL"])
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    tmp = tmp_path_factory.mktemp("prod")
    env.update({
        "EH_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_URL": urlunsplit(url._replace(path="/" + name)),
        "STATIC_ROOT": str(tmp / "static"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "DJANGO_SETTINGS_MODULE": "enforcement_hub.settings",
    })
    env.pop("DEBUG", None)
    return env


@pytest.fixture(scope="module")
def static_root(prod_env):
    """collectstatic exactly as the Dockerfile runs it."""
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                            env=prod_env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    root = Path(prod_env["STATIC_ROOT"])
    assert (root / "staticfiles.json").is_file()
    os.chmod(root, 0o755)
    return root


def hashed(static_root: Path, name: str) -> str:
    return json.loads((static_root / "staticfiles.json").read_text())["paths"][name]


@pytest.fixture(scope="module")
def gunicorn(prod_env, static_root):
    """gunicorn in production mode: sync workers, two of them (what a small box runs)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "enforcement_hub.wsgi:application", "--bind", f"{HOST}:{port}",
         "--workers", "2", "--worker-class", "sync", "--timeout", "30"],
        cwd=ROOT, env=prod_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc, seconds=30)
        yield port
    finally:
        stop(proc)


def get(port: int, path: str, *, tls: bool = False, headers=None, timeout: float = 10):
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(HOST, port, timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": f"{HOST}:{port}", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_production_build_and_server_answer(gunicorn, static_root):
    """The Dockerfile's collectstatic passes and a production gunicorn serves
    the login page (with hashed static names) and a static file."""
    proto = {"X-Forwarded-Proto": "https"}
    status, _, body = get(gunicorn, "/accounts/login/", headers=proto)
    assert status == 200, body[-2000:]
    css = hashed(static_root, "css/app.css")
    assert f"/static/{css}".encode() in body
    status, _, body = get(gunicorn, f"/static/{css}", headers=proto)
    assert status == 200 and body
    # plain HTTP is sent to HTTPS
    status, headers, _ = get(gunicorn, "/accounts/login/")
    assert status == 301 and headers["Location"].startswith("https://")


# --- the proxy ---------------------------------------------------------------------------------

MAIN_CONF = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
{user}
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/enforcement-hub.conf;
}}
"""


def templated(conf: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        assert conf.count(old) >= 1, f"{old!r} not in {NGINX_CONF.name}"
        conf = conf.replace(old, new)
    return conf


@pytest.fixture(scope="module")
def nginx(gunicorn, static_root, tmp_path_factory):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.path.exists(binary), "nginx is not installed (make system-deps installs it)"
    tmp = tmp_path_factory.mktemp("nginx")
    os.chmod(tmp, 0o755)
    tls = tmp / "tls"
    tls.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(tls / "privkey.pem"), "-out", str(tls / "fullchain.pem")],
                   check=True, capture_output=True, timeout=60)
    http_port, https_port = free_port(), free_port()
    (tmp / "enforcement-hub.conf").write_text(templated(NGINX_CONF.read_text(), {
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen 443 ssl;": f"listen {HOST}:{https_port} ssl;",
        "server web:8000;": f"server {HOST}:{gunicorn};",
        "/srv/static/": f"{static_root}/",
        "/etc/nginx/tls/": f"{tls}/",
    }))
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(MAIN_CONF.format(tmp=tmp, user=user))
    proc = subprocess.Popen([binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            wait_for_port(https_port, proc, seconds=10)
        except AssertionError:
            raise AssertionError(proc.stderr.read().decode() if proc.poll() is not None else "nginx did not start")
        yield {"http": http_port, "https": https_port}
    finally:
        stop(proc)


def half_sent(port: int, *, tls: bool) -> socket.socket:
    """A client that sends half a request and then says nothing."""
    sock = socket.create_connection((HOST, port), timeout=5)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock)
    sock.sendall(f"GET /accounts/login/ HTTP/1.1\r\nHost: {HOST}\r\nUser-Agent: slow".encode())
    return sock


def test_nginx_serves_static_files_and_proxies_with_https(nginx, static_root):
    css = hashed(static_root, "css/app.css")
    status, headers, body = get(nginx["https"], f"/static/{css}", tls=True)
    assert status == 200 and body == (static_root / css).read_bytes()
    assert "Server" in headers and headers["Server"].startswith("nginx")
    # gunicorn sees X-Forwarded-Proto: https from the proxy: no redirect loop, secure cookie
    status, headers, body = get(nginx["https"], "/accounts/login/", tls=True)
    assert status == 200, body[-2000:]
    assert "Strict-Transport-Security" in headers
    # plain HTTP is sent to HTTPS by the proxy itself
    status, headers, _ = get(nginx["http"], "/accounts/login/")
    assert status == 301 and headers["Location"].startswith("https://")


def signed_in(prod_env) -> str:
    """A session cookie the production server accepts: a user and a session row,
    committed (the test is transactional) and signed with the server's own key."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import override_settings

    with override_settings(SECRET_KEY=prod_env["SECRET_KEY"]):
        user = get_user_model().objects.create_user("prod_docs_reader", password=secrets.token_urlsafe(16))
        session = SessionStore()
        session.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})
        session.create()
    return f"sessionid={session.session_key}"


# Transactional: the server process must see the session row (the database is flushed after).
@pytest.mark.django_db(transaction=True)
def test_vendored_assets_and_the_api_docs_work_in_production(nginx, static_root, prod_env):
    """Chart.js, htmx, the admin's and the docs' (drf-spectacular sidecar) files, by their
    hashed names, from the proxy; the docs pages reference them."""
    for name in ("dashboards/vendor/chart-4.6.1.umd.js", "vendor/htmx-2.0.11.min.js", "admin/js/core.js",
                 "admin/css/base.css"):
        status, _, body = get(nginx["https"], f"/static/{hashed(static_root, name)}", tls=True)
        assert status == 200 and body, name
    for path in ("/api/docs/", "/api/redoc/"):
        # Behind login in production (API_DOCS_PUBLIC is off there)...
        status, headers, _ = get(nginx["https"], path, tls=True)
        assert status == 302 and "/accounts/login/" in headers["Location"], path
    cookie = signed_in(prod_env)
    for path in ("/api/docs/", "/api/redoc/"):
        # ...and whole for a signed-in user.
        status, _, body = get(nginx["https"], path, tls=True, headers={"Cookie": cookie})
        assert status == 200, path
        assets = re.findall(rb'(?:src|href)="(/static/drf_spectacular_sidecar/[^"]+)"', body)
        assert assets, path
        for asset in assets:
            status, _, _ = get(nginx["https"], asset.decode(), tls=True)
            assert status == 200, asset


def test_idle_half_sent_connections_stall_gunicorn_but_not_the_proxy(nginx, gunicorn):
    """Five idle clients that sent half a request: through nginx a normal request
    still answers at once; straight at gunicorn's two sync workers it waits."""
    slow = [half_sent(nginx["https"], tls=True) for _ in range(5)]
    try:
        started = time.monotonic()
        status, _, _ = get(nginx["https"], "/accounts/login/", tls=True, timeout=5)
        elapsed = time.monotonic() - started
        print(f"through nginx, 5 idle half-sent connections open: login page in {elapsed * 1000:.0f} ms")
        assert status == 200 and elapsed < 2
    finally:
        for sock in slow:
            sock.close()

    slow = [half_sent(gunicorn, tls=False) for _ in range(3)]
    try:
        with pytest.raises(TimeoutError):
            get(gunicorn, "/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=2)
    finally:
        for sock in slow:
            sock.close()
    status, _, _ = get(gunicorn, "/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert status == 200


def _post_oversize(port: int, path: str, content_type: str) -> tuple[bytes, bytes]:
    """POST a body one byte over MAX_REQUEST_MB, sent whole as a browser would, and
    return the proxy's answer (head, body)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    size = settings.MAX_REQUEST_MB * 1024 * 1024 + 1
    answer = b""
    with ctx.wrap_socket(socket.create_connection((HOST, port), timeout=10)) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {content_type}\r\n"
                      f"Content-Length: {size}\r\nConnection: close\r\n\r\n").encode())
        chunk, sent = b"x" * (1024 * 1024), 0
        try:
            while sent < size:
                sent += sock.send(chunk[: size - sent])
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the proxy may answer and close before the body is through
        try:
            while data := sock.recv(65536):
                answer += data
        except (ConnectionResetError, ssl.SSLError):
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, body


def test_the_proxy_refuses_a_body_above_max_request_mb(nginx):
    head, body = _post_oversize(nginx["https"], "/workorders/new/", "application/octet-stream")
    assert head.split()[1] == b"413", head
    # The platform's own page, in both languages, not nginx's English one.
    assert "提交的内容过大".encode() in body and b"Request too large" in body
    head, body = _post_oversize(nginx["https"], "/api/v1/work-orders/", "application/json")
    assert head.split()[1] == b"413" and b"application/json" in head, head
    assert json.loads(body)["code"] == "request_too_large"


# --- one place for limits -----------------------------------------------------------------------

def directive(conf: str, name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", conf, flags=re.M)


def seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([sm]?)", value.strip()).groups()
    return int(number) * (60 if unit == "m" else 1)


def test_proxy_limits_agree_with_settings_and_gunicorn():
    conf = NGINX_CONF.read_text()
    assert directive(conf, "client_max_body_size") == [f"{settings.MAX_REQUEST_MB}m"]
    assert settings.MAX_UPLOAD_MB * 1 <= settings.MAX_REQUEST_MB
    compose = COMPOSE.read_text()
    gunicorn_timeout = int(re.search(r"--timeout (\d+)", compose).group(1))
    read = [seconds(v) for v in directive(conf, "proxy_read_timeout")]
    assert read and all(v > gunicorn_timeout for v in read), (read, gunicorn_timeout)
    assert directive(conf, "proxy_set_header X-Forwarded-Proto") == ["$scheme"]
    assert directive(conf, "proxy_request_buffering") == ["on"]
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Limits and timeouts", 1)[1].split("\n## ", 1)[0]
    for figure in (f"{settings.MAX_REQUEST_MB} MB", f"{settings.MAX_UPLOAD_MB} MB", f"{gunicorn_timeout} s"):
        assert figure in section, figure
    # The proxy's own 413 pages name the same limits.
    for page in ("413.html", "413.json"):
        text = (ROOT / "static" / "errors" / page).read_text()
        assert f"{settings.MAX_REQUEST_MB} MB" in text, page
    page = (ROOT / "static" / "errors" / "413.html").read_text()
    assert f"{settings.MAX_UPLOAD_MB} MB" in page and f"{settings.MAX_UPLOAD_FILES} " in page


def test_compose_publishes_only_the_proxy_with_this_configuration():
    """gunicorn is reachable only through the proxy (which is why Django may trust
    X-Forwarded-Proto), and the proxy runs the file the tests above run."""
    import yaml

    services = yaml.safe_load(COMPOSE.read_text())["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    proxy, web = services["proxy"], services["web"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx/enforcement-hub.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert "static:/srv/static:ro" in proxy["volumes"] and "static:/srv/static" in web["volumes"]
    assert web["environment"]["STATIC_ROOT"] == "/srv/static"
    assert "server web:8000;" in NGINX_CONF.read_text() and "--bind 0.0.0.0:8000" in web["command"]

