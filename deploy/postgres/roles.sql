-- Least-privilege database roles for Tributary (docs/security.md, "Least privilege").
--
-- 1. Once, as a superuser: an owner role that runs the migrations, and one login role per service.
--    Replace the passwords (or use your platform's secret store / IAM auth).
create role tributary_owner login password 'change-me-owner';
create database tributary owner tributary_owner;
create role tributary_planner login password 'change-me-planner';
create role tributary_executor login password 'change-me-executor';
create role tributary_fan_in login password 'change-me-fan-in';
create role tributary_consolidator login password 'change-me-consolidator';
create role tributary_api login password 'change-me-api';
-- Postgres 15 no longer lets PUBLIC create objects in schema public; older servers need this (in the
-- tributary database):
--   revoke create on schema public from public;
--
-- 2. On every install and upgrade, as tributary_owner:
--    TRIBUTARY_DATABASE_URL=postgres://tributary_owner:…@db/tributary tributary migrate \
--      --grant planner=tributary_planner --grant executor=tributary_executor --grant fan-in=tributary_fan_in \
--      --grant consolidator=tributary_consolidator --grant api=tributary_api
--    It applies the migrations, then runs, in one transaction, the statements below (printed by
--    `tributary migrate --print-grants`; each role first loses everything it had, so rights no longer
--    needed go away on upgrade). No role gets UPDATE, DELETE or TRUNCATE on event_log; migration 013's
--    triggers refuse those statements from the owner too.
--
-- 3. Each service connects as its own role: TRIBUTARY_DATABASE_URL=postgres://tributary_planner:…@db/tributary.
--    Services do not migrate (TRIBUTARY_MIGRATE unset): they check the schema is current and stop otherwise.

-- BEGIN GENERATED: tributary migrate --print-grants
-- planner
revoke all on all tables in schema public from tributary_planner;
revoke all on all sequences in schema public from tributary_planner;
grant usage on schema public to tributary_planner;
grant select on table kysely_migration to tributary_planner;
grant select, insert on table event_log to tributary_planner;
grant usage on sequence event_log_seq_seq to tributary_planner;
grant select, insert, update on table run_streams to tributary_planner;
grant select, insert, update on table runs to tributary_planner;
grant select, insert, update on table groups to tributary_planner;
grant select, insert, update, delete on table task_instances to tributary_planner;
grant select, insert, update on table run_cells to tributary_planner;
grant select, insert on table task_logs to tributary_planner;
grant usage on sequence task_logs_id_seq to tributary_planner;
grant select, insert, update, delete on table outbox to tributary_planner;
grant usage on sequence outbox_id_seq to tributary_planner;
grant select, insert, update on table pools to tributary_planner;
grant select on table pipelines to tributary_planner;
grant insert on table dead_letters to tributary_planner;
grant usage on sequence dead_letters_id_seq to tributary_planner;
-- executor
revoke all on all tables in schema public from tributary_executor;
revoke all on all sequences in schema public from tributary_executor;
grant usage on schema public to tributary_executor;
grant select on table kysely_migration to tributary_executor;
grant insert on table dead_letters to tributary_executor;
grant usage on sequence dead_letters_id_seq to tributary_executor;
-- fan-in
revoke all on all tables in schema public from tributary_fan_in;
revoke all on all sequences in schema public from tributary_fan_in;
grant usage on schema public to tributary_fan_in;
grant select on table kysely_migration to tributary_fan_in;
grant select, insert, update on table fan_in_runs to tributary_fan_in;
grant select, insert, update on table fan_in_groups to tributary_fan_in;
grant select, insert, update on table fan_in_blocks to tributary_fan_in;
grant select on table event_log to tributary_fan_in;
grant select on table run_streams to tributary_fan_in;
grant select on table runs to tributary_fan_in;
grant select on table task_instances to tributary_fan_in;
grant select on table pipelines to tributary_fan_in;
grant select, insert, update, delete on table outbox to tributary_fan_in;
grant usage on sequence outbox_id_seq to tributary_fan_in;
grant insert on table dead_letters to tributary_fan_in;
grant usage on sequence dead_letters_id_seq to tributary_fan_in;
-- consolidator
revoke all on all tables in schema public from tributary_consolidator;
revoke all on all sequences in schema public from tributary_consolidator;
grant usage on schema public to tributary_consolidator;
grant select on table kysely_migration to tributary_consolidator;
grant select on table event_log to tributary_consolidator;
grant select on table run_streams to tributary_consolidator;
grant select on table runs to tributary_consolidator;
grant select on table fan_in_runs to tributary_consolidator;
grant select on table pipelines to tributary_consolidator;
grant insert on table dead_letters to tributary_consolidator;
grant usage on sequence dead_letters_id_seq to tributary_consolidator;
-- api
revoke all on all tables in schema public from tributary_api;
revoke all on all sequences in schema public from tributary_api;
grant usage on schema public to tributary_api;
grant select on table kysely_migration to tributary_api;
grant select on table event_log to tributary_api;
grant select on table run_streams to tributary_api;
grant select on table runs to tributary_api;
grant select on table groups to tributary_api;
grant select on table task_instances to tributary_api;
grant select on table run_cells to tributary_api;
grant select on table task_logs to tributary_api;
grant select, insert on table pipelines to tributary_api;
grant select, insert, update on table api_tokens to tributary_api;
grant select, insert, update, delete on table accepted_triggers to tributary_api;
-- END GENERATED
