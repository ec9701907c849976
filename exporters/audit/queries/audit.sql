{{define "unfinished"}}
SELECT run_id, destination, mode, coalesce(target, ''), coalesce(args, ''), status, started_at, resumes, coalesce(parent_run, 0)
FROM meta.push_run
WHERE destination = ? AND mode = ? AND status IN ('running', 'interrupted', 'cancelled', 'failed')
  AND run_id > coalesce((SELECT max(run_id) FROM meta.push_run WHERE destination = ? AND mode = ? AND status = 'finished'), 0)
ORDER BY run_id DESC
LIMIT 1
{{end}}

{{define "last_hashes"}}
-- The newest create, update, restore or delete of each record: a record
-- whose newest entry is a delete no longer exists at the destination.
SELECT dest_id, payload_hash, dest_db_id
FROM (
    SELECT dest_id, payload_hash, dest_db_id, action,
           row_number() OVER (PARTITION BY dest_id ORDER BY logged_at DESC, run_id DESC) AS rn
    FROM meta.push_record
    WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
)
WHERE rn = 1 AND action <> 'delete'
{{end}}

{{define "summary"}}
SELECT table_name, action, count(*) AS records
FROM meta.push_record
WHERE run_id = ?
GROUP BY ALL
ORDER BY table_name, action
{{end}}

{{define "gone"}}
-- Records the destination holds (by the log) that the current table no
-- longer has: deleted or filtered out in axiUm since they were pushed.
-- The ids still in the table are taken out before the newest entry of
-- each record is ranked: the ranking then sorts only the records gone
-- (usually none), not the whole log of a table of millions.
SELECT l.dest_id, coalesce(l.source_key, ''), coalesce(l.dest_db_id, 0)
FROM (
    SELECT dest_id, source_key, dest_db_id, action,
           row_number() OVER (PARTITION BY dest_id ORDER BY logged_at DESC, run_id DESC) AS rn
    FROM meta.push_record
    WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
      AND dest_id NOT IN (SELECT CAST({{.IDColumn}} AS VARCHAR) FROM {{.Relation}} WHERE {{.IDColumn}} IS NOT NULL)
      {{- if .Paged}} AND dest_id > ?{{end}}
) l
WHERE l.rn = 1 AND l.action <> 'delete'
ORDER BY l.dest_id
{{- if .Paged}} LIMIT ?{{end}}
{{end}}

{{define "pending"}}
-- Pre-images logged before their update was sent that no entry of the same
-- run acknowledged: the earliest is the record's value before the run.
SELECT p.dest_id, p.pre_image
FROM meta.push_record p
WHERE p.run_id = ? AND p.table_name = ? AND p.action = 'pending' AND p.pre_image IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM meta.push_record a
      WHERE a.run_id = p.run_id AND a.table_name = p.table_name AND a.dest_id = p.dest_id
        AND a.action IN ('create', 'update', 'fail', 'skip')
  )
QUALIFY row_number() OVER (PARTITION BY p.dest_id ORDER BY p.logged_at) = 1
{{end}}

{{define "last_pre_image"}}
-- The pre-image of the newest update or pending entry of one destination
-- id of a destination's table that kept one, whatever its run: for a
-- setting a push changed and an interrupted push left changed, the value
-- before the first push that changed it (a later push that found it
-- changed logs the same pre-image again).
SELECT p.pre_image
FROM meta.push_record p
WHERE p.destination = ? AND p.table_name = ? AND p.dest_id = ?
  AND p.action IN ('update', 'pending') AND p.pre_image IS NOT NULL
ORDER BY p.logged_at DESC
LIMIT 1
{{end}}

{{define "undo_page"}}
-- One page of what a push run wrote to one table that no rollback of it
-- undid yet (a rollback re-run after an interruption carries on where it
-- stopped; a pending entry no entry of the run acknowledged counts as an
-- update: the write may have landed, and restoring its pre-image is right
-- either way), of one kind: 'update' (the pre-images to
-- restore; a pending entry no entry acknowledged counts) or 'create' (the
-- records to delete), by destination id after the last one read.
SELECT table_name, object, dest_id, dest_db_id, action, pre_image, source_key FROM (
    SELECT p.table_name, p.object, p.dest_id, coalesce(p.dest_db_id, 0) AS dest_db_id,
           CASE WHEN p.action = 'pending' THEN 'update' ELSE p.action END AS action,
           coalesce(p.pre_image, '') AS pre_image, coalesce(p.source_key, '') AS source_key
    FROM meta.push_record p
    WHERE p.run_id = ? AND p.table_name = ?
      AND (p.action IN ('create', 'update')
           OR (p.action = 'pending' AND NOT EXISTS (
               SELECT 1 FROM meta.push_record a
               WHERE a.run_id = p.run_id AND a.table_name = p.table_name AND a.dest_id = p.dest_id
                 AND a.action IN ('create', 'update', 'fail', 'skip'))))
      AND NOT EXISTS (
          SELECT 1 FROM meta.push_record u JOIN meta.push_run r ON r.run_id = u.run_id
          WHERE r.mode = 'rollback' AND r.parent_run = p.run_id
            AND u.dest_id = p.dest_id AND u.table_name = p.table_name AND u.action IN ('delete', 'restore')
      )
    QUALIFY row_number() OVER (PARTITION BY p.dest_id ORDER BY p.logged_at) = 1
) w
WHERE action = ? AND dest_id > ?
ORDER BY dest_id
LIMIT ?
{{end}}

