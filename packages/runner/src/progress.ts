/**
 * Progress of a sweep: a cli-progress bar (runs done, failures, runs/s, ETA) on a terminal,
 * plain periodic lines otherwise (log files of cluster jobs).
 *
 * @module
 */

import cliProgress from "cli-progress";

/** Receives progress of a sweep. */
export interface ProgressReporter {
  /** The sweep starts: `total` runs to execute in this session. */
  start(total: number): void;
  /** `done` runs finished so far, `failed` of them failed. */
  update(done: number, failed: number): void;
  /** The sweep ended (prints a final line). */
  stop(): void;
}

/** A reporter that says nothing. */
export const silentProgress: ProgressReporter = { start() {}, update() {}, stop() {} };

/**
 * A reporter writing to `stream` (default stderr): a bar when it is a TTY, else a line every
 * `intervalMs` (default 10 s) and at the end.
 */
export function progressReporter(
  stream: NodeJS.WriteStream = process.stderr,
  intervalMs = 10_000,
): ProgressReporter {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream, intervalMs);
}

class BarProgress implements ProgressReporter {
  private readonly bar: cliProgress.SingleBar;
  private t0 = 0;
  constructor(stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: "{bar} {value}/{total} runs | {failed} failed | {rate} runs/s | ETA {eta_formatted}",
        etaBuffer: 50,
        fps: 5,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  start(total: number): void {
    this.t0 = performance.now();
    this.bar.start(total, 0, { failed: 0, rate: "0.0" });
  }
  update(done: number, failed: number): void {
    const s = (performance.now() - this.t0) / 1000;
    this.bar.update(done, { failed, rate: (s > 0 ? done / s : 0).toFixed(1) });
  }
  stop(): void {
    this.bar.stop();
  }
}

class LineProgress implements ProgressReporter {
  private t0 = 0;
  private last = 0;
  private total = 0;
  private done = 0;
  private failed = 0;
  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly intervalMs: number,
  ) {}
  start(total: number): void {
    this.t0 = performance.now();
    this.last = this.t0;
    this.total = total;
    this.line();
  }
  update(done: number, failed: number): void {
    this.done = done;
    this.failed = failed;
    const now = performance.now();
    if (now - this.last >= this.intervalMs) {
      this.last = now;
      this.line();
    }
  }
  stop(): void {
    this.line();
  }
  private line(): void {
    const s = (performance.now() - this.t0) / 1000;
    const rate = s > 0 ? this.done / s : 0;
    const eta = rate > 0 ? `${Math.ceil((this.total - this.done) / rate)}s` : "?";
    const pct = this.total > 0 ? ((100 * this.done) / this.total).toFixed(1) : "100.0";
    this.stream.write(
      `progress: ${this.done}/${this.total} runs (${pct}%), ${this.failed} failed, ${rate.toFixed(1)} runs/s, ETA ${eta}\n`,
    );
  }
}
