import { startTestApp, TestApp } from '@test/helpers/app';

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

describe('the OpenAPI document (/docs/json)', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http.get<OpenApiDocument>('/docs/json')).body;
  });
  afterAll(() => t.close());

  it('describes both bodies of POST /campaigns/{id}/recipients: CSV text, or JSON with a recipients array', () => {
    const content = doc.paths['/api/v1/campaigns/{id}/recipients']?.post?.requestBody?.content ?? {};
    expect(Object.keys(content).sort()).toEqual(['application/json', 'text/csv']);
    expect(content['text/csv']?.schema).toMatchObject({ type: 'string' });
    expect(content['application/json']?.schema).toEqual({
      type: 'object',
      required: ['recipients'],
      properties: {
        recipients: {
          type: 'array',
          items: { $ref: '#/components/schemas/RecipientInput' },
        },
      },
    });
    expect(Object.keys(doc.components.schemas.RecipientInput?.properties ?? {})).toEqual(
      expect.arrayContaining(['to', 'name', 'parameters', 'customFields']),
    );
  });

  it('describes the opt-out ledger routes: CSV in for the import, CSV out for the export, 200 or 201 for PUT', () => {
    const operations = (path: string): string[] => Object.keys(doc.paths[path] ?? {}).sort();
    expect({
      ledger: operations('/api/v1/opt-outs/{channelId}/{address}'),
      import: operations('/api/v1/opt-outs/import'),
      export: operations('/api/v1/opt-outs/export'),
    }).toEqual({ ledger: ['delete', 'get', 'put'], import: ['post'], export: ['get'] });
    const upload = doc.paths['/api/v1/opt-outs/import']?.post?.requestBody?.content ?? {};
    expect(Object.keys(upload)).toEqual(['text/csv']);
    const put = doc.paths['/api/v1/opt-outs/{channelId}/{address}']?.put as { responses?: object } | undefined;
    expect(Object.keys(put?.responses ?? {}).sort()).toEqual(['200', '201']);
    const download = doc.paths['/api/v1/opt-outs/export']?.get as
      { responses?: Record<string, { content?: object }> } | undefined;
    expect(Object.keys(download?.responses?.['200']?.content ?? {})).toEqual(['text/csv']);
    expect(Object.keys(doc.components.schemas.ContactConsentHistoryResponse?.properties ?? {})).toEqual(
      expect.arrayContaining(['optedOut', 'optedOutAt', 'history', 'nextCursor']),
    );
  });
});
