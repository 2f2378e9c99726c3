"""gunicorn's settings for `jointcare serve` in production (JOINTCARE_ENV=production).

Workers come from WEB_CONCURRENCY (default 2); any other setting can be overridden with gunicorn's own
GUNICORN_CMD_ARGS, for example GUNICORN_CMD_ARGS="--threads 8 --timeout 300".
"""

import os

wsgi_app = "jointcare.wsgi:application"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let one worker answer small requests while another request in it waits on the database.
worker_class = "gthread"
threads = 4
# Long enough for the largest upload the service accepts to be imported; a request stuck longer is killed.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Restart each worker now and then, so that no slow leak builds up.
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
control_socket_disable = True  # no run-time control interface: restart the service to change it
