/**
 * Work a step may start early and await later, so downloads overlap with package installation. `run` starts a
 * task once per key and returns the same promise to every caller; a failure surfaces where it is awaited, never
 * as an unhandled rejection.
 */
export class BackgroundTasks {
  private readonly tasks = new Map<string, Promise<unknown>>();

  run<T>(key: string, start: () => Promise<T>): Promise<T> {
    let task = this.tasks.get(key) as Promise<T> | undefined;
    if (!task) {
      task = start();
      task.catch(() => undefined); // observed here; rethrown to whoever awaits it
      this.tasks.set(key, task);
    }
    return task;
  }

  /** Waits for everything started (used before the run ends, so no download outlives it). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.tasks.values());
  }
}
