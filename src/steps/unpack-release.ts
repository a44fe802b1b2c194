import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { sha256Hex, type FileRecord } from '../engine/state.js';
import type { StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';

export interface UnpackReleaseOptions {
  /** A verified release tarball in kjoin's cache. */
  archive: string;
  /** Its file name, for messages. */
  label: string;
  /** Where a member goes on the host, or null to leave it out (docs, licences, nested directories). */
  targetOf(member: string): string | null;
  /** Members without which the tarball is not the release it claims to be; checked before anything moves. */
  required: readonly string[];
  /** The directory the staging directory is made in; on the same file system as every target. */
  stagingParent: string;
}

/**
 * Unpacks a release tarball into place: extracted into a staging directory beside the targets and renamed file
 * by file, so no half-written binary is ever in place and a tarball missing a required member installs nothing.
 * Returns a record (sha256, mode) of every file moved in.
 */
export async function unpackRelease(ctx: StepContext, options: UnpackReleaseOptions): Promise<FileRecord[]> {
  const { fs } = ctx.ports;
  await fs.mkdir(options.stagingParent, 0o755);
  // A run killed while unpacking leaves its staging directory behind; it never holds anything in use.
  for (const name of await fs.readdir(options.stagingParent)) {
    if (name.startsWith('.kjoin-staging-')) await fs.removeTree(`${options.stagingParent}/${name}`);
  }
  const staging = `${options.stagingParent}/.kjoin-staging-${randomBytes(4).toString('hex')}`;
  const notRelease = (why: string) =>
    new KjoinError('step-failed', `${options.label} is not a usable release tarball: ${why}`, {
      hint: 'check that the mirror serves the real release tarball; nothing was installed from it',
    });
  try {
    ctx.reporter.progress(`unpacking ${options.label}`);
    const members = await fs.extractTarGz(options.archive, staging).catch((error: unknown) => {
      throw notRelease((error as Error).message.split('\n')[0] ?? 'unreadable');
    });
    const moves = members.flatMap((member) => {
      const target = options.targetOf(member);
      return target === null ? [] : [{ member, target }];
    });
    const missing = options.required.filter((member) => !moves.some((move) => move.member === member));
    if (missing.length > 0 || moves.length === 0) throw notRelease(`it has no ${(missing.length ? missing : ['installable file']).join(', ')}`);
    const records: FileRecord[] = [];
    for (const { member, target } of moves) {
      const stat = await fs.stat(`${staging}/${member}`);
      await fs.mkdir(path.posix.dirname(target), 0o755);
      await fs.rename(`${staging}/${member}`, target);
      records.push({ path: target, sha256: sha256Hex(await fs.readBytes(target)), mode: stat?.mode ?? 0o755 });
    }
    return records;
  } finally {
    await fs.removeTree(staging);
  }
}
