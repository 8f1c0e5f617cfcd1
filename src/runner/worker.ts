import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The Python harness as a persistent worker in the user's interpreter: one process
 * reused across checks, restarted when a unit hangs past its timeout, exits or
 * crashes the interpreter. The harness keeps its protocol on the process's real
 * stdout and sends user prints to stderr, so they cannot corrupt it.
 */

export interface Hello {
  type: "hello";
  python: string;
  executable: string;
  numpy: string | null;
  torch: string | null;
  error?: string;
}

export class WorkerError extends Error {
  constructor(
    message: string,
    readonly reason: "timeout" | "crash" | "start",
  ) {
    super(message);
  }
}

/** Where the harness lives: beside the bundle (dist/ → ../python). */
export function harnessPath(baseDir: string): string {
  const candidates = [join(baseDir, "..", "python", "gradlens_harness.py"), join(baseDir, "python", "gradlens_harness.py")];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

/** The interpreter to use: the one given, else python3, else python, as found on PATH. */
export function findPython(given?: string): { executable: string } | { error: string } {
  const candidates = given ? [given] : ["python3", "python"];
  for (const exe of candidates) {
    const r = spawnSync(exe, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8", timeout: 10_000 });
    if (r.status === 0) return { executable: r.stdout.trim() || exe };
  }
  return {
    error: given
      ? `cannot run the Python interpreter ${given}`
      : "no Python interpreter found: install Python 3 with numpy, or give one with --python (or the gradlens.python.path setting)",
  };
}

export class PythonWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stderrTail = "";
  private exited: string | undefined;

  private constructor(
    private readonly proc: ChildProcess,
    readonly hello: Hello,
  ) {}

  static start(executable: string, harness: string, onStderr?: (text: string) => void): Promise<PythonWorker> {
    return new Promise((resolve, reject) => {
      let proc: ChildProcess;
      try {
        proc = spawn(executable, ["-u", harness, "serve"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
      } catch (e) {
        reject(new WorkerError(`cannot start ${executable}: ${(e as Error).message}`, "start"));
        return;
      }
      let worker: PythonWorker | undefined;
      let stderr = "";
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new WorkerError(`${executable} did not start the GradLens harness within 20 s`, "start"));
      }, 20_000);
      proc.on("error", (e) => {
        clearTimeout(timer);
        reject(new WorkerError(`cannot start ${executable}: ${e.message}`, "start"));
      });
      proc.stderr!.setEncoding("utf8");
      proc.stderr!.on("data", (d: string) => {
        stderr = (stderr + d).slice(-4000);
        if (worker) worker.stderrTail = (worker.stderrTail + d).slice(-4000);
        onStderr?.(d);
      });
      const lines = createInterface({ input: proc.stdout! });
      lines.on("line", (line) => {
        let msg: { id?: number; type?: string } & Record<string, unknown>;
        try {
          msg = JSON.parse(line);
        } catch {
          return; // not ours: the harness never writes anything but JSON lines here
        }
        if (!worker) {
          clearTimeout(timer);
          const hello = msg as unknown as Hello;
          if (hello.type !== "hello" || hello.error) {
            proc.kill();
            reject(new WorkerError(hello.error ?? `unexpected first message from the harness: ${line.slice(0, 200)}`, "start"));
            return;
          }
          worker = new PythonWorker(proc, hello);
          resolve(worker);
          return;
        }
        const waiter = msg.id !== undefined ? worker.pending.get(msg.id) : undefined;
        if (waiter) {
          worker.pending.delete(msg.id!);
          waiter.resolve(msg);
        }
      });
      proc.on("exit", (code, signal) => {
        clearTimeout(timer);
        const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        if (!worker) {
          reject(new WorkerError(`the harness ${why} before starting: ${stderr.trim().split("\n").slice(-3).join(" ")}`, "start"));
          return;
        }
        worker.exited = why;
        for (const [, w] of worker.pending) w.reject(new WorkerError(`the Python process ${why}${worker.stderrTail ? `: ${worker.stderrTail.trim().split("\n").slice(-2).join(" ")}` : ""}`, "crash"));
        worker.pending.clear();
      });
    });
  }

  get alive(): boolean {
    return this.exited === undefined && this.proc.exitCode === null;
  }

  /** Sends a request; a reply later than `timeoutMs` kills the worker. */
  request<T>(message: Record<string, unknown>, timeoutMs: number): Promise<T> {
    if (!this.alive) return Promise.reject(new WorkerError(`the Python process ${this.exited ?? "is not running"}`, "crash"));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.stop();
        reject(new WorkerError(`timed out after ${timeoutMs / 1000} s (a loop that never ends?)`, "timeout"));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.stdin!.write(JSON.stringify({ ...message, id }) + "\n");
    });
  }

  /**
   * Cancels the request in flight: the harness answers it at once with its unfinished
   * units "cancelled" and stays up, modules loaded. Idle, it would end on SIGINT, so
   * nothing is sent then.
   */
  interrupt(): void {
    if (this.alive && this.pending.size) this.proc.kill("SIGINT");
  }

  stop(): void {
    // Dead from now on, even before the exit event: the next unit gets a new worker.
    this.exited ??= "was stopped";
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}
