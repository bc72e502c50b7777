import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  formatDuration,
  progressLine,
  SseParser,
  watchCampaign,
  WatchError,
  type WatchedCampaign,
} from './campaign-watch';

const campaign = (over: Partial<WatchedCampaign> & { sent?: number; failed?: number } = {}): WatchedCampaign => {
  const sent = over.sent ?? 5;
  const failed = over.failed ?? 0;
  return {
    id: 'c1',
    name: 'Storm',
    status: over.status ?? 'RUNNING',
    counts: { total: 20, sent, failed },
    progress: {
      done: sent + failed,
      remaining: 20 - sent - failed,
      sendRatePerSecond: 2,
      etaSeconds: Math.ceil((20 - sent - failed) / 2),
    },
  };
};

describe('campaign watch', () => {
  describe('progressLine', () => {
    it('shows the bar, sent/total, rate, ETA and status', () => {
      expect(progressLine(campaign(), 20)).toBe('[#####---------------]  5/20 sent  2.0/s  ETA 8s  RUNNING');
    });

    it('names failures, and no ETA when not running', () => {
      expect(progressLine(campaign({ status: 'PAUSED', sent: 10, failed: 2 }), 10)).toBe(
        '[######----]  10/20 sent  2 failed  2.0/s  ETA -  PAUSED',
      );
    });

    it('says ? for a rate it cannot read', () => {
      const c = campaign();
      c.progress.sendRatePerSecond = null;
      c.progress.etaSeconds = null;
      expect(progressLine(c, 4)).toBe('[#---]  5/20 sent  ?/s  ETA ?  RUNNING');
    });

    it('formats durations', () => {
      expect([formatDuration(0), formatDuration(59), formatDuration(61), formatDuration(3725)]).toEqual([
        '0s',
        '59s',
        '1m01s',
        '1h02m',
      ]);
    });
  });

  it('parses Server-Sent Events split across chunks', () => {
    const parser = new SseParser();
    expect(parser.push('event: progress\ndata: {"a"')).toEqual([]);
    expect(parser.push(':1}\n\nevent: progress\r\ndata: 2\r\n\r\ndata: x\n')).toEqual([
      { type: 'progress', data: '{"a":1}' },
      { type: 'progress', data: '2' },
    ]);
    expect(parser.push('\n')).toEqual([{ type: 'message', data: 'x' }]);
  });

  describe('against a server', () => {
    let server: Server;
    let baseUrl: string;
    let handler: (req: IncomingMessage, res: ServerResponse) => void;
    const seen: Array<string | undefined> = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push(req.headers.authorization);
        handler(req, res);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    beforeEach(() => {
      seen.length = 0;
    });

    const sse = (res: ServerResponse, campaigns: WatchedCampaign[]): void => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const c of campaigns) res.write(`event: progress\ndata: ${JSON.stringify(c)}\n\n`);
      res.end();
    };
    const output = (): { out: { write(text: string): boolean; isTTY: boolean }; lines: string[] } => {
      const lines: string[] = [];
      return {
        lines,
        out: {
          isTTY: false,
          write: (text: string) => {
            lines.push(text);
            return true;
          },
        },
      };
    };

    it('prints a line per change with the key it was given, until the campaign completes', async () => {
      handler = (req, res) => {
        expect(req.url).toBe('/api/v1/campaigns/c1/progress');
        sse(res, [campaign({ sent: 2 }), campaign({ sent: 2 }), campaign({ sent: 20, status: 'COMPLETED' })]);
      };
      const { out, lines } = output();
      const final = await watchCampaign({ baseUrl: `${baseUrl}/`, apiKey: 'tl_k', campaignId: 'c1', out });
      expect(final.status).toBe('COMPLETED');
      expect(lines.map((l) => l.replace(/^\[[#-]+\]\s+/, ''))).toEqual([
        '2/20 sent  2.0/s  ETA 9s  RUNNING\n',
        '20/20 sent  2.0/s  ETA -  COMPLETED\n',
      ]);
      expect(seen).toEqual(['Bearer tl_k']);
    });

    it('reconnects when the stream ends before the campaign does', async () => {
      let calls = 0;
      handler = (_req, res) => {
        calls += 1;
        sse(res, calls === 1 ? [campaign({ sent: 3 })] : [campaign({ sent: 20, status: 'CANCELLED' })]);
      };
      const { out } = output();
      const final = await watchCampaign({ baseUrl, apiKey: 'tl_k', campaignId: 'c1', out });
      expect([final.status, calls]).toEqual(['CANCELLED', 2]);
    }, 10_000);

    it('fails at once when nothing answers at the URL', async () => {
      const { out } = output();
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      await expect(
        watchCampaign({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'tl_k', campaignId: 'c1', out }),
      ).rejects.toThrow(`cannot reach http://127.0.0.1:${port}: fetch failed`);
    });

    it("ends with the API's message when the key is refused", async () => {
      handler = (_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'invalid or revoked API key' }));
      };
      const { out } = output();
      const watching = watchCampaign({ baseUrl, apiKey: 'tl_bad', campaignId: 'c1', out });
      await expect(watching).rejects.toThrow(WatchError);
      await expect(watching).rejects.toThrow('the service refused the watch: 401: invalid or revoked API key');
    });
  });
});
