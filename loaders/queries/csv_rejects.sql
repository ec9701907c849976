{{- /* One row per rejected record (DuckDB may report several errors for one). */ -}}
SELECT line,
    min(line_byte_position) AS line_byte_position,
    string_agg(DISTINCT error_type, ', ' ORDER BY error_type) AS error_type,
    string_agg(error_message, '; ' ORDER BY byte_position) AS reason,
    arg_min(column_name, byte_position) AS column_name,
    arg_max(csv_line, length(csv_line)) AS csv_line
FROM axium2crm_reject_errors
GROUP BY line
ORDER BY line
