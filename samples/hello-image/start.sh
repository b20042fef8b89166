#!/bin/busybox sh
# Answers "Hello $TARGET!" on $PORT, as Knative's runtime contract says; stops on SIGTERM.
# Listens on every address of its network (set HOST=127.0.0.1 to listen on loopback only).
echo "Hello ${TARGET:-World}!" > /www/index.html
echo "hello-image listening on ${HOST:+$HOST:}${PORT:-8080}"
exec /bin/busybox httpd -f -p "${HOST:+$HOST:}${PORT:-8080}" -h /www
