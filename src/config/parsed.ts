/** The outcome of parsing operator input: a value, or the reasons it was refused (never a throw). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: string[] };
