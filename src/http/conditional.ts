// Conditional requests (RFC 9110): If-Match against a strong ETag.

/** Whether an If-Match header value is satisfied by the resource's current ETag. */
export function ifMatchSatisfied(ifMatch: string, etag: string): boolean {
  if (ifMatch.trim() === '*') return true;
  // Strong comparison: weak tags (W/"…") never match.
  return ifMatch.split(',').some((tag) => tag.trim() === etag);
}
