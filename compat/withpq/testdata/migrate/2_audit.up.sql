create table audit (
    id      bigserial primary key,
    user_id bigint not null,
    action  text not null
);

create function audit_users() returns trigger language plpgsql as $$
begin
    insert into audit (user_id, action) values (new.id, lower(tg_op));
    return new;
end;
$$;

create trigger users_audit after insert or update on users
    for each row execute function audit_users();
