/** Scopes an admin API key can hold. `admin` grants every other scope. */
export const SCOPES = [
  'admin',
  'keys:admin',
  'accounts:admin',
  'channels:admin',
  'channels:read',
  'templates:write',
  'templates:read',
  'campaigns:write',
  'campaigns:read',
  'messages:write',
  'messages:read',
  'threads:read',
  'optouts:write',
  'optouts:read',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The required scopes `granted` lacks (none when it holds `admin`). */
export function missingScopes(granted: readonly string[], required: readonly Scope[]): Scope[] {
  if (granted.includes('admin')) return [];
  return required.filter((s) => !granted.includes(s));
}
