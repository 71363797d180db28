alter table engine.runs drop column if exists projection_state;
