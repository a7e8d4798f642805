"""Fail fast, with a clear message, when the test services are not reachable."""
import os
import socket
import sys
from urllib.parse import urlparse


def reachable(url, default_port):
    u = urlparse(url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or default_port), timeout=3):
            return True
    except OSError:
        return False


problems = []
db = os.environ.get("DATABASE_URL", "")
redis = os.environ.get("REDIS_URL", "")
if not db.startswith(("postgres://", "postgresql://")):
    problems.append(f"DATABASE_URL must point at PostgreSQL for the tests (got {db!r}).")
elif not reachable(db, 5432):
    problems.append(f"PostgreSQL is not reachable at {db}. Start it or set DATABASE_URL.")
if not redis.startswith("redis://"):
    problems.append(f"REDIS_URL must point at Redis for the tests (got {redis!r}).")
elif not reachable(redis, 6379):
    problems.append(f"Redis is not reachable at {redis}. Start it or set REDIS_URL.")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(2)
print(f"services ok: {db} {redis}")
