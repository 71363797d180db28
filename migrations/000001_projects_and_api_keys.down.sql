drop table if exists api_keys;
drop table if exists projects;
