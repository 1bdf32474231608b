// npm run db:migrate:local / db:migrate:remote: migrations/ applied to the
// local or the deployed D1 (or, with --node / --libsql-url, a libSQL database).
import { migrateCommand } from './lib/migrate';

const name = process.env.npm_lifecycle_event?.startsWith('db:migrate') ? process.env.npm_lifecycle_event : 'db:migrate:local';
await migrateCommand(name, 'local');
