drop trigger users_audit on users;
drop function audit_users();
drop table audit;
