-- golang-migrate sends a whole file in one Exec: pgmoon runs a text of
-- several statements with the simple protocol.
create table users (
    id    bigserial primary key,
    email text not null unique,
    name  text not null default '',
    note  text not null default 'a; b' -- a semicolon in a string
);
create index users_name on users (name);
insert into users (email, name) values ('ada@example.com', 'Ada'), ('alan@example.com', 'Alan');
