drop schema if exists engine cascade;
