# The user list PgBouncer logs in to PostgreSQL with, from the container's environment (never in
# the image), then PgBouncer in the foreground.
set -eu
umask 077
printf '"%s" "%s"\n' "$POSTGRES_USER" "$POSTGRES_PASSWORD" > /tmp/userlist.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
