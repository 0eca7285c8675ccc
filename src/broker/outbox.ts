// The gateway's own publications to devices (feedback, retained config), handed to aedes a few
// at a time.
//
// aedes hands publications to its emitter, which keeps at most 100 in delivery (each completes
// on a later tick), queues the rest and drains that queue recursively: a device sending batch
// after batch of invalid readings (one feedback message per rejected reading) overflowed the
// stack. So the gateway keeps its own outbox and has at most MAX_IN_DELIVERY publications in
// aedes at a time; beyond MAX_OUTBOX waiting (devices that do not read their feedback make the
// deliveries wait), feedback is dropped and counted. Retained config always goes.
import type { Aedes } from 'aedes';
import type { Logger } from '../log.ts';

/** The gateway's publications in aedes at a time (its emitter holds 100 in delivery). */
const MAX_IN_DELIVERY = 50;
/** The gateway's publications waiting for aedes beyond which feedback is dropped. */
const MAX_OUTBOX = 50_000;

export class Outbox {
  private aedes: Aedes | undefined;
  /** Waiting publications, from `head` on. */
  private waiting: { topic: string; payload: Buffer; retain: boolean }[] = [];
  private head = 0;
  private inDelivery = 0;
  private pumping = false;
  /** Feedback dropped because MAX_OUTBOX publications were waiting (mag_gateway_publications_dropped_total{reason="outbox_full"}). */
  dropped = 0;

  constructor(private readonly log: Logger) {}

  /** The broker to publish through, once it runs; what was published before waits for it. */
  attach(aedes: Aedes): void {
    this.aedes = aedes;
    this.pump();
  }

  /** Publishes from the gateway to a device topic (feedback, retained config). */
  publish(topic: string, payload: unknown, retain = false): void {
    if (!retain && this.waiting.length - this.head >= MAX_OUTBOX) {
      if (this.dropped++ % 1000 === 0) {
        this.log.warn(
          { topic, waiting: this.waiting.length - this.head, dropped: this.dropped },
          'gateway messages to devices are backed up; dropping feedback',
        );
      }
      return;
    }
    this.waiting.push({ topic, payload: Buffer.from(JSON.stringify(payload)), retain });
    this.pump();
  }

  /** Hands waiting publications to aedes while fewer than MAX_IN_DELIVERY are in it; a loop, not a recursion, when they complete at once. */
  private pump(): void {
    const aedes = this.aedes;
    if (this.pumping || !aedes) return;
    this.pumping = true;
    try {
      while (this.inDelivery < MAX_IN_DELIVERY && this.head < this.waiting.length) {
        const m = this.waiting[this.head];
        this.waiting[this.head++] = undefined as never;
        this.inDelivery++;
        aedes.publish({ cmd: 'publish', topic: m.topic, payload: m.payload, qos: 1, retain: m.retain, dup: false }, (err) => {
          if (err) this.log.warn({ topic: m.topic, err: err.message }, 'gateway publish failed');
          this.inDelivery--;
          this.pump();
        });
      }
      if (this.head === this.waiting.length) {
        this.waiting = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
    } finally {
      this.pumping = false;
    }
  }
}
