-- A function body with semicolons, kept whole by StatementBegin and
-- StatementEnd; then a block of two statements that goose sends to the
-- server in one Exec.

-- +goose Up
create table audit (
    id      bigserial primary key,
    user_id bigint not null,
    action  text not null,
    at      timestamptz not null default now()
);

-- +goose StatementBegin
create function audit_users() returns trigger language plpgsql as $$
declare
    act text;
begin
    act := lower(tg_op);
    if tg_op = 'DELETE' then
        insert into audit (user_id, action) values (old.id, act);
        return old;
    end if;
    insert into audit (user_id, action) values (new.id, act);
    return new;
end;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
create trigger users_audit after insert or update or delete on users
    for each row execute function audit_users();
comment on function audit_users() is 'writes audit; one row per change';
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
drop trigger users_audit on users;
drop function audit_users();
-- +goose StatementEnd
drop table audit;
