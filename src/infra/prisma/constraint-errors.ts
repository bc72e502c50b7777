import { Prisma } from './generated/client';

/** What a repository turns a violated constraint into (usually a domain error naming the conflicting value). */
export interface ConstraintErrorMapping {
  /** A unique key was violated (Prisma P2002, PostgreSQL 23505). */
  unique?: () => Error;
  /** A foreign key refused the change (Prisma P2003, PostgreSQL 23503), e.g. a delete of a row still referenced. */
  foreignKey?: () => Error;
}

/**
 * Runs a write and turns constraint violations into the errors the caller names, so Prisma's error codes never
 * leave the repository that made the call. Other errors pass through unchanged.
 */
export async function mapConstraintErrors<T>(write: () => Promise<T>, mapping: ConstraintErrorMapping): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const kind = constraintKind(err);
    const mapped = kind ? mapping[kind]?.() : undefined;
    throw mapped ?? err;
  }
}

function constraintKind(err: unknown): keyof ConstraintErrorMapping | null {
  const code =
    err instanceof Prisma.PrismaClientKnownRequestError ? err.code : (err as { code?: unknown } | null)?.code;
  if (code === 'P2002' || code === '23505') return 'unique';
  if (code === 'P2003' || code === '23503') return 'foreignKey';
  return null;
}
