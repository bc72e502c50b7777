/**
 * Bad requests for every operation of an OpenAPI document, for the API fuzz test: generated from the document the
 * application serves, so a new route is fuzzed as soon as it is documented. Deterministic for a given seed.
 */

export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface FuzzCase {
  /** `POST /api/v1/campaigns`, as documented. */
  operation: string;
  /** What is wrong with this request, e.g. `body.content.type = null`. */
  what: string;
  method: string;
  /** The concrete path and query, already encoded. */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Status codes the document gives the operation (for 2xx answers). */
  documented: string[];
}

/** What the generator needs to know about the running application. */
export interface FuzzFixtures {
  /** Authorization header of an admin key. */
  authorization: string;
  /** A value for a path parameter that makes the operation reach its body and query validation. */
  pathValue(pathTemplate: string, method: string, name: string): string;
  /** A valid value for a uuid-formatted field of a body or query (a channel id, an account id…). */
  uuidValue(pathTemplate: string, field: string): string;
}

/** mulberry32: a small seeded generator, so every run sends the same requests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MB = 1024 * 1024;
const HUGE = 'x'.repeat(MB);
const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';
const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

/** Values of the wrong kind for any field (the property's own type among them is harmless: it is then valid). */
const WRONG_VALUES: Array<[string, unknown]> = [
  ['null', null],
  ['a number', 42],
  ['a negative float', -1.5],
  ['true', true],
  ['a string', 'x'],
  ['an empty string', ''],
  ['an array', ['x']],
  ['an empty object', {}],
  ['1 MB of text', HUGE],
  ['a NUL character', NUL],
  ['a lone surrogate', LONE_SURROGATE],
  ['an array 100 deep', nested(100)],
  ['a huge number', 1e308],
  ['a UUID that exists nowhere', '00000000-0000-4000-8000-000000000000'],
];

/** Junk of any JSON type, with strings of random code points (controls, surrogates, astral) and random nesting. */
function randomJson(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 2 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.floor(random() * 2 ** 40) * (random() < 0.5 ? -1 : 1);
    case 2:
      return random() < 0.5;
    case 3:
    case 4: {
      let text = '';
      const length = Math.floor(random() * 24);
      for (let i = 0; i < length; i++) {
        const range = random();
        const code =
          range < 0.1
            ? Math.floor(random() * 0x20)
            : range < 0.2
              ? 0xd800 + Math.floor(random() * 0x800)
              : 0x20 + Math.floor(random() * 0x2ff00);
        text += code > 0xffff ? String.fromCodePoint(code) : String.fromCharCode(code);
      }
      return text;
    }
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, (_, i) => [
          `${randomJson(random, 9) as string}k${i}`,
          randomJson(random, depth + 1),
        ]),
      );
  }
}

const QUERY_VALUES: Array<[string, string]> = [
  ['not a UUID', 'abc'],
  ['200 characters', 'q'.repeat(200)],
  ['8 KB', 'q'.repeat(8 * 1024)],
  ['negative', '-1'],
  ['zero', '0'],
  ['a float', '1.5'],
  ['huge', '1e999'],
  ['empty', ''],
  ['a NUL character', '%00'],
  ['a malformed percent-encoding', '%ZZ'],
  ['invalid UTF-8', '%ED%A0%80'],
  ['an array', '[]'],
];

