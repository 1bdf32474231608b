// The D1 database of wrangler.toml, local (.wrangler/state, the one `wrangler dev`
// uses) or remote, driven through wrangler's own commands.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wranglerOrThrow } from './wrangler';

export const D1_BINDING = 'DB';

export interface Target {
  remote: boolean;
  /** A local database kept elsewhere than .wrangler/state (scratch databases). */
  persistTo?: string;
}

const where = ({ remote, persistTo }: Target) =>
  remote ? ['--remote'] : ['--local', ...(persistTo ? ['--persist-to', persistTo] : [])];

/** Applies migrations/ (wrangler records them in d1_migrations; re-running is a no-op). */
export async function applyMigrations(target: Target): Promise<void> {
  await wranglerOrThrow(['d1', 'migrations', 'apply', D1_BINDING, ...where(target)]);
}

/** Runs SQL statements and returns the rows of each statement's result. */
export async function executeSql(sql: string, target: Target): Promise<Record<string, unknown>[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-apps-sql-'));
  try {
    const file = join(dir, 'statements.sql');
    writeFileSync(file, sql);
    const output = await wranglerOrThrow(['d1', 'execute', D1_BINDING, ...where(target), '--file', file, '--json']);
    const json = output.slice(output.indexOf('['));
    return (JSON.parse(json) as { results: Record<string, unknown>[] }[]).map((r) => r.results ?? []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A SQL string literal. */
export function sqlText(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
