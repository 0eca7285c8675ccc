// Gap detection on the devices' `seq` (CONTRACT §2: "integer, increasing per device (dedup and gap
// detection)"). Deduplication is done where a message is judged (src/ingest, src/pipeline/resends.ts);
// this keeps, per device and topic, the last seq received and what the numbering says was never
// received: a seq more than one above the last is a gap of the seqs in between (messages the device
// numbered and the gateway never got: a QoS 0 message lost, a device buffer overrun, or transactions
// taken out of a fuel dispenser's record), a seq at or below the last goes backwards (a replay, or the
// device's numbering restarted). Per topic: devices number their readings, checks and packages apart
// (the simulators do; one counter for all of them reads as gaps, and the docs say so).
//
// In memory, since this node's start: a figure for the engineer (GET /devices/{id} `sequence`), not
// evidence; the stored points keep every seq. O(1) per seq, no allocation after a device's first.

/** Topics whose messages carry the device's own seq (SenML's defaults to the time in ms: not numbered). */
export type NumberedTopic = 'readings' | 'checks' | 'packages';

export interface SequenceFigures {
  /** The last seq received (the highest, when one went backwards). */
  last: number;
  /** Seqs received. */
  received: number;
  /** Jumps of more than one, and the seqs they skipped. */
  gaps: number;
  missing: number;
  /** Seqs at or below the last (replays, a restarted numbering). */
  backwards: number;
  /** Times the numbering went on from a seq below the last (the device's counter restarted): it is followed from there. */
  restarts: number;
  /** The latest seq that went backwards, while the next one may show a restart (-1: none). */
  low: number;
  /** The first and latest seq's receive time (epoch ms). */
  since: number;
  lastAt: number;
}

/** A topic's figures as the API gives them (ISO times). */
export type SequenceView = Omit<SequenceFigures, 'since' | 'lastAt' | 'low'> & { since: string; lastAt: string };

export class SequenceTracker {
  private readonly devices = new Map<string, Partial<Record<NumberedTopic, SequenceFigures>>>();

  /** One seq of the device's message on `topic`, received at `at`. */
  note(device: string, topic: NumberedTopic, seq: number, at: number): void {
    let byTopic = this.devices.get(device);
    if (byTopic === undefined) {
      byTopic = {};
      this.devices.set(device, byTopic);
    }
    const f = byTopic[topic];
    if (f === undefined) {
      byTopic[topic] = { last: seq, received: 1, gaps: 0, missing: 0, backwards: 0, restarts: 0, low: -1, since: at, lastAt: at };
      return;
    }
    f.received++;
    f.lastAt = at;
    if (seq === f.last + 1) f.last = seq;
    else if (seq > f.last) {
      f.gaps++;
      f.missing += seq - f.last - 1;
      f.last = seq;
    } else if (f.low >= 0 && seq === f.low + 1) {
      // counting on from the seq that went backwards: the numbering restarted (a replay is one old seq)
      f.restarts++;
      f.last = seq;
    } else f.backwards++;
    f.low = seq < f.last ? seq : -1;
  }

  /** The device's figures per topic (ISO times), or undefined before its first numbered message on this node. */
  of(device: string): Partial<Record<NumberedTopic, SequenceView>> | undefined {
    const byTopic = this.devices.get(device);
    if (byTopic === undefined) return undefined;
    const out: Partial<Record<NumberedTopic, SequenceView>> = {};
    for (const [topic, f] of Object.entries(byTopic) as [NumberedTopic, SequenceFigures][]) {
      const { low: _low, ...figures } = f;
      out[topic] = { ...figures, since: new Date(f.since).toISOString(), lastAt: new Date(f.lastAt).toISOString() };
    }
    return out;
  }
}
