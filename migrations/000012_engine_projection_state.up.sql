-- Projection state of a run's trace, as in the reference: purge can drop projected detail
-- (summary_only) or the journal too (journal_expired); repair rebuilds detail from history.
alter table engine.runs add column projection_state text not null default 'up_to_date'
  check (projection_state in ('up_to_date', 'catching_up', 'summary_only', 'journal_expired'));
