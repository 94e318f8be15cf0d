-- Several statements in one migration: goose splits them at the
-- semicolons and runs them one by one in a transaction.

-- +goose Up
create table users (
    id    bigserial primary key,
    email text not null,
    name  text not null default '',
    -- a semicolon in a string and in a comment; is not a split
    note  text not null default 'a; b'
);
create unique index users_email on users (lower(email));
insert into users (email, name) values
    ('ada@example.com', 'Ada'),
    ('alan@example.com', E'Alan \'the\' Turing');

-- +goose Down
drop table users;
