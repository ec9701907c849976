ALTER TABLE raw.{{ident .Object}} ADD COLUMN IF NOT EXISTS {{ident .Column}} VARCHAR
