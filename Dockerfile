FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN python manage.py compilemessages -v0 && \
    EH_ENV=production SECRET_KEY=build-only-collectstatic-not-a-secret-000000000000000 \
    python manage.py collectstatic --noinput -v0
# /srv/static: the volume the web container collects into and nginx serves from (compose);
# owned by hub so that a fresh volume, initialised from the image, is writable.
RUN useradd --system --home /app hub && mkdir -p /app/var /srv/static && chown -R hub /app/var /srv/static
USER hub
EXPOSE 8000
# Behind the proxy (docker-compose.yml): gunicorn is never published on its own.
CMD ["gunicorn", "enforcement_hub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]
