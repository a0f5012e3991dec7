import { sql, type Kysely } from 'kysely';

/**
 * `run_cells`: how many of a run's task instances are in each (group, stage, state) — the web UI's grid
 * and every count of the run view (issue #12: a run of 100 000 instances opens in under 1 s). Reading it
 * costs the number of cells (tens), where counting `task_instances` costs the number of instances.
 *
 * Kept by statement-level triggers on `task_instances` with transition tables: each statement that
 * inserts, updates or deletes instances adds its per-cell deltas in one upsert, in the same transaction,
 * so the counts cannot drift from the rows whoever writes them (the planner, a projection rebuild, a
 * migration). Rows are upserted in key order: two transactions touching the same cells lock them in the
 * same order (the planner's run lock already keeps two writers off one run). `group_path` is '' outside
 * any group (a primary key has no nulls); a cell emptied of a state keeps its row at 0.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table run_cells (
      run_id text not null,
      group_path text not null,
      stage text not null,
      state text not null,
      n integer not null,
      primary key (run_id, group_path, stage, state)
    )`.execute(db);
  // One function per event: a trigger with transition tables serves exactly one event.
  await sql`
    create function run_cells_after_insert() returns trigger language plpgsql as $$
    begin
      insert into run_cells (run_id, group_path, stage, state, n)
      select run_id, coalesce(group_path, ''), stage, state, count(*)::int
      from new_rows group by 1, 2, 3, 4 order by 1, 2, 3, 4
      on conflict (run_id, group_path, stage, state) do update set n = run_cells.n + excluded.n;
      return null;
    end $$`.execute(db);
  await sql`
    create function run_cells_after_update() returns trigger language plpgsql as $$
    begin
      insert into run_cells (run_id, group_path, stage, state, n)
      select run_id, group_path, stage, state, sum(n)::int
      from (
        select run_id, coalesce(group_path, '') as group_path, stage, state, 1 as n from new_rows
        union all
        select run_id, coalesce(group_path, '') as group_path, stage, state, -1 as n from old_rows
      ) moved
      group by 1, 2, 3, 4 having sum(n) <> 0 order by 1, 2, 3, 4
      on conflict (run_id, group_path, stage, state) do update set n = run_cells.n + excluded.n;
      return null;
    end $$`.execute(db);
  await sql`
    create function run_cells_after_delete() returns trigger language plpgsql as $$
    begin
      insert into run_cells (run_id, group_path, stage, state, n)
      select run_id, coalesce(group_path, ''), stage, state, -count(*)::int
      from old_rows group by 1, 2, 3, 4 order by 1, 2, 3, 4
      on conflict (run_id, group_path, stage, state) do update set n = run_cells.n + excluded.n;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger task_instances_cells_insert after insert on task_instances
    referencing new table as new_rows for each statement execute function run_cells_after_insert()`.execute(
    db,
  );
  await sql`
    create trigger task_instances_cells_update after update on task_instances
    referencing old table as old_rows new table as new_rows
    for each statement execute function run_cells_after_update()`.execute(db);
  await sql`
    create trigger task_instances_cells_delete after delete on task_instances
    referencing old table as old_rows for each statement execute function run_cells_after_delete()`.execute(
    db,
  );
  // Runs already in the projection.
  await sql`
    insert into run_cells (run_id, group_path, stage, state, n)
    select run_id, coalesce(group_path, ''), stage, state, count(*)::int
    from task_instances group by 1, 2, 3, 4`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists task_instances_cells_insert on task_instances`.execute(db);
  await sql`drop trigger if exists task_instances_cells_update on task_instances`.execute(db);
  await sql`drop trigger if exists task_instances_cells_delete on task_instances`.execute(db);
  await sql`drop function if exists run_cells_after_insert()`.execute(db);
  await sql`drop function if exists run_cells_after_update()`.execute(db);
  await sql`drop function if exists run_cells_after_delete()`.execute(db);
  await db.schema.dropTable('run_cells').ifExists().execute();
}
