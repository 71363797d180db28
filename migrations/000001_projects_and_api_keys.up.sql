-- Projects own everything else; API keys bind a caller to one project.
create extension if not exists pgcrypto;

create table projects (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 100),
  is_default boolean not null default false,
  settings jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create unique index projects_one_default on projects (is_default) where is_default;

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  -- SHA-256 (hex) of the plaintext key; the plaintext is never stored.
  key_hash text not null unique,
  -- First characters of the key, enough to recognise it in a list.
  display_prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create index api_keys_project on api_keys (project_id);
create index api_keys_revoked on api_keys (revoked_at) where revoked_at is not null;
