#!/bin/busybox sh
# Answers "Hello $TARGET!" on $PORT, as Knative's runtime contract says; stops on SIGTERM.
echo "Hello ${TARGET:-World}!" > /www/index.html
echo "hello-image listening on ${PORT:-8080}"
exec /bin/busybox httpd -f -p "${PORT:-8080}" -h /www
