-- accreditrack.ops lock_check: one read-only snapshot of everything that can make a migration
-- queue behind a lock, as ONE JSON document. The thresholds and the target tables are applied
-- by the caller (module_utils/_pg_locks.py: classify()), so this query takes no parameters and
-- runs unchanged through `psql -f -` and community.postgresql.postgresql_query.
-- No percent sign anywhere, comments included: postgresql_query hands the text to psycopg,
-- which reads that sign as the start of a placeholder. The result is jsonb: one line of output
-- (json_agg would break lines between elements).
WITH me AS (
    SELECT pg_backend_pid() AS pid,
           current_database() AS datname,
           (SELECT oid FROM pg_database WHERE datname = current_database()) AS datid,
           now() AS at
),
-- Locks on relations of this database, an index resolved to its table.
rel_locks AS (
    SELECT l.pid,
           l.virtualtransaction,
           l.mode,
           l.granted,
           n.nspname AS schema,
           c.relname AS name
      FROM pg_locks l
      JOIN me ON l.database = me.datid
      LEFT JOIN pg_index i ON i.indexrelid = l.relation
      JOIN pg_class c ON c.oid = coalesce(i.indrelid, l.relation)
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE l.locktype = 'relation'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
),
-- The virtual transaction that owns each prepared transaction's locks (they have no pid). It is
-- found through the transaction's own xid lock: older releases show it as -1/xid, current
-- releases (PostgreSQL 17.12 seen live) keep the vxid of the backend that prepared it.
prepared_xids AS (
    SELECT l.transactionid AS xid, l.virtualtransaction
      FROM pg_locks l
     WHERE l.locktype = 'transactionid'
       AND l.pid IS NULL
),
sessions AS (
    SELECT a.pid,
           a.usename AS "user",
           a.application_name AS application,
           host(a.client_addr) AS client,
           a.backend_type,
           a.state,
           a.wait_event_type,
           a.wait_event,
           a.xact_start,
           extract(epoch FROM me.at - a.backend_start)::float8 AS backend_age,
           extract(epoch FROM me.at - a.xact_start)::float8 AS xact_age,
           extract(epoch FROM me.at - a.query_start)::float8 AS query_age,
           extract(epoch FROM me.at - a.state_change)::float8 AS state_age,
           left(a.query, 2000) AS query,
           pg_blocking_pids(a.pid) AS blocked_by,
           coalesce((SELECT json_agg(json_build_object(
                                'relation', rl.schema || '.' || rl.name,
                                'mode', rl.mode,
                                'granted', rl.granted)
                            ORDER BY rl.schema, rl.name, rl.mode)
                       FROM (SELECT DISTINCT schema, name, mode, granted
                               FROM rel_locks WHERE rel_locks.pid = a.pid) rl),
                    '[]'::json) AS locks
      FROM pg_stat_activity a, me
     WHERE a.pid <> me.pid
       AND a.datname = me.datname
       AND a.backend_type IN ('client backend', 'autovacuum worker')
       AND (a.xact_start IS NOT NULL
            OR a.state IN ('idle in transaction', 'idle in transaction (aborted)')
            OR EXISTS (SELECT 1 FROM rel_locks WHERE rel_locks.pid = a.pid))
),
prepared AS (
    SELECT p.transaction::text AS xid,
           p.gid,
           p.owner AS "user",
           p.database,
           extract(epoch FROM me.at - p.prepared)::float8 AS age,
           coalesce((SELECT json_agg(DISTINCT jsonb_build_object(
                                'relation', rl.schema || '.' || rl.name,
                                'mode', rl.mode,
                                'granted', rl.granted))
                       FROM rel_locks rl
                      WHERE rl.pid IS NULL
                        AND rl.virtualtransaction IN (SELECT x.virtualtransaction
                                                        FROM prepared_xids x
                                                       WHERE x.xid = p.transaction)),
                    '[]'::json) AS locks
      FROM pg_prepared_xacts p, me
     WHERE p.database = me.datname
)
SELECT json_build_object(
           'database', me.datname,
           'checked_by', me.pid,
           'at', me.at,
           'sessions', coalesce((SELECT json_agg(s ORDER BY s.pid) FROM sessions s), '[]'::json),
           'prepared', coalesce((SELECT json_agg(p ORDER BY p.age DESC) FROM prepared p), '[]'::json)
       )::jsonb AS snapshot
  FROM me;
