import type { HttpClient } from '@test/helpers/http';
import { eventually } from '@test/helpers/eventually';

export interface Channel {
  id: string;
  accountId: string;
  cxoneChannelId: string;
}

export interface Counts {
  total: number;
  pending: number;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  skippedOptedOut: number;
  skippedInvalid: number;
  skippedWindow: number;
  cancelled: number;
}

export interface Campaign {
  id: string;
  status: string;
  counts: Counts;
  autoCloseAfterSeconds: number | null;
  progress: {
    done: number;
    remaining: number;
    sendRatePerSecond: number;
    etaSeconds: number | null;
    rateLimited: number;
  };
  intake?: {
    received: number;
    accepted: number;
    duplicates: number;
    rejected: number;
    optedOut: number;
    outsideWindow: number;
    fallbackTemplate: number;
  };
}

export interface Recipient {
  id: string;
  address: string;
  status: string;
  attempts: number;
  rateLimitedCount: number;
  failureReason: string | null;
  lastError: string | null;
  cxoneContactId: string | null;
  cxoneThreadId: string | null;
  cxoneMessageId: string | null;
  threadExternalId: string;
  sentAt: string | null;
}

let seq = 0;

/** Distinct valid US numbers (+1 202 555 01xx style), unique per call across a test run. */
export function phones(count: number): string[] {
  const start = (seq += count) - count;
  return Array.from({ length: count }, (_, i) => `+1202${String(2000000 + start + i).padStart(7, '0')}`);
}

export async function registerChannel(
  admin: HttpClient,
  cxoneChannelId: string,
  kind: 'SMS' | 'WHATSAPP' | 'BYOC_CHAT' = 'SMS',
): Promise<Channel> {
  const res = await admin.post<Channel>('/api/v1/channels', {
    cxoneChannelId,
    kind,
    name: `${kind} ${cxoneChannelId}`,
  });
  if (res.status !== 201) throw new Error(`channel: ${res.status} ${res.text}`);
  return res.body;
}

export async function createCampaign(admin: HttpClient, body: Record<string, unknown>): Promise<Campaign> {
  const res = await admin.post<Campaign>('/api/v1/campaigns', {
    name: 'test campaign',
    content: { type: 'TEXT', text: 'Your flight is cancelled' },
    ...body,
  });
  if (res.status !== 202) throw new Error(`campaign: ${res.status} ${res.text}`);
  return res.body;
}

export async function getCampaign(admin: HttpClient, id: string): Promise<Campaign> {
  return (await admin.get<Campaign>(`/api/v1/campaigns/${id}`)).body;
}

export function waitForCampaign(
  admin: HttpClient,
  id: string,
  status = 'COMPLETED',
  timeoutMs = 30_000,
): Promise<Campaign> {
  return eventually(
    () => getCampaign(admin, id),
    (c) => c.status === status,
    { timeoutMs, what: `campaign ${id} to be ${status}` },
  );
}

export async function allRecipients(admin: HttpClient, id: string): Promise<Recipient[]> {
  const out: Recipient[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: Recipient[]; nextCursor: string | null } = (
      await admin.get<{ data: Recipient[]; nextCursor: string | null }>(
        `/api/v1/campaigns/${id}/recipients?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      )
    ).body;
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
