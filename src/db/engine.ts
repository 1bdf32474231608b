// How a request gets its database: the storage engine is chosen once, at
// start, from configuration; each request opens a session on it that carries
// the consistency the request asks for.
import type { Bindings } from '../env';
import type { Database } from './client';

export interface SessionRequest {
  /** The request may write: its reads start at the primary. */
  writes: boolean;
  /**
   * What the client sent in x-d1-bookmark: a bookmark from an earlier answer
   * (read at least that fresh) or "first-primary". Engines without replicas
   * ignore it.
   */
  bookmark?: string;
}

export interface DatabaseSession {
  db: Database;
  /** The bookmark for the client to send back (D1), or null when the engine has none. */
  bookmark(): string | null;
}

export interface StorageEngine {
  open(env: Bindings, request: SessionRequest): DatabaseSession;
}
