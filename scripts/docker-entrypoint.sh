#!/bin/sh
# Container entry: apply pending migrations (the advisory lock makes concurrent replicas safe), then run the service
# as PID 1's only child so SIGTERM reaches it directly.
set -e
node dist/src/cli/db-migrate.js
exec node dist/src/main.js "$@"
