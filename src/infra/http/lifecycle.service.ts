import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';

/**
 * Whether the process is shutting down: readiness then answers 503, new requests are turned away and long-lived
 * streams (SSE) end, so the HTTP server can close.
 */
@Injectable()
export class LifecycleService {
  private draining = false;
  private readonly shutdown = new Subject<void>();

  beginShutdown(): void {
    if (this.draining) return;
    this.draining = true;
    this.shutdown.next();
    this.shutdown.complete();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Emits once when shutdown begins. */
  get shuttingDown$(): Observable<void> {
    return this.shutdown.asObservable();
  }
}
