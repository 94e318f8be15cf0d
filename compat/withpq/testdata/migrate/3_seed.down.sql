delete from users where email = 'grace@example.com';
