// D1's prepare/bind/first/all/run over a libSQL client, for the suite's raw
// SQL on the libSQL targets (works with the Node client and the web client).
// Takes a client or a way to make one per statement (in workerd, a client's
// I/O must not cross from one test's request context into another's).
import type { Client, InValue } from '@libsql/client';
import { rowObjects } from '../../src/db/libsql';
import type { RawDatabase, RawStatement } from './target';

export function rawLibsqlDatabase(client: Client | (() => Client)): RawDatabase {
  const libsql = () => (typeof client === 'function' ? client() : client);
  const statement = (sql: string, args: InValue[]): RawStatement => {
    const rows = async () => {
      return rowObjects(await libsql().execute({ sql, args }));
    };
    return {
      bind: (...values) => statement(sql, values as InValue[]),
      first: (async (column?: string) => {
        const [row] = await rows();
        if (!row) return null;
        return column === undefined ? row : row[column];
      }) as RawStatement['first'],
      all: (async () => ({ results: await rows() })) as RawStatement['all'],
      run: () => libsql().execute({ sql, args }),
    };
  };
  return { prepare: (sql) => statement(sql, []) };
}
