-- +goose NO TRANSACTION
-- CREATE INDEX CONCURRENTLY cannot run in a transaction block: goose runs
-- this migration's statements on the *sql.DB, outside one.

-- +goose Up
create index concurrently users_name on users (name);

-- +goose Down
drop index concurrently users_name;
