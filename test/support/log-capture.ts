// Console capture for the leak checks. The worker runs in the same isolate
// as the tests, so its console is this console.
const lines: string[] = [];
const secrets = new Set<string>();

for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : safeStringify(a))).join(' '));
    original(...args);
  };
}

function safeStringify(value: unknown): string {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}\n${value.stack}` : JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export function capturedLogs(): readonly string[] {
  return lines;
}

/** Log lines written since `mark` (from logMark()). */
export function logsSince(mark: number): string[] {
  return lines.slice(mark);
}

export function logMark(): number {
  return lines.length;
}

/** Registers a value that must never appear in a log line. */
export function rememberSecret(value: string): string {
  secrets.add(value);
  return value;
}

export function sentSecrets(): ReadonlySet<string> {
  return secrets;
}
