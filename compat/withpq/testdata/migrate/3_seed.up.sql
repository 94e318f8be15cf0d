insert into users (email, name) values ('grace@example.com', 'Grace');
