export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A small JSON-over-HTTP client for tests (the real network path, no injection). */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {}

  withHeaders(headers: Record<string, string>): HttpClient {
    return new HttpClient(this.baseUrl, { ...this.defaultHeaders, ...headers });
  }

  get<T = unknown>(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<HttpResponse<T>> {
    return this.request<T>('GET', path, undefined, headers, signal);
  }

  post<T = unknown>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponse<T>> {
    return this.request<T>('POST', path, body, headers);
  }

  put<T = unknown>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponse<T>> {
    return this.request<T>('PUT', path, body, headers);
  }

  patch<T = unknown>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponse<T>> {
    return this.request<T>('PATCH', path, body, headers);
  }

  delete<T = unknown>(path: string, headers: Record<string, string> = {}): Promise<HttpResponse<T>> {
    return this.request<T>('DELETE', path, undefined, headers);
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<HttpResponse<T>> {
    const init: RequestInit = {
      method,
      headers: { ...this.defaultHeaders, ...headers },
      ...(signal ? { signal } : {}),
    };
    if (body !== undefined) {
      if (typeof body === 'string' || body instanceof Uint8Array) {
        init.body = body; // sent as is
      } else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
    }
    const response = await fetch(new URL(path, this.baseUrl), init);
    const text = await response.text();
    let parsed: unknown = text;
    if (response.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }
}
