import { Injectable } from '@nestjs/common';
import { defer, interval, Observable } from 'rxjs';
import { map, startWith, switchMap, takeUntil, takeWhile } from 'rxjs/operators';
import { LifecycleService } from '@/infra/http/lifecycle.service';
import { CampaignsService } from './campaigns.service';
import type { CampaignResponse } from './dto/campaign.dto';

const EVERY_MS = 1000;
const FINAL = new Set(['COMPLETED', 'CANCELLED']);

/** Server-Sent Events for dashboards and CLIs: the campaign every second, ending after its final state. */
@Injectable()
export class ProgressStream {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly lifecycle: LifecycleService,
  ) {}

  stream(id: string): Observable<{ type: string; data: CampaignResponse }> {
    return interval(EVERY_MS).pipe(
      startWith(0),
      switchMap(() => defer(() => this.campaigns.get(id))),
      takeWhile((campaign) => !FINAL.has(campaign.status), true),
      map((campaign) => ({ type: 'progress', data: campaign })),
      // Streams end when the process shuts down, so the HTTP server can close.
      takeUntil(this.lifecycle.shuttingDown$),
    );
  }
}
