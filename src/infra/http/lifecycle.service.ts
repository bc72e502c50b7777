import { Injectable } from '@nestjs/common';

/** Whether the process is shutting down: readiness then answers 503 and new requests are turned away. */
@Injectable()
export class LifecycleService {
  private draining = false;

  beginShutdown(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }
}
