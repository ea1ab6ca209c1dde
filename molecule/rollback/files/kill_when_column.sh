#!/bin/sh
# Kill the project's one-off backend container (docker kill: SIGKILL, exit 137 - as the OOM killer
# does) as soon as COLUMN of TABLE exists; gives up after 300 s.
# Usage: kill_when_column.sh PROJECT_DIR PROJECT_NAME ENV_FILE TABLE COLUMN
set -u
dir=$1 project=$2 env_file=$3 table=$4 column=$5
sql="SELECT count(*) FROM information_schema.columns WHERE table_name = '$table' AND column_name = '$column'"
i=0
while [ "$i" -lt 600 ]; do
  found=$(docker compose --project-directory "$dir" -p "$project" --env-file "$env_file" exec -T db \
    sh -c "psql -X -At -U \"\$POSTGRES_USER\" -d \"\$POSTGRES_DB\" -c \"$sql\"" 2>/dev/null)
  if [ "$found" = "1" ]; then
    ids=$(docker ps -q --filter "label=com.docker.compose.project=$project" \
      --filter label=com.docker.compose.oneoff=True --filter label=com.docker.compose.service=backend)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      docker kill $ids && echo "killed $ids" && exit 0
    fi
  fi
  i=$((i + 1))
  sleep 0.5
done
echo "the column never appeared" >&2
exit 1
