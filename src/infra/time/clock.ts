import { Injectable } from '@nestjs/common';

/**
 * Wall-clock time, injectable so services can be unit-tested with a clock the test moves. Production uses
 * SystemClock; tests use a fake whose `now` they set.
 */
export abstract class Clock {
  abstract now(): number;
}

@Injectable()
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
