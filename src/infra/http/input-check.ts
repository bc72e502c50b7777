import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { ValidationFailedError } from '@/infra/errors/domain-error';

/** JSON bodies may nest this deep (the body itself is level 1); anything deeper is refused before it is walked. */
export const MAX_JSON_DEPTH = 64;
/**
 * Properties one JSON object may have (no request needs more than a few dozen). class-transformer's time grows with
 * the square of an object's property count: 100,000 unknown properties in a 1 MB body held the process for 6 s.
 */
export const MAX_JSON_PROPERTIES = 1000;

/** Characters no stored text may hold: NUL (PostgreSQL refuses 0x00 in text and jsonb) and lone UTF-16 surrogates. */
// eslint-disable-next-line no-control-regex -- NUL is what it looks for
const UNSTORABLE = /[\u0000\p{Cs}]/u;
const LONE_SURROGATE = /\p{Cs}/u;

export interface InputProblem {
  /** Where: `name`, `recipients[3].to`, `customFields` (for a property name), or `body`/the parameter for a query. */
  field: string;
  problem: string;
}

/**
 * Why `text` cannot be stored, or null: PostgreSQL refuses NUL (0x00) in text and jsonb, and lone surrogates are no
 * text at all (UTF-8 cannot encode them; jsonb refuses them, text columns would store U+FFFD). Shared with the CSV
 * reader.
 */
export function textProblem(text: string): string | null {
  if (!UNSTORABLE.test(text)) return null;
  if (text.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text (it holds a lone surrogate such as \\ud800)';
  return null;
}

/**
 * The first thing in a parsed JSON value that no handler should see: a string or property name with a NUL or a lone
 * surrogate, an object with more than MAX_JSON_PROPERTIES properties, or nesting deeper than `maxDepth`. Walks with an explicit stack, so any depth is checked without
 * recursion (10,000 levels would overflow the call stack of a recursive walk, and of class-transformer). A first pass
 * only looks (it runs on every body, 100,000 recipients included); paths are worked out only once it finds something.
 */
export function findJsonProblem(root: unknown, rootField: string, maxDepth = MAX_JSON_DEPTH): InputProblem | null {
  return isClean(root, maxDepth) ? null : locateProblem(root, rootField, maxDepth);
}

function isClean(root: unknown, maxDepth: number): boolean {
  if (typeof root === 'string') return !UNSTORABLE.test(root);
  const containers: object[] = [];
  const depths: number[] = [];
  const visit = (value: unknown, depth: number): boolean => {
    if (typeof value === 'string') return !UNSTORABLE.test(value);
    if (value === null || typeof value !== 'object') return true;
    if (depth > maxDepth) return false;
    containers.push(value);
    depths.push(depth);
    return true;
  };
  if (!visit(root, 1)) return false;
  for (let value = containers.pop(); value !== undefined; value = containers.pop()) {
    const depth = depths.pop()! + 1;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) if (!visit(item, depth)) return false;
    } else {
      let properties = 0;
      for (const key in value) {
        if (++properties > MAX_JSON_PROPERTIES) return false;
        if (UNSTORABLE.test(key) || !visit((value as Record<string, unknown>)[key], depth)) return false;
      }
    }
  }
  return true;
}

/** The slow pass of findJsonProblem: the same walk in document order, keeping the path of every value. */
function locateProblem(root: unknown, rootField: string, maxDepth: number): InputProblem | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: '', depth: 1 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path, depth } = next;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { field: path || rootField, problem };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > maxDepth) {
      return { field: path || rootField, problem: `is nested more than ${maxDepth} levels deep` };
    }
    const children: Array<{ value: unknown; path: string; depth: number }> = [];
    if (Array.isArray(value)) {
      value.forEach((item, i) => children.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
    } else {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > MAX_JSON_PROPERTIES) {
        return { field: path || rootField, problem: `has more than ${MAX_JSON_PROPERTIES} properties` };
      }
      for (const [key, item] of entries) {
        const keyProblem = textProblem(key);
        if (keyProblem) return { field: path || rootField, problem: `has a property name that ${keyProblem}` };
        children.push({ value: item, path: path ? `${path}.${key}` : key, depth: depth + 1 });
      }
    }
    // Reversed, so problems are reported in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return null;
}

/** The message of the 400 for a problem in the body (`name must …`) or the query (`query parameter cursor must …`). */
function toError(problem: InputProblem, where: 'body' | 'query'): ValidationFailedError {
  const subject = where === 'query' && problem.field !== 'query' ? `query parameter ${problem.field}` : problem.field;
  const message =
    problem.problem.startsWith('is nested') && where === 'body'
      ? `the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep (at ${problem.field})`
      : `${subject} ${problem.problem}`;
  return new ValidationFailedError(message, [{ field: problem.field, problems: [`${subject} ${problem.problem}`] }]);
}

/**
 * One check of every parsed request input, before validation and handlers see it: the query string and JSON (or
 * text) bodies. Streamed bodies (CSV uploads) are checked by their reader, row by row.
 */
export function registerInputChecks(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    const query = findJsonProblem(request.query, 'query');
    if (query) return done(toError(query, 'query'));
    const body: unknown = request.body;
    if (body !== undefined && !(body instanceof Readable) && !Buffer.isBuffer(body)) {
      const problem = findJsonProblem(body, 'body');
      if (problem) return done(toError(problem, 'body'));
    }
    done();
  });
}