const PATH_VALUES: Array<[string, string]> = [
  ['not a UUID', 'abc'],
  ['200 characters', 'p'.repeat(200)],
  ['a malformed percent-encoding', '%ZZ'],
  ['a NUL character', 'a%00b'],
  ['an encoded slash', 'a%2Fb'],
  ['a UUID that exists nowhere', '00000000-0000-4000-8000-000000000000'],
  ['a UUID in capitals', 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA'],
  ['a number', '42'],
];

/** Whole bodies sent as JSON (Content-Type: application/json), each as raw text. */
const RAW_JSON_BODIES: Array<[string, string | Uint8Array]> = [
  ['an empty body', ''],
  ['null', 'null'],
  ['an array', '[]'],
  ['a string', '"x"'],
  ['a number', '42'],
  ['truncated JSON', '{"name":'],
  ['not JSON', 'hello'],
  ['JSON nested 10,000 deep', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
  ['objects nested 10,000 deep', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
  ['a __proto__ key', '{"__proto__":{"admin":true}}'],
  ['a constructor.prototype key', '{"constructor":{"prototype":{"admin":true}}}'],
  ['invalid UTF-8 bytes', Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ['a byte-order mark', '\ufeff{}'],
  ['a NUL in a property name', '{"a\\u0000":1}'],
  ['a lone surrogate in a property name', '{"\\udc00":1}'],
  ['100,000 properties', `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":1`).join(',')}}`],
  ['an array of 100,000 nulls', `[${Array.from({ length: 100_000 }, () => 'null').join(',')}]`],
];

/** The same valid-looking JSON body under the wrong content types. */
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'text/csv',
  'application/xml',
  'application/json; charset=latin1',
  'application/merge-patch+json',
  'not a media type',
];

const CSV_BODIES: Array<[string, string | Uint8Array]> = [
  ['an empty CSV', ''],
  ['a header only', 'to,name\n'],
  ['an unknown column', 'mobile\n+12025550143\n'],
  ['two address columns', 'to,phone\n+12025550143,+12025550144\n'],
  ['a NUL in a field', 'to,name\n+12025550143,A\u0000\n'],
  ['a NUL in the header', 'to,na\u0000me\n+12025550143,A\n'],
  ['Latin-1 bytes', Uint8Array.from(Buffer.from('to,name\n+12025550143,Jos\xe9\n', 'latin1'))],
  ['an unclosed quote', 'to,name\n"+12025550143,Ana\n'],
  ['a field of 1 MB', `to,name\n+12025550143,${HUGE}\n`],
  ['rows of the wrong width', 'to,name\n+12025550143\n+12025550144,a,b,c\n'],
  ['CRLF lines and a BOM', '\ufeffto,name\r\n+12025550143,Ana\r\n'],
  ['only a BOM', '\ufeff'],
  ['binary junk', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)],
  ['a 1,000-column header', `${Array.from({ length: 1000 }, (_, i) => `field.f${i}`).join(',')},to\n`],
  ['a parameter column with no name', 'to,param.\n+12025550143,x\n'],
  ['a custom field with a bad name', 'to,field.bad key\n+12025550143,x\n'],
];

export function generateCases(document: OpenApiDocument, fixtures: FuzzFixtures, seed: number): FuzzCase[] {
  const random = seededRandom(seed);
  const cases: FuzzCase[] = [];
  const resolve = (schema: Schema | undefined): Schema => {
    let s = schema ?? {};
    for (let i = 0; i < 10; i++) {
      if (s.$ref) s = document.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')] ?? {};
      else if (s.allOf?.length === 1) s = s.allOf[0];
      else break;
    }
    return s;
  };

  for (const [pathTemplate, operations] of Object.entries(document.paths)) {
    if (!pathTemplate.startsWith('/api/')) continue;
    for (const [method, operation] of Object.entries(operations)) {
      const upper = method.toUpperCase();
      const name = `${upper} ${pathTemplate}`;
      const documented = Object.keys(operation.responses ?? {});
      const parameters = operation.parameters ?? [];
      const pathParams = parameters.filter((p) => p.in === 'path');
      const queryParams = parameters.filter((p) => p.in === 'query');
      const headerParams = parameters.filter((p) => p.in === 'header');

      /** A valid-looking value for a schema: its example, first enum value, or a value of its type. */
      const sample = (schema: Schema | undefined, field: string, depth = 0): unknown => {
        const s = resolve(schema);
        if (s.example !== undefined) return s.example;
        if (s.enum?.length) return s.enum[0];
        if (s.default !== undefined) return s.default;
        if (s.format === 'uuid') return fixtures.uuidValue(pathTemplate, field);
        switch (s.type) {
          case 'number':
          case 'integer':
            return s.minimum ?? 1;
          case 'boolean':
            return false;
          case 'array':
            return depth > 4 ? [] : [sample(s.items, field, depth + 1)];
          case 'object':
          case undefined:
            if (!s.properties) return s.type === 'object' ? {} : 'x';
            return Object.fromEntries(
              Object.entries(s.properties)
                .filter(([key, p]) => s.required?.includes(key) || resolve(p).example !== undefined)
                .map(([key, p]) => [key, sample(p, key, depth + 1)]),
            );
          default:
            return 'x';
        }
      };

      const query = (overrides: Record<string, string | null> = {}): string => {
        const pairs: string[] = [];
        for (const p of queryParams) {
          if (p.name in overrides) continue;
          if (p.required) pairs.push(`${p.name}=${encodeURIComponent(String(sample(p.schema, p.name)))}`);
        }
        for (const [key, value] of Object.entries(overrides)) if (value !== null) pairs.push(`${key}=${value}`);
        return pairs.length ? `?${pairs.join('&')}` : '';
      };
      const path = (overrides: Record<string, string> = {}): string =>
        pathTemplate.replace(/\{(\w+)\}/g, (_, param: string) =>
          param in overrides ? overrides[param] : encodeURIComponent(fixtures.pathValue(pathTemplate, upper, param)),
        );
      const baseHeaders = (): Record<string, string> => {
        const headers: Record<string, string> = { authorization: fixtures.authorization };
        for (const h of headerParams) headers[h.name.toLowerCase()] = 'fuzz-header-value';
        return headers;
      };
      const add = (what: string, url: string, extra: Partial<FuzzCase> = {}): void => {
        cases.push({ operation: name, what, method: upper, url, headers: baseHeaders(), documented, ...extra });
      };
      const jsonCase = (what: string, body: unknown, url = path() + query()): void =>
        add(what, url, {
          headers: { ...baseHeaders(), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });

      // ── the request as documented, then without credentials ──
      const content = operation.requestBody?.content ?? {};
      const jsonSchema = content['application/json']
        ? pickBranch(resolve(content['application/json'].schema), 'object', resolve)
        : undefined;
      const base = jsonSchema ? sample(jsonSchema, 'body') : undefined;
      if (base !== undefined) jsonCase('the documented example', base);
      else add('no body', path() + query());
      add('no credentials', path() + query(), { headers: {} });
      add('an unknown API key', path() + query(), { headers: { authorization: 'Bearer tl_fuzz-unknown' } });
      add('a malformed Authorization header', path() + query(), { headers: { authorization: 'Basic Og==' } });

      // ── the request's framing: its request id, what it accepts, its path and method ──
      for (const [what, id] of [
        ['129 characters', 'r'.repeat(129)],
        ['spaces', 'not a good id'],
        ['empty', ''],
        ['Latin-1', 'caf\xe9'],
      ]) {
        add(`X-Request-Id: ${what}`, path() + query(), { headers: { ...baseHeaders(), 'x-request-id': id } });
      }
      for (const accept of ['text/html', 'application/xml', 'text/event-stream']) {
        add(`Accept: ${accept}`, path() + query(), { headers: { ...baseHeaders(), accept } });
      }
      add('a trailing slash', `${path()}/${query()}`);
      add('a doubled slash', `${path().replace('/api/', '/api//')}${query()}`);
      add('a fragment-like %23', `${path()}%23x${query()}`);
      // a method the path does not document (a path may take PUT as well as GET and DELETE)
      const undocumented = ['PUT', 'PATCH', 'POST', 'DELETE'].find((m) => !(m.toLowerCase() in operations));
      if (undocumented) add('another method', path() + query(), { method: undocumented });
      if (upper === 'GET') add('HEAD', path() + query(), { method: 'HEAD' });

      // ── path parameters ──
      for (const p of pathParams) {
        for (const [what, value] of PATH_VALUES) add(`path ${p.name}: ${what}`, path({ [p.name]: value }) + query());
      }

      // ── query parameters ──
      for (const p of queryParams) {
        for (const [what, value] of QUERY_VALUES) add(`query ${p.name}: ${what}`, path() + query({ [p.name]: value }));
        add(`query ${p.name}: given twice`, path() + query({ [p.name]: `${sampleText(p.schema)}&${p.name}=x` }));
        if (p.required) add(`query ${p.name}: missing`, path() + query({ [p.name]: null }));
      }
      add('an unknown query parameter', path() + query({ fuzz: '1' }));
      if (upper === 'GET' && queryParams.length === 0) add('a query on a route without one', `${path()}?limit=-1`);

      // ── headers ──
      for (const h of headerParams) {
        for (const [what, value] of [
          ['missing', null],
          ['empty', ''],
          ['8 KB', 'h'.repeat(8 * 1024)],
        ] as Array<[string, string | null]>) {
          const headers = baseHeaders();
          if (value === null) delete headers[h.name.toLowerCase()];
          else headers[h.name.toLowerCase()] = value;
          add(`header ${h.name}: ${what}`, path() + query(), { headers });
        }
      }
      if (upper === 'POST') {
        for (const [what, key] of [
          ['300 characters', 'k'.repeat(300)],
          ['a space', 'a b'],
          ['valid', `fuzz-${cases.length}`],
        ]) {
          add(`Idempotency-Key: ${what}`, path() + query(), {
            headers: { ...baseHeaders(), 'idempotency-key': key, 'content-type': 'application/json' },
            body: JSON.stringify(base ?? {}),
          });
        }
      }

      if (upper === 'GET' || upper === 'HEAD') continue; // fetch sends no body with these

      // ── whole bodies ──
      const isCsv = 'text/csv' in content;
      for (const [what, body] of RAW_JSON_BODIES) {
        add(`JSON body: ${what}`, path() + query(), {
          headers: { ...baseHeaders(), 'content-type': 'application/json' },
          body,
        });
      }
      for (const type of WRONG_CONTENT_TYPES) {
        if (isCsv && type === 'text/csv') continue;
        add(`Content-Type ${type}`, path() + query(), {
          headers: { ...baseHeaders(), 'content-type': type },
          body: JSON.stringify(base ?? { a: 1 }),
        });
      }
      add('a body without a Content-Type', path() + query(), {
        headers: baseHeaders(),
        body: Uint8Array.from(Buffer.from(JSON.stringify(base ?? { a: 1 }))),
      });
      for (let i = 0; i < 4; i++) jsonCase(`random JSON body #${i}`, randomJson(random));
      if (isCsv) {
        for (const [what, body] of CSV_BODIES) {
          add(`CSV: ${what}`, path() + query(), { headers: { ...baseHeaders(), 'content-type': 'text/csv' }, body });
        }
      }

      // ── each property of the body: missing, null, of the wrong kind, huge, NUL, lone surrogate, deep, junk ──
      if (jsonSchema && isObject(base)) {
        for (const [field, schema] of properties(jsonSchema, resolve)) {
          const at = field.split('.');
          jsonCase(`body.${field} missing`, setAt(base, at, undefined));
          for (const [what, value] of WRONG_VALUES) jsonCase(`body.${field} = ${what}`, setAt(base, at, value));
          for (let i = 0; i < 2; i++) jsonCase(`body.${field} = random #${i}`, setAt(base, at, randomJson(random)));
          const item = resolve(schema.items);
          if (resolve(schema).type === 'array' && item.properties) {
            jsonCase(`body.${field}[0] = random`, setAt(base, at, [randomJson(random), sample(item, field)]));
            for (const key of Object.keys(item.properties)) {
              for (const [what, value] of WRONG_VALUES.filter((_, i) => i % 3 === 0)) {
                jsonCase(
                  `body.${field}[0].${key} = ${what}`,
                  setAt(base, at, [{ ...asObject(sample(item, field)), [key]: value }]),
                );
              }
            }
          }
        }
        jsonCase('an unknown property', { ...base, fuzz: 1 });
        jsonCase('an unknown property of 1 MB', { ...base, fuzz: HUGE });
        jsonCase('a NUL in a property name', { ...base, 'a\u0000': 1 });
      }
    }
  }
  return cases;
}

