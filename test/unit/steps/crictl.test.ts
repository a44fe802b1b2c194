import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { crictlStep } from '../../../src/steps/crictl.js';
import { expectConverged, loadTestConfig, makeHarness } from './step-context.js';

describe('crictl step', () => {
  it('plans /etc/crictl.yaml pointing both endpoints at containerd', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    const plan = await crictlStep.plan(h.context());
    expect(plan.files.map((f) => [f.path, f.mode])).toEqual([['/etc/crictl.yaml', 0o644]]);
    expect(parseYaml(plan.files[0]!.content)).toEqual({
      'runtime-endpoint': 'unix:///run/containerd/containerd.sock',
      'image-endpoint': 'unix:///run/containerd/containerd.sock',
      timeout: 10,
      debug: false,
      'pull-image-on-create': false,
    });
    expect(plan.commands).toEqual([]);
  });

  it('writes it once, keeps a foreign one, and is a no-op on the next run', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    const foreign = 'runtime-endpoint: unix:///var/run/dockershim.sock\n';
    h.fs.put('/etc/crictl.yaml', foreign);
    expect(await crictlStep.check(h.context())).toEqual({ status: 'needed', reason: '/etc/crictl.yaml differs' });
    expect((await h.run([crictlStep])).outcomes.map((o) => o.status)).toEqual(['ok']);
    expect(await h.fs.readText('/var/lib/kjoin/backup/etc/crictl.yaml')).toBe(foreign);
    expect(await crictlStep.check(h.context())).toEqual({ status: 'done' });
    await expectConverged(h, crictlStep);
  });
});