{{define "undo_left"}}
-- The tables a push run wrote to, with how many records there no
-- rollback of it undid yet: what a rollback has before it.
SELECT p.table_name, count(DISTINCT p.dest_id)
FROM meta.push_record p
WHERE p.run_id = ? AND p.action IN ('create', 'update', 'pending')
  AND NOT EXISTS (
      SELECT 1 FROM meta.push_record u JOIN meta.push_run r ON r.run_id = u.run_id
      WHERE r.mode = 'rollback' AND r.parent_run = p.run_id
        AND u.dest_id = p.dest_id AND u.table_name = p.table_name AND u.action IN ('delete', 'restore')
  )
GROUP BY 1
{{end}}

{{define "unsettled"}}
-- Pending entries of a run (written before their record's write was sent)
-- that no later entry of the run settled: the run stopped between the
-- write and its answer, so only the destination can tell whether the
-- write landed. The earliest pending entry of a record holds its values
-- before the run.
SELECT p.table_name, p.object, p.dest_id, coalesce(p.dest_db_id, 0), coalesce(p.source_key, ''),
       coalesce(p.pre_image, ''), coalesce(p.payload_hash, '')
FROM meta.push_record p
WHERE p.run_id = ? AND p.action = 'pending'
  AND NOT EXISTS (
      SELECT 1 FROM meta.push_record a
      WHERE a.run_id = p.run_id AND a.table_name = p.table_name AND a.dest_id = p.dest_id
        AND a.action IN ('create', 'update', 'fail', 'skip')
        AND a.logged_at >= p.logged_at
  )
QUALIFY row_number() OVER (PARTITION BY p.table_name, p.dest_id ORDER BY p.logged_at) = 1
ORDER BY p.table_name, p.dest_id
{{end}}

{{define "newer_pushes"}}
-- Later pushes of the same destination that wrote records this push
-- wrote and that no rollback of theirs has undone: rolling this push back
-- first would restore values under theirs. A setting a push changes while
-- it writes and sets back (table <destination>.settings) is not such a
-- record: its undo acts only while the setting is still changed.
SELECT n.run_id, count(DISTINCT n.table_name || '/' || n.dest_id)
FROM meta.push_record n
JOIN meta.push_run r ON r.run_id = n.run_id
WHERE r.destination = ? AND r.mode = 'push' AND n.run_id > ? AND n.action IN ('create', 'update', 'pending')
  AND n.table_name NOT LIKE '%.settings'
  AND EXISTS (
      SELECT 1 FROM meta.push_record o
      WHERE o.run_id = ? AND o.table_name = n.table_name AND o.dest_id = n.dest_id
        AND o.action IN ('create', 'update', 'pending'))
  AND NOT EXISTS (
      SELECT 1 FROM meta.push_record u JOIN meta.push_run ur ON ur.run_id = u.run_id
      WHERE ur.mode = 'rollback' AND ur.parent_run = n.run_id
        AND u.table_name = n.table_name AND u.dest_id = n.dest_id AND u.action IN ('delete', 'restore'))
  AND NOT EXISTS (
      SELECT 1 FROM meta.push_record s
      WHERE s.run_id = n.run_id AND s.table_name = n.table_name AND s.dest_id = n.dest_id
        AND n.action = 'pending' AND s.action IN ('skip', 'fail') AND s.logged_at >= n.logged_at)
GROUP BY n.run_id
ORDER BY n.run_id DESC
{{end}}

{{define "last_hashes_of"}}
-- last_hashes for the records of one page only (the destination ids in the
-- JSON parameter).
SELECT dest_id, payload_hash, dest_db_id
FROM (
    SELECT dest_id, payload_hash, dest_db_id, action,
           row_number() OVER (PARTITION BY dest_id ORDER BY logged_at DESC, run_id DESC) AS rn
    FROM meta.push_record
    WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
      AND dest_id IN (SELECT unnest(from_json(CAST(? AS JSON), '["VARCHAR"]')))
)
WHERE rn = 1 AND action <> 'delete'
{{end}}

{{define "held_count"}}
-- How many records of one table the log says the destination holds.
-- (A grouped arg_max, not a ranking window: DuckDB's hash aggregate
-- stays within memory_limit on a log of millions of entries.)
SELECT count(*)
FROM (
    SELECT arg_max(action, {'at': logged_at, 'run': run_id}) AS action
    FROM meta.push_record
    WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
    GROUP BY dest_id
)
WHERE action <> 'delete'
{{end}}