/** The branch of a oneOf for a content type: `object` for JSON, `string` for CSV. */
function pickBranch(schema: Schema, kind: 'object' | 'string', resolve: (s: Schema) => Schema): Schema | undefined {
  if (schema.oneOf) {
    const branch = schema.oneOf.map(resolve).find((s) => (s.type ?? 'object') === kind);
    return branch;
  }
  return (schema.type ?? 'object') === kind ? schema : undefined;
}

/** Dotted paths of every property, one level of nested objects deep (`content.type`, `content.template.name`). */
function properties(schema: Schema, resolve: (s: Schema) => Schema, prefix = '', depth = 0): Array<[string, Schema]> {
  const out: Array<[string, Schema]> = [];
  for (const [key, raw] of Object.entries(schema.properties ?? {})) {
    const s = resolve(raw);
    out.push([`${prefix}${key}`, s]);
    if (s.properties && depth < 2) out.push(...properties(s, resolve, `${prefix}${key}.`, depth + 1));
  }
  return out;
}

function sampleText(schema: Schema | undefined): string {
  const value = schema?.enum?.[0] ?? schema?.example ?? '1';
  return encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

/** A copy of `value` with `path` set (or removed, for undefined), creating objects on the way. */
function setAt(value: Record<string, unknown>, path: string[], leaf: unknown): Record<string, unknown> {
  const [key, ...rest] = path;
  const copy = { ...value };
  if (rest.length === 0) {
    if (leaf === undefined) delete copy[key];
    else copy[key] = leaf;
  } else {
    copy[key] = setAt(asObject(copy[key]), rest, leaf);
  }
  return copy;
}
