FROM python:3.12-slim
MAINTAINER Jane Doe <jane@example.com>
ENV PYTHONDONTWRITEBYTECODE 1
ENV PIP_NO_CACHE_DIR=1 \
    APP_HOME=/srv/app
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
    # the compiler is only needed to build wheels
    && apt-get install -y --no-install-recommends gcc \
    && rm -rf /var/lib/apt/lists/*
WORKDIR $APP_HOME
COPY requirements.txt .
RUN pip install -r requirements.txt
VOLUME ["/srv/app/data"]
ONBUILD COPY . /srv/app
USER nobody
CMD gunicorn --bind 0.0.0.0:8000 app:wsgi
