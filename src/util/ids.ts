// Prefixed random ids, made in one place: req_ (a request), evt_ (an audit
// event), run_ (a custody run). 32 hex digits of a random UUID.
export function newId(prefix: 'req' | 'evt' | 'run'): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;
}
