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

/** Finished runs before an ETA is shown: earlier estimates are dominated by worker start-up. */
export const ETA_MIN_RUNS = 3;

/**
 * The ETA text of a sweep: `"?"` until {@link ETA_MIN_RUNS} runs have finished (and while no run is
 * left to time), else the remaining runs at the rate observed since the first run finished
 * (worker start-up and the first run's length excluded), e.g. `"42s"`, `"3m20s"`.
 *
 * @param total runs of the session
 * @param done runs finished
 * @param elapsedS seconds since the session started
 * @param firstDoneS seconds from the start to the first finished run
 */
export function etaText(total: number, done: number, elapsedS: number, firstDoneS: number): string {
  if (done < Math.min(ETA_MIN_RUNS, total) || done >= total) return done >= total ? "0s" : "?";
  const span = elapsedS - firstDoneS;
  // Runs finished after the first one, over the time since then; before that, all of them.
  const rate = span > 0 && done > 1 ? (done - 1) / span : elapsedS > 0 ? done / elapsedS : 0;
  if (!(rate > 0)) return "?";
  const s = Math.ceil((total - done) / rate);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
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
  private total = 0;
  private firstDoneS = -1;
  constructor(stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: "{bar} {value}/{total} runs | {failed} failed | {rate} runs/s | ETA {eta_text}",
        fps: 5,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  start(total: number): void {
    this.t0 = performance.now();
    this.total = total;
    this.firstDoneS = -1;
    this.bar.start(total, 0, { failed: 0, rate: "0.0", eta_text: "?" });
  }
  update(done: number, failed: number): void {
    const s = (performance.now() - this.t0) / 1000;
    if (done > 0 && this.firstDoneS < 0) this.firstDoneS = s;
    this.bar.update(done, {
      failed,
      rate: (s > 0 ? done / s : 0).toFixed(1),
      eta_text: etaText(this.total, done, s, this.firstDoneS),
    });
  }
  stop(): void {
    this.bar.stop();
  }
}

/** Plain progress lines (not a terminal): one every `intervalMs` and one at the end. */
export class LineProgress implements ProgressReporter {
  private t0 = 0;
  private firstDoneS = -1;
  private last = 0;
  private total = 0;
  private done = 0;
  private failed = 0;
  /** Writes to `stream` at most every `intervalMs` (and at the end). */
  constructor(
    private readonly stream: Pick<NodeJS.WritableStream, "write">,
    private readonly intervalMs: number,
  ) {}
  start(total: number): void {
    this.t0 = performance.now();
    this.last = this.t0;
    this.total = total;
    this.firstDoneS = -1;
    this.line();
  }
  update(done: number, failed: number): void {
    this.done = done;
    this.failed = failed;
    const now = performance.now();
    if (done > 0 && this.firstDoneS < 0) this.firstDoneS = (now - this.t0) / 1000;
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
    const eta = etaText(this.total, this.done, s, this.firstDoneS);
    const pct = this.total > 0 ? ((100 * this.done) / this.total).toFixed(1) : "100.0";
    this.stream.write(
      `progress: ${this.done}/${this.total} runs (${pct}%), ${this.failed} failed, ${rate.toFixed(1)} runs/s, ETA ${eta}\n`,
    );
  }
}
