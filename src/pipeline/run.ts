/**
 * What makes the stage list of pipeline/stages.ts the order that runs (Hono's `compose`): a door's
 * sequence is a table of stage functions keyed by stage name, and `runStages` calls them in the
 * order of `STAGES`, whatever order the table was written in. The first refusal stops the sequence;
 * the caller reports it once, and releases what earlier stages acquired in the context.
 */
import { allow, type Decision } from '../errors.js';
import { STAGES, type StageName } from './stages.js';

/** One stage: reads and fills the sequence's context, allows or refuses. */
export type StageRun<C> = (ctx: C) => Decision | Promise<Decision>;
export type StageTable<C> = Partial<Record<StageName, StageRun<C>>>;
/** A table whose stages all answer at once (admission at accept, the login steps): no microtask. */
export type SyncStageTable<C> = Partial<Record<StageName, (ctx: C) => Decision>>;

const ORDER: readonly StageName[] = STAGES.map((s) => s.name);

/** The stages of `table`, in pipeline order (for logs and tests). */
export function stageOrder(table: StageTable<never>): StageName[] {
  return ORDER.filter((n) => table[n] !== undefined);
}

export async function runStages<C>(table: StageTable<C>, ctx: C): Promise<Decision> {
  for (const name of ORDER) {
    const run = table[name];
    if (run === undefined) continue;
    const r = run(ctx);
    // Synchronous stages (authorize, limits) cost no microtask.
    const d = r instanceof Promise ? await r : r;
    if (!d.allow) return d;
  }
  return allow();
}

/** `runStages` for a table of synchronous stages, for callers that must answer synchronously. */
export function runStagesSync<C>(table: SyncStageTable<C>, ctx: C): Decision {
  for (const name of ORDER) {
    const run = table[name];
    if (run === undefined) continue;
    const d = run(ctx);
    if (!d.allow) return d;
  }
  return allow();
}
